package dev.xent.kernel;

/**
 * Sigmoid (binary / multi-label) cross-entropy from logits: per element {@code max(z,0) − z·t +
 * log1p(exp(−|z|))}, and the row loss is the SUM over the elements (as TensorFlow's {@code
 * reduce_sum(sigmoid_cross_entropy_with_logits(...), 1)}).
 *
 * <p>The element is evaluated as {@code z·(1 − t) + log1p(exp(−z))} for z > 0 and {@code −z·t +
 * log1p(exp(z))} otherwise: both parts are non-negative for t ∈ [0,1], so there is no cancellation
 * (the textbook form cancels {@code max(z,0) − z·t} when t = 1 and z is large).
 *
 * <p>Non-finite behaviour: NaN in z or t gives NaN; z = −∞ (probability 0) gives 0 when t = 0 and
 * +∞ otherwise; z = +∞ (probability 1) gives 0 when t = 1 and +∞ otherwise (rows with +∞ logits are
 * nevertheless reported invalid by {@link Validity}). A row's sum is compensated.
 */
public final class SigmoidCrossEntropy {
  private SigmoidCrossEntropy() {}

  public static double element(double z, double t) {
    if (z != z || t != t) {
      return Double.NaN;
    }
    if (z == Double.NEGATIVE_INFINITY) {
      return t == 0.0 ? 0.0 : Double.POSITIVE_INFINITY;
    }
    if (z == Double.POSITIVE_INFINITY) {
      return t == 1.0 ? 0.0 : Double.POSITIVE_INFINITY;
    }
    // log(1 + e^−|z|) via log1p: exact to an ulp even when e^−|z| is below eps.
    return z > 0.0 ? z * (1.0 - t) + Log1p.of(Math.exp(-z)) : -z * t + Log1p.of(Math.exp(z));
  }

  public static double row(double[] z, double[] t) {
    SoftmaxCrossEntropy.requireSameLength(z.length, t.length);
    double sum = 0.0;
    double compensation = 0.0;
    for (int i = 0; i < z.length; i++) {
      double term = element(z[i], t[i]);
      double next = sum + term;
      compensation += CompensatedSum.roundingError(sum, term, next);
      sum = next;
    }
    return SoftmaxCrossEntropy.finish(sum, compensation);
  }

  public static double row(float[] z, double[] t) {
    SoftmaxCrossEntropy.requireSameLength(z.length, t.length);
    double sum = 0.0;
    double compensation = 0.0;
    for (int i = 0; i < z.length; i++) {
      double term = element(z[i], t[i]);
      double next = sum + term;
      compensation += CompensatedSum.roundingError(sum, term, next);
      sum = next;
    }
    return SoftmaxCrossEntropy.finish(sum, compensation);
  }

  /**
   * The class-weighted row loss {@code Σ_c cw_c·ℓ_c}, ℓ_c the {@link #element}; {@code classWeights
   * == null} means all ones and gives {@link #row(double[], double[])} bit for bit (so do weights
   * that are all exactly 1). An element with {@code cw_c == 0} (or −0.0) contributes exactly 0,
   * even an infinite or NaN one; a weight that is negative, NaN or infinite gives NaN. Otherwise
   * the non-finite behaviour is that of {@link #element}. Targets or weights of another length
   * throw {@link IllegalArgumentException}.
   */
  public static double row(double[] z, double[] t, double[] classWeights) {
    if (classWeights == null) {
      return row(z, t);
    }
    SoftmaxCrossEntropy.requireSameLength(z.length, t.length);
    SoftmaxCrossEntropy.requireWeights(z.length, classWeights.length);
    double sum = 0.0;
    double compensation = 0.0;
    for (int i = 0; i < z.length; i++) {
      double w = classWeights[i];
      if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
        return Double.NaN;
      }
      if (w != 0.0) {
        double term = w * element(z[i], t[i]);
        double next = sum + term;
        compensation += CompensatedSum.roundingError(sum, term, next);
        sum = next;
      }
    }
    return SoftmaxCrossEntropy.finish(sum, compensation);
  }

  /** {@link #row(double[], double[], double[])} for float logits. */
  public static double row(float[] z, double[] t, double[] classWeights) {
    if (classWeights == null) {
      return row(z, t);
    }
    SoftmaxCrossEntropy.requireSameLength(z.length, t.length);
    SoftmaxCrossEntropy.requireWeights(z.length, classWeights.length);
    double sum = 0.0;
    double compensation = 0.0;
    for (int i = 0; i < z.length; i++) {
      double w = classWeights[i];
      if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
        return Double.NaN;
      }
      if (w != 0.0) {
        double term = w * element(z[i], t[i]);
        double next = sum + term;
        compensation += CompensatedSum.roundingError(sum, term, next);
        sum = next;
      }
    }
    return SoftmaxCrossEntropy.finish(sum, compensation);
  }
}
