package dev.xent.kernel;

/**
 * {@code log Σ exp(z_i)} of a row, evaluated as {@code m + log1p(rest)} with {@code m} the row
 * maximum (the max shift: no term exceeds 1, so nothing overflows) and {@code rest} the mass of the
 * other classes relative to it (log1p keeps full precision when one class dominates).
 *
 * <p>Non-finite behaviour: an empty row or a row of only −∞ gives −∞ (the log of an empty sum); a
 * NaN anywhere gives NaN; otherwise any +∞ gives +∞; −∞ entries contribute nothing.
 */
public final class LogSumExp {
  private LogSumExp() {}

  public static double logSumExp(double[] z) {
    int k = Logits.argmax(z);
    if (k < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    double max = z[k];
    return Double.isFinite(max) ? max + Log1p.of(Logits.restMass(z, k)) : max;
  }

  public static double logSumExp(float[] z) {
    int k = Logits.argmax(z);
    if (k < 0) {
      return Double.NEGATIVE_INFINITY;
    }
    double max = z[k];
    return Double.isFinite(max) ? max + Log1p.of(Logits.restMass(z, k)) : max;
  }
}
