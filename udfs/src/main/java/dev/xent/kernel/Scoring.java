package dev.xent.kernel;

/**
 * Validates a row and, when it is valid, computes its loss and prediction: the one place that
 * decides which {@link Reason} a row gets, so SQL functions, per-row output and metrics agree.
 */
public final class Scoring {
  private Scoring() {}

  /** Sparse softmax: an integer class label (a double holding an integer, as MLlib stores it). */
  public static Scored sparse(double[] z, double label) {
    int predicted = Logits.argmax(z);
    Reason reason = softmaxLogits(predicted, predicted < 0 ? 0 : z[predicted]);
    if (reason.isOk()) {
      reason = Validity.sparseLabel(label, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    int y = (int) label;
    return new Scored(
        reason, SoftmaxCrossEntropy.sparse(z, y, predicted), predicted, predicted == y);
  }

  public static Scored sparse(float[] z, double label) {
    int predicted = Logits.argmax(z);
    Reason reason = softmaxLogits(predicted, predicted < 0 ? 0 : z[predicted]);
    if (reason.isOk()) {
      reason = Validity.sparseLabel(label, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    int y = (int) label;
    return new Scored(
        reason, SoftmaxCrossEntropy.sparse(z, y, predicted), predicted, predicted == y);
  }

  /** Dense softmax: a probability row; correct means the first maxima of z and p coincide. */
  public static Scored dense(double[] z, double[] p) {
    int predicted = Logits.argmax(z);
    Reason reason = softmaxLogits(predicted, predicted < 0 ? 0 : z[predicted]);
    if (reason.isOk()) {
      reason = Validity.denseLabels(p, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    return new Scored(
        reason,
        SoftmaxCrossEntropy.dense(z, p, predicted),
        predicted,
        predicted == Logits.argmax(p));
  }

  public static Scored dense(float[] z, double[] p) {
    int predicted = Logits.argmax(z);
    Reason reason = softmaxLogits(predicted, predicted < 0 ? 0 : z[predicted]);
    if (reason.isOk()) {
      reason = Validity.denseLabels(p, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    return new Scored(
        reason,
        SoftmaxCrossEntropy.dense(z, p, predicted),
        predicted,
        predicted == Logits.argmax(p));
  }

  /**
   * {@link #sparse(double[], double)} with label smoothing E (see {@link
   * SoftmaxCrossEntropy#smoothed(double[], int, double)}); E = 0 is {@link #sparse(double[],
   * double)} bit for bit. The caller checks 0 ≤ E < 1; the prediction is the same as without
   * smoothing.
   */
  public static Scored sparse(double[] z, double label, double smoothing) {
    if (smoothing == 0.0) {
      return sparse(z, label);
    }
    int predicted = Logits.argmax(z);
    Reason reason = sparseVerdict(z.length, predicted, predicted < 0 ? 0 : z[predicted], label);
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    int y = (int) label;
    return new Scored(
        reason, SoftmaxCrossEntropy.smoothed(z, y, smoothing), predicted, predicted == y);
  }

  public static Scored sparse(float[] z, double label, double smoothing) {
    if (smoothing == 0.0) {
      return sparse(z, label);
    }
    int predicted = Logits.argmax(z);
    Reason reason = sparseVerdict(z.length, predicted, predicted < 0 ? 0 : z[predicted], label);
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    int y = (int) label;
    return new Scored(
        reason, SoftmaxCrossEntropy.smoothed(z, y, smoothing), predicted, predicted == y);
  }

  /**
   * {@link #dense(double[], double[])} with label smoothing E: the target is (1 − E)·p + E/C (see
   * {@link SoftmaxCrossEntropy#smoothed(double[], double[], double)}); E = 0 is the unsmoothed
   * result bit for bit. The row is validated (and "correct" decided) on p itself.
   */
  public static Scored dense(double[] z, double[] p, double smoothing) {
    if (smoothing == 0.0) {
      return dense(z, p);
    }
    int predicted = Logits.argmax(z);
    Reason reason = softmaxLogits(predicted, predicted < 0 ? 0 : z[predicted]);
    if (reason.isOk()) {
      reason = Validity.denseLabels(p, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    return new Scored(
        reason,
        SoftmaxCrossEntropy.smoothed(z, p, smoothing),
        predicted,
        predicted == Logits.argmax(p));
  }

  public static Scored dense(float[] z, double[] p, double smoothing) {
    if (smoothing == 0.0) {
      return dense(z, p);
    }
    int predicted = Logits.argmax(z);
    Reason reason = softmaxLogits(predicted, predicted < 0 ? 0 : z[predicted]);
    if (reason.isOk()) {
      reason = Validity.denseLabels(p, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    return new Scored(
        reason,
        SoftmaxCrossEntropy.smoothed(z, p, smoothing),
        predicted,
        predicted == Logits.argmax(p));
  }

  /**
   * The verdict {@link #sparse(double[], double)} gives a row, without computing its loss: what
   * functions that need a valid (logits, integer label) pair but not the loss check, e.g. the label
   * rank.
   */
  public static Reason sparseVerdict(double[] z, double label) {
    int predicted = Logits.argmax(z);
    return sparseVerdict(z.length, predicted, predicted < 0 ? 0 : z[predicted], label);
  }

  public static Reason sparseVerdict(float[] z, double label) {
    int predicted = Logits.argmax(z);
    return sparseVerdict(z.length, predicted, predicted < 0 ? 0 : z[predicted], label);
  }

  private static Reason sparseVerdict(int classes, int argmax, double max, double label) {
    Reason reason = softmaxLogits(argmax, max);
    return reason.isOk() ? Validity.sparseLabel(label, classes) : reason;
  }

  /**
   * The softmax verdict on a row's logits from its first maximum alone, the same as {@link
   * Validity#logits} without a second pass: {@link Logits#argmax} stops at the first NaN, so the
   * maximum is NaN when any logit is, +∞ when any is and none is NaN, and −∞ only when all are.
   */
  static Reason softmaxLogits(int argmax, double max) {
    if (argmax < 0) {
      return Reason.EMPTY_LOGITS;
    }
    if (max != max) {
      return Reason.NAN_LOGIT;
    }
    if (max == Double.POSITIVE_INFINITY) {
      return Reason.POSINF_LOGIT;
    }
    return max == Double.NEGATIVE_INFINITY ? Reason.ALL_MASKED : Reason.OK;
  }

  /** Sigmoid: independent binary targets in [0, 1]; the loss is the sum over elements. */
  public static Scored sigmoid(double[] z, double[] t) {
    Reason reason = Validity.logits(z, false);
    if (reason.isOk()) {
      reason = Validity.sigmoidTargets(t, z.length);
    }
    return reason.isOk()
        ? new Scored(reason, SigmoidCrossEntropy.row(z, t), -1, false)
        : Scored.invalid(reason);
  }

  public static Scored sigmoid(float[] z, double[] t) {
    Reason reason = Validity.logits(z, false);
    if (reason.isOk()) {
      reason = Validity.sigmoidTargets(t, z.length);
    }
    return reason.isOk()
        ? new Scored(reason, SigmoidCrossEntropy.row(z, t), -1, false)
        : Scored.invalid(reason);
  }
}
