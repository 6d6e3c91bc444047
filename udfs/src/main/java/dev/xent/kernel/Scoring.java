package dev.xent.kernel;

/**
 * Validates a row and, when it is valid, computes its loss and prediction: the one place that
 * decides which {@link Reason} a row gets, so SQL functions, per-row output and metrics agree.
 */
public final class Scoring {
  private Scoring() {}

  /** Sparse softmax: an integer class label (a double holding an integer, as MLlib stores it). */
  public static Scored sparse(double[] z, double label) {
    Reason reason = Validity.logits(z, true);
    if (reason.isOk()) {
      reason = Validity.sparseLabel(label, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    int predicted = Logits.argmax(z);
    return new Scored(
        reason, SoftmaxCrossEntropy.sparse(z, (int) label), predicted, predicted == (int) label);
  }

  public static Scored sparse(float[] z, double label) {
    Reason reason = Validity.logits(z, true);
    if (reason.isOk()) {
      reason = Validity.sparseLabel(label, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    int predicted = Logits.argmax(z);
    return new Scored(
        reason, SoftmaxCrossEntropy.sparse(z, (int) label), predicted, predicted == (int) label);
  }

  /** Dense softmax: a probability row; correct means the first maxima of z and p coincide. */
  public static Scored dense(double[] z, double[] p) {
    Reason reason = Validity.logits(z, true);
    if (reason.isOk()) {
      reason = Validity.denseLabels(p, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    int predicted = Logits.argmax(z);
    return new Scored(
        reason, SoftmaxCrossEntropy.dense(z, p), predicted, predicted == Logits.argmax(p));
  }

  public static Scored dense(float[] z, double[] p) {
    Reason reason = Validity.logits(z, true);
    if (reason.isOk()) {
      reason = Validity.denseLabels(p, z.length);
    }
    if (!reason.isOk()) {
      return Scored.invalid(reason);
    }
    int predicted = Logits.argmax(z);
    return new Scored(
        reason, SoftmaxCrossEntropy.dense(z, p), predicted, predicted == Logits.argmax(p));
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
