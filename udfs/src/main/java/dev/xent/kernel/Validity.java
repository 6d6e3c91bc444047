package dev.xent.kernel;

/**
 * Per-row validity checks, each returning the first {@link Reason} that applies or {@link
 * Reason#OK}. A valid row may still have an infinite loss (its label is a masked class).
 *
 * <p>Logits: empty → {@code empty_logits}; a NaN → {@code nan_logit}; a +∞ → {@code posinf_logit};
 * for softmax, all −∞ → {@code all_masked}. A −∞ logit alone is a masked class and valid.
 */
public final class Validity {
  /** How far the labels of a dense row may sum away from 1. */
  public static final double DISTRIBUTION_TOLERANCE = 1e-4;

  private Validity() {}

  public static Reason logits(double[] z, boolean softmax) {
    // All finite is also not all masked, and most rows are: one vector pass says so.
    return ExpBlocks.simd() && VectorRows.allFinite(z) ? Reason.OK : scalarLogits(z, softmax);
  }

  /** {@link #logits(double[], boolean)} a value at a time, from the first to its first NaN. */
  static Reason scalarLogits(double[] z, boolean softmax) {
    if (z.length == 0) {
      return Reason.EMPTY_LOGITS;
    }
    boolean posInf = false;
    boolean anyUnmasked = false;
    for (double v : z) {
      if (v != v) {
        return Reason.NAN_LOGIT;
      }
      posInf |= v == Double.POSITIVE_INFINITY;
      anyUnmasked |= v != Double.NEGATIVE_INFINITY;
    }
    return logitsVerdict(posInf, anyUnmasked, softmax);
  }

  public static Reason logits(float[] z, boolean softmax) {
    // All finite is also not all masked, and most rows are: one vector pass says so.
    return ExpBlocks.simd() && VectorRows.allFinite(z) ? Reason.OK : scalarLogits(z, softmax);
  }

  /** {@link #logits(float[], boolean)} a value at a time, from the first to its first NaN. */
  static Reason scalarLogits(float[] z, boolean softmax) {
    if (z.length == 0) {
      return Reason.EMPTY_LOGITS;
    }
    boolean posInf = false;
    boolean anyUnmasked = false;
    for (float v : z) {
      if (v != v) {
        return Reason.NAN_LOGIT;
      }
      posInf |= v == Float.POSITIVE_INFINITY;
      anyUnmasked |= v != Float.NEGATIVE_INFINITY;
    }
    return logitsVerdict(posInf, anyUnmasked, softmax);
  }

  private static Reason logitsVerdict(boolean posInf, boolean anyUnmasked, boolean softmax) {
    if (posInf) {
      return Reason.POSINF_LOGIT;
    }
    return softmax && !anyUnmasked ? Reason.ALL_MASKED : Reason.OK;
  }

  /**
   * An integer class label given as a double (MLlib stores labels as doubles): NaN → {@code
   * nan_label}, a fraction or ±∞ → {@code label_not_integer}, outside {@code [0, classes)} → {@code
   * label_out_of_range}.
   */
  public static Reason sparseLabel(double label, int classes) {
    if (label != label) {
      return Reason.NAN_LABEL;
    }
    if (Double.isInfinite(label) || label != Math.rint(label)) {
      return Reason.LABEL_NOT_INTEGER;
    }
    return label >= 0 && label < classes ? Reason.OK : Reason.LABEL_OUT_OF_RANGE;
  }

  /** An integer class label: outside {@code [0, classes)} → {@code label_out_of_range}. */
  public static Reason sparseLabel(long label, int classes) {
    return label >= 0 && label < classes ? Reason.OK : Reason.LABEL_OUT_OF_RANGE;
  }

  /**
   * A probability row for dense softmax: another length → {@code length_mismatch}, a NaN → {@code
   * nan_label}, a negative entry (−0.0 is not negative) → {@code negative_probability}, a sum off 1
   * by more than {@link #DISTRIBUTION_TOLERANCE} (including +∞) → {@code not_a_distribution}.
   */
  public static Reason denseLabels(double[] p, int classes) {
    if (p.length != classes) {
      return Reason.LENGTH_MISMATCH;
    }
    boolean negative = false;
    double sum = 0.0;
    double compensation = 0.0;
    for (double v : p) {
      if (v != v) {
        return Reason.NAN_LABEL;
      }
      negative |= v < 0.0;
      double next = sum + v;
      compensation += CompensatedSum.roundingError(sum, v, next);
      sum = next;
    }
    if (negative) {
      return Reason.NEGATIVE_PROBABILITY;
    }
    double total = SoftmaxCrossEntropy.finish(sum, compensation);
    return Math.abs(total - 1.0) <= DISTRIBUTION_TOLERANCE ? Reason.OK : Reason.NOT_A_DISTRIBUTION;
  }

  /**
   * Sigmoid targets: another length → {@code length_mismatch}, a NaN → {@code nan_label}, outside
   * [0, 1] → {@code target_out_of_range}.
   */
  public static Reason sigmoidTargets(double[] t, int logits) {
    if (t.length != logits) {
      return Reason.LENGTH_MISMATCH;
    }
    return ExpBlocks.simd() && VectorRows.allUnit(t) ? Reason.OK : scalarSigmoidTargets(t);
  }

  /** {@link #sigmoidTargets} of targets of the right length, a value at a time. */
  static Reason scalarSigmoidTargets(double[] t) {
    boolean outOfRange = false;
    for (double v : t) {
      if (v != v) {
        return Reason.NAN_LABEL;
      }
      outOfRange |= !(v >= 0.0 && v <= 1.0);
    }
    return outOfRange ? Reason.TARGET_OUT_OF_RANGE : Reason.OK;
  }
}
