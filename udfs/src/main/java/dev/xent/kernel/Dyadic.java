package dev.xent.kernel;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * An exact binary fraction {@code unscaled · 2^exponent}, as read out of an {@link ExactSumColumn},
 * with the one rounding step the per-class results need: a quotient of two such numbers rounded
 * once to the nearest double (ties to even), subnormal and overflowing results included.
 */
record Dyadic(BigInteger unscaled, int exponent) {
  static final Dyadic ZERO = new Dyadic(BigInteger.ZERO, 0);
  private static final Dyadic ONE = new Dyadic(BigInteger.ONE, 0);

  static Dyadic of(long value) {
    return new Dyadic(BigInteger.valueOf(value), 0);
  }

  int signum() {
    return unscaled.signum();
  }

  Dyadic add(Dyadic other) {
    if (other.signum() == 0) {
      return this;
    }
    if (signum() == 0) {
      return other;
    }
    int e = Math.min(exponent, other.exponent);
    return new Dyadic(
        unscaled.shiftLeft(exponent - e).add(other.unscaled.shiftLeft(other.exponent - e)), e);
  }

  /** {@code 2·this}, exactly. */
  Dyadic twice() {
    return new Dyadic(unscaled, exponent + 1);
  }

  BigDecimal toBigDecimal() {
    BigDecimal u = new BigDecimal(unscaled);
    return exponent >= 0
        ? u.multiply(new BigDecimal(BigInteger.ONE.shiftLeft(exponent)))
        // 2^−k = 5^k · 10^−k exactly.
        : u.multiply(new BigDecimal(BigInteger.valueOf(5).pow(-exponent), -exponent));
  }

  /** This number rounded once to the nearest double (ties to even); beyond the range ±∞. */
  double toDouble() {
    return quotient(this, ONE);
  }

  /**
   * {@code x / y} rounded once to the nearest double, ties to even; {@code y} must be positive.
   * Results beyond the double range are ±∞, results below half the smallest subnormal ±0.0.
   */
  static double quotient(Dyadic x, Dyadic y) {
    if (y.signum() <= 0) {
      throw new IllegalArgumentException("Cannot divide by " + y + ": the divisor must be > 0");
    }
    if (x.signum() == 0) {
      return 0.0;
    }
    double magnitude = roundQuotient(x.unscaled.abs(), y.unscaled, x.exponent - y.exponent);
    return x.signum() < 0 ? -magnitude : magnitude;
  }

  /** {@code (a / b) · 2^e} rounded to nearest, ties to even, for a, b > 0. */
  private static double roundQuotient(BigInteger a, BigInteger b, int e) {
    // q = ⌊a·2^shift / b⌋ lies in [2^55, 2^57); with the remainder folded into one more (sticky)
    // bit, q2 = 2q + [r ≠ 0] rounds to 53 bits, or to any coarser grid of ≥ 4 spare bits, exactly
    // as the true quotient does: the rounding midpoints are even multiples of q2's last bit, and
    // neither q2 nor the true value 2q + 2r/b lies on one or across one (the guard/sticky rule).
    int shift = 56 + b.bitLength() - a.bitLength();
    BigInteger num = shift >= 0 ? a.shiftLeft(shift) : a;
    BigInteger den = shift >= 0 ? b : b.shiftLeft(-shift);
    BigInteger[] qr = num.divideAndRemainder(den);
    long q2 = (qr[0].longValueExact() << 1) | (qr[1].signum() == 0 ? 0 : 1);
    // value = q2 · 2^scale, with q2 of 57 or 58 bits.
    long scale = (long) e - shift - 1;
    int bits = 64 - Long.numberOfLeadingZeros(q2);
    long top = bits - 1 + scale;
    if (top >= 1024) {
      return Double.POSITIVE_INFINITY;
    }
    if (top >= -1022) {
      // Normal: the long → double conversion rounds q2 to 53 bits (ties to even), and scaling a
      // double by a power of two is exact while the result stays normal; a round-up to 2^1024
      // becomes ∞, which is the correct overflow.
      return Math.scalb((double) q2, (int) scale);
    }
    // Subnormal: round at the absolute position 2^−1074, k bits above q2's lowest bit (k ≥ 4).
    long k = -1074 - scale;
    if (k >= 64) {
      // value < 2^(58 + scale) ≤ 2^−1080, below half the smallest subnormal.
      return 0.0;
    }
    long n = q2 >>> k;
    long rest = q2 & ((1L << k) - 1);
    long half = 1L << (k - 1);
    if (rest > half || (rest == half && (n & 1) == 1)) {
      n++;
    }
    // n ≤ 2^52 units of 2^−1074 are exactly the double with these raw bits (2^52 is MIN_NORMAL).
    return Double.longBitsToDouble(n);
  }
}
