package dev.xent.kernel;

/**
 * What exactly made a row invalid, in words and with the offending value ("label 7 outside [0,
 * 5)"), for messages that name one row (e.g. a {@code --strict} gate). The verdict itself is {@link
 * RowAuditor}'s; this only explains a verdict already given, so it never decides anything.
 */
public final class ReasonDetail {
  private ReasonDetail() {}

  /**
   * The reason's code and why, e.g. {@code label_out_of_range (label 7 outside [0, 5))}. {@code
   * logits} is a {@code float[]} or {@code double[]} (null when NULL); {@code label} the scalar
   * label (NaN when there is none or it is NULL); {@code labels} the label row of dense or sigmoid
   * rows (else null); {@code weight} the row's weight (NaN when NULL).
   */
  public static String describe(
      Reason reason, Object logits, double label, double[] labels, double weight) {
    String why = why(reason, logits == null ? null : doubles(logits), label, labels, weight);
    return why == null ? reason.code() : reason.code() + " (" + why + ")";
  }

  private static String why(
      Reason reason, double[] z, double label, double[] labels, double weight) {
    int classes = z == null ? 0 : z.length;
    return switch (reason) {
      case NULL_INPUT -> "the logits, one of their elements or the label is NULL";
      case EMPTY_LOGITS -> "the logits are an empty array";
      case NAN_LOGIT -> "logit " + first(z, Double.NaN) + " is NaN";
      case POSINF_LOGIT -> "logit " + first(z, Double.POSITIVE_INFINITY) + " is +Infinity";
      case ALL_MASKED -> "all " + classes + " logits are -Infinity";
      case LENGTH_MISMATCH ->
          (labels == null ? "?" : labels.length) + " label values for " + classes + " logits";
      case NAN_LABEL ->
          labels == null ? "the label is NaN" : "label " + first(labels, Double.NaN) + " is NaN";
      case LABEL_NOT_INTEGER -> "label " + number(label) + " is not an integer";
      case LABEL_OUT_OF_RANGE -> "label " + number(label) + " outside [0, " + classes + ")";
      case NEGATIVE_PROBABILITY -> {
        int at = firstNegative(labels);
        yield "probability " + at + " is " + number(labels[at]);
      }
      case NOT_A_DISTRIBUTION ->
          "the probabilities sum to " + number(sum(labels)) + ", not 1 (within 1e-4)";
      case TARGET_OUT_OF_RANGE -> {
        int at = firstOutsideUnit(labels);
        yield "target " + at + " is " + number(labels[at]) + ", outside [0, 1]";
      }
      case BAD_WEIGHT ->
          weight != weight
              ? "the weight is NULL or NaN"
              : "weight " + number(weight) + (weight < 0 ? " is negative" : " is infinite");
      default -> null;
    };
  }

  private static double[] doubles(Object logits) {
    if (logits instanceof double[] d) {
      return d;
    }
    float[] f = (float[]) logits;
    double[] d = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      d[i] = f[i];
    }
    return d;
  }

  /** The first index holding {@code value} (NaN matches NaN). */
  private static int first(double[] values, double value) {
    for (int i = 0; i < values.length; i++) {
      if (Double.compare(values[i], value) == 0) {
        return i;
      }
    }
    return -1;
  }

  private static int firstNegative(double[] values) {
    for (int i = 0; i < values.length; i++) {
      if (values[i] < 0) {
        return i;
      }
    }
    return 0;
  }

  private static int firstOutsideUnit(double[] values) {
    for (int i = 0; i < values.length; i++) {
      if (!(values[i] >= 0 && values[i] <= 1)) {
        return i;
      }
    }
    return 0;
  }

  private static double sum(double[] values) {
    double total = 0;
    for (double v : values) {
      total += v;
    }
    return total;
  }

  /** An integral value without ".0" (labels are integers held as doubles), else Java's form. */
  static String number(double value) {
    return value == Math.rint(value) && Math.abs(value) < 0x1p53
        ? Long.toString((long) value)
        : Double.toString(value);
  }
}
