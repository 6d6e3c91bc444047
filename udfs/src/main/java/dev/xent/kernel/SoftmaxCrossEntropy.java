package dev.xent.kernel;

/**
 * Softmax cross-entropy from logits, never through probabilities.
 *
 * <p>Sparse (integer label y): {@code loss = lse(z) − z_y = (m − z_y) + log1p(rest)}, where m is
 * the first maximum and rest the relative mass of the other classes. When y is the maximum the loss
 * is {@code log1p(rest)} alone, so a loss of 1e-20 keeps every significant digit.
 *
 * <p>Dense (probability row p, soft labels): {@code loss = Σ_j p_j·(lse(z) − z_j)}, a sum of
 * non-negative terms (compensated). A class with {@code p_j == 0} contributes exactly 0, even when
 * {@code z_j = −∞}; p is used as given, not renormalised.
 *
 * <p>Non-finite behaviour: NaN in z (or in p) gives NaN; a +∞ logit gives NaN (the row is invalid,
 * see {@link Validity}); a row of only −∞ gives NaN; a −∞ logit is a masked class, and a loss that
 * puts mass on a masked class is +∞. Callers validate rows with {@link Validity} first; a label
 * outside the row throws {@link IndexOutOfBoundsException}.
 */
public final class SoftmaxCrossEntropy {
  private SoftmaxCrossEntropy() {}

  public static double sparse(double[] z, int label) {
    return sparse(z, label, Logits.argmax(z));
  }

  /** {@link #sparse(double[], int)} for a row whose first maximum {@code k} is known. */
  static double sparse(double[] z, int label, int k) {
    double zLabel = z[label];
    double max = z[k];
    if (!Double.isFinite(max)) {
      return Double.NaN;
    }
    return sparseFromParts(max, zLabel, Logits.restMass(z, k));
  }

  public static double sparse(float[] z, int label) {
    return sparse(z, label, Logits.argmax(z));
  }

  /** {@link #sparse(float[], int)} for a row whose first maximum {@code k} is known. */
  static double sparse(float[] z, int label, int k) {
    double zLabel = z[label];
    double max = z[k];
    if (!Double.isFinite(max)) {
      return Double.NaN;
    }
    return sparseFromParts(max, zLabel, Logits.restMass(z, k));
  }

  private static double sparseFromParts(double max, double zLabel, double rest) {
    if (zLabel == Double.NEGATIVE_INFINITY) {
      return Double.POSITIVE_INFINITY;
    }
    // lse − z_y = (m − z_y) + log1p(rest); m − z_y is exactly 0 when y is the maximum.
    return (max - zLabel) + Log1p.of(rest);
  }

  public static double dense(double[] z, double[] p) {
    return dense(z, p, Logits.argmax(z));
  }

  /** {@link #dense(double[], double[])} for a row whose first maximum {@code k} is known. */
  static double dense(double[] z, double[] p, int k) {
    requireSameLength(z.length, p.length);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    double max = z[k];
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    double sum = 0.0;
    double compensation = 0.0;
    for (int j = 0; j < z.length; j++) {
      double pj = p[j];
      if (pj != 0.0) {
        double term = pj * ((max - z[j]) + logOfRest);
        double next = sum + term;
        compensation += CompensatedSum.roundingError(sum, term, next);
        sum = next;
      }
    }
    return finish(sum, compensation);
  }

  public static double dense(float[] z, double[] p) {
    return dense(z, p, Logits.argmax(z));
  }

  /** {@link #dense(float[], double[])} for a row whose first maximum {@code k} is known. */
  static double dense(float[] z, double[] p, int k) {
    requireSameLength(z.length, p.length);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    double max = z[k];
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    double sum = 0.0;
    double compensation = 0.0;
    for (int j = 0; j < z.length; j++) {
      double pj = p[j];
      if (pj != 0.0) {
        double term = pj * ((max - z[j]) + logOfRest);
        double next = sum + term;
        compensation += CompensatedSum.roundingError(sum, term, next);
        sum = next;
      }
    }
    return finish(sum, compensation);
  }

  /** An infinite or NaN running sum makes the compensation NaN; the sum itself is the answer. */
  static double finish(double sum, double compensation) {
    return Double.isFinite(sum) ? sum + compensation : sum;
  }

  static void requireSameLength(int logits, int labels) {
    if (logits != labels) {
      throw new IllegalArgumentException(
          "Cannot compute cross-entropy: " + labels + " labels for " + logits + " logits");
    }
  }
}
