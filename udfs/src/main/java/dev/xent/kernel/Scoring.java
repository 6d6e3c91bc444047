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
   * The softmax verdict on a row's logits from its first maximum alone, the same as {@link
   * Validity#logits} without a second pass: {@link Logits#argmax} stops at the first NaN, so the
   * maximum is NaN when any logit is, +∞ when any is and none is NaN, and −∞ only when all are.
   */
  private static Reason softmaxLogits(int argmax, double max) {
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
