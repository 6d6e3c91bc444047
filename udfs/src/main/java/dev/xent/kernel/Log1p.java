package dev.xent.kernel;

/**
 * log(1 + x) from correctly rounded operations only (+, −, ×, ÷, fma), so every JVM gives the same
 * bits, without the native call that {@link StrictMath#log1p} is on Java 17 (about 20 ns of a
 * 100-float row's loss, measured in the row loop).
 *
 * <p>1 + x = 2^k·(1 + f)·(1 + c/u) with 1 + f in [√½, √2) and c the rounding error of u = 1 + x, so
 * log(1 + x) = k·ln 2 + log(1 + f) + c/u; log(1 + f) = 2·atanh(s), s = f/(2 + f), is evaluated as f
 * − (f²/2 − s·(f²/2 + R(s²))), where R(z) = z·P(z) and P is the near-minimax polynomial that {@code
 * scripts/reference/log1p_coefficients.py} derives (its error, 4.7e-16 relative, is scaled by about
 * s²/3 < 0.01 in the result). Within 1 ulp (tested against mpmath).
 *
 * <p>Non-finite and edge behaviour: NaN → NaN, +∞ → +∞, −1 → −∞, below −1 → NaN (those and
 * arguments below √½ − 1 go to {@link StrictMath#log1p}); |x| < 2^−54, −0.0 and subnormals
 * included, → x itself, the correctly rounded result.
 */
public final class Log1p {
  private Log1p() {}

  // P(z) ≈ Σ_j 2z^j/(2j + 3) on 0 ≤ z ≤ (3 − 2√2)², from scripts/reference/log1p_coefficients.py.
  static final double P0 = 0x1.5555555555558p-1;
  static final double P1 = 0x1.99999999952e2p-2;
  static final double P2 = 0x1.2492492df148dp-2;
  static final double P3 = 0x1.c71c62e5800a1p-3;
  static final double P4 = 0x1.7462b4ab2ef6bp-3;
  static final double P5 = 0x1.39fe606542ddep-3;
  static final double P6 = 0x1.2b584aae78a57p-3;

  // ln 2 with 32 significant bits in the high part, so k·LN2_HI is exact for every double's k.
  static final double LN2_HI = 0x1.62e42fee00000p-1;
  static final double LN2_LO = 0x1.a39ef35793c76p-33;

  /** √½ − 1 and √2 − 1 (rounded): for x between them 1 + x is 1 + f with k = 0, f = x exactly. */
  static final double LOWER = -0x1.2bec333018867p-2;

  static final double UPPER = 0x1.a827999fcef32p-2;

  /** Added to the raw bits of u, this carries into the exponent exactly when u's mantissa ≥ √2. */
  private static final long TO_SQRT_HALF =
      Double.doubleToRawLongBits(1.0) - Double.doubleToRawLongBits(0x1.6a09e667f3bcdp-1);

  /**
   * u ≥ this ⟺ u/2 is in [√½, √2) (k = 1 below), for u in [1, 2]: √2 with the mantissa of the
   * rounded √½ that {@link #TO_SQRT_HALF} compares with, so that both forms split u the same way.
   */
  static final double SQRT2 = 0x1.6a09e667f3bcdp0;

  /**
   * log(1 + x) for 0 ≤ x ≤ 1 without a branch on x, so that a row of them runs at full speed and a
   * vector loop ({@link VectorSigmoid}) gives the same bits: always the reduction u = 1 + x =
   * 2^k·(1 + f)·(1 + c/u) of {@link #of} (k = 0 or 1), which for x < √2 − 1 is f = u − 1 with the
   * rounding error of u in c, instead of f = x. Within 1 ulp like {@link #of} (tested against
   * mpmath), but not always its bits. For x below 2^−54 it gives x: u = 1, f = 0 and c = x.
   *
   * <p>Non-finite: NaN → NaN. Outside [0, 1] the result is unspecified.
   */
  static double ofUnit(double x) {
    double u = 1.0 + x;
    // The exact rounding error of 1 + x (Fast2Sum: 1 ≥ x).
    double c = x - (u - 1.0);
    boolean halve = u >= SQRT2;
    double k = halve ? 1.0 : 0.0;
    // u or u/2 in [√½, √2), so f = that − 1 is exact (Sterbenz).
    double f = (halve ? 0.5 * u : u) - 1.0;
    double correction = c / u;
    return reduced(f, k, correction);
  }

  public static double of(double x) {
    if (!(x >= LOWER && x < Double.POSITIVE_INFINITY)) {
      return StrictMath.log1p(x);
    }
    if (Math.abs(x) < 0x1p-54) {
      // log(1 + x) = x − x²/2 + …, and x²/2 is below half an ulp of x.
      return x;
    }
    double f;
    double correction;
    double k;
    if (x < UPPER) {
      f = x;
      correction = 0.0;
      k = 0.0;
    } else {
      double u = 1.0 + x;
      // The exact rounding error of 1 + x (Fast2Sum, larger operand first).
      double c = x < 1.0 ? x - (u - 1.0) : 1.0 - (u - x);
      long bits = Double.doubleToRawLongBits(u);
      int exponent = (int) ((bits + TO_SQRT_HALF) >>> 52) - 1023;
      // u / 2^k in [√½, √2), so f = that − 1 is exact (Sterbenz).
      f = Double.longBitsToDouble(bits - ((long) exponent << 52)) - 1.0;
      // log(u + c) = log(u) + c/u to within (c/u)²/2 < 2^−107.
      correction = c / u;
      k = exponent;
    }
    return reduced(f, k, correction);
  }

  /** k·ln 2 + log(1 + f) + correction, the reduction's result for f in [√½ − 1, √2 − 1). */
  private static double reduced(double f, double k, double correction) {
    double s = f / (2.0 + f);
    double z = s * s;
    double z2 = z * z;
    double low = Math.fma(z2, Math.fma(z, P3, P2), Math.fma(z, P1, P0));
    double high = Math.fma(z2, P6, Math.fma(z, P5, P4));
    double r = z * Math.fma(z2 * z2, high, low);
    double halfSquare = 0.5 * f * f;
    // The small terms first, f last: f is exact, so only the last subtraction rounds near the
    // result.
    return k * LN2_HI - ((halfSquare - (s * (halfSquare + r) + (k * LN2_LO + correction))) - f);
  }
}
