package dev.xent.kernel;

/**
 * The exp sums behind every softmax kernel, defined so that a SIMD implementation and this scalar
 * one give the same bits: a fixed exp formula built only from correctly rounded operations ({@link
 * Math#fma}, +, ×, exact conversions) and a fixed summation order of {@link #LANES} interleaved
 * partial sums. {@code Math.exp} is not used here because the JIT may replace it by an intrinsic
 * that differs from the interpreter by an ulp; a vector exp (SVML) differs again.
 *
 * <p>{@link VectorRows} is used when the {@code jdk.incubator.vector} module is present (add {@code
 * --add-modules jdk.incubator.vector}; Spark's own launcher does) and the CPU has at least 256-bit
 * vectors, unless {@code -Dxent.simd=false}. Both give identical results; tests compare them bit
 * for bit.
 */
final class ExpBlocks {
  private ExpBlocks() {}

  /** Partial sums per block: term i of a block goes to lane {@code (i − from) mod LANES}. */
  static final int LANES = 8;

  /** Below this, e^x is near the subnormal range and comes from {@link StrictMath#exp}. */
  static final double FAST_FLOOR = -708.0;

  static final double INV_LN2 = 1.4426950408889634;
  // ln 2 split so that k·LN2_HI + k·LN2_LO carries ~107 bits (Cody–Waite reduction).
  static final double LN2_HI = 0x1.62e42fefa39efp-1;
  static final double LN2_LO = 0x1.abc9e3b39803fp-56;
  // Adding 1.5·2^52 rounds to an integer in the low mantissa bits (round to nearest even).
  static final double SHIFT = 0x1.8p52;

  // Taylor coefficients 1/n!: on |r| ≤ ln2/2 the degree-13 remainder is below 5e-18 relative.
  static final double C2 = 1.0 / 2;
  static final double C3 = 1.0 / 6;
  static final double C4 = 1.0 / 24;
  static final double C5 = 1.0 / 120;
  static final double C6 = 1.0 / 720;
  static final double C7 = 1.0 / 5040;
  static final double C8 = 1.0 / 40320;
  static final double C9 = 1.0 / 362880;
  static final double C10 = 1.0 / 3628800;
  static final double C11 = 1.0 / 39916800;
  static final double C12 = 1.0 / 479001600;
  static final double C13 = 1.0 / 6227020800.0;

  static final boolean SIMD = simdAvailable();

  /**
   * e^x for x ≤ 0 within 2 ulps. Non-finite: NaN → NaN, −∞ → +0.0; x < −708 (including subnormal
   * results) → {@link StrictMath#exp}. Positive x below 709 is also handled.
   */
  static double exp(double x) {
    if (!(x >= FAST_FLOOR)) {
      return StrictMath.exp(x);
    }
    double shifted = Math.fma(x, INV_LN2, SHIFT);
    double k = shifted - SHIFT;
    double r = Math.fma(k, -LN2_HI, x);
    r = Math.fma(k, -LN2_LO, r);
    // Estrin's scheme: the same polynomial in four dependent steps instead of Horner's thirteen.
    double r2 = r * r;
    double r4 = r2 * r2;
    double q0 = Math.fma(r2, Math.fma(r, C3, C2), r + 1.0);
    double q1 = Math.fma(r2, Math.fma(r, C7, C6), Math.fma(r, C5, C4));
    double q2 = Math.fma(r2, Math.fma(r, C11, C10), Math.fma(r, C9, C8));
    double q3 = Math.fma(r, C13, C12);
    double p = Math.fma(r4 * r4, Math.fma(r4, q3, q2), Math.fma(r4, q1, q0));
    // 2^k from the low mantissa bits of the shifted value, which hold k (two's complement), plus
    // the exponent bias; the bits above are shifted out. For x ≥ −708, k ≥ −1021 keeps the scale
    // and the product normal, so the product is exact.
    return p * Double.longBitsToDouble((Double.doubleToRawLongBits(shifted) + 1023) << 52);
  }

  /**
   * {@code Σ_{from ≤ i < to, i ≠ skip} e^(z[i] − max)} in the lane order above; the lanes are added
   * as ((0+1)+(2+3))+((4+5)+(6+7)). {@code skip} outside the range skips nothing. {@link
   * VectorRows} computes the same sums with SIMD.
   */
  static double scalarBlockSum(float[] z, int from, int to, int skip, double max) {
    // Eight independent sums in locals, so that the exps of a chunk overlap in the pipeline; a
    // skipped term adds +0.0, which leaves a lane (never −0.0) unchanged.
    double l0 = 0.0, l1 = 0.0, l2 = 0.0, l3 = 0.0, l4 = 0.0, l5 = 0.0, l6 = 0.0, l7 = 0.0;
    int i = from;
    for (; i + LANES <= to; i += LANES) {
      l0 += i == skip ? 0.0 : exp(z[i] - max);
      l1 += i + 1 == skip ? 0.0 : exp(z[i + 1] - max);
      l2 += i + 2 == skip ? 0.0 : exp(z[i + 2] - max);
      l3 += i + 3 == skip ? 0.0 : exp(z[i + 3] - max);
      l4 += i + 4 == skip ? 0.0 : exp(z[i + 4] - max);
      l5 += i + 5 == skip ? 0.0 : exp(z[i + 5] - max);
      l6 += i + 6 == skip ? 0.0 : exp(z[i + 6] - max);
      l7 += i + 7 == skip ? 0.0 : exp(z[i + 7] - max);
    }
    double[] lanes = {l0, l1, l2, l3, l4, l5, l6, l7};
    for (; i < to; i++) {
      if (i != skip) {
        lanes[(i - from) & (LANES - 1)] += exp(z[i] - max);
      }
    }
    return addLanes(lanes);
  }

  static double scalarBlockSum(double[] z, int from, int to, int skip, double max) {
    double l0 = 0.0, l1 = 0.0, l2 = 0.0, l3 = 0.0, l4 = 0.0, l5 = 0.0, l6 = 0.0, l7 = 0.0;
    int i = from;
    for (; i + LANES <= to; i += LANES) {
      l0 += i == skip ? 0.0 : exp(z[i] - max);
      l1 += i + 1 == skip ? 0.0 : exp(z[i + 1] - max);
      l2 += i + 2 == skip ? 0.0 : exp(z[i + 2] - max);
      l3 += i + 3 == skip ? 0.0 : exp(z[i + 3] - max);
      l4 += i + 4 == skip ? 0.0 : exp(z[i + 4] - max);
      l5 += i + 5 == skip ? 0.0 : exp(z[i + 5] - max);
      l6 += i + 6 == skip ? 0.0 : exp(z[i + 6] - max);
      l7 += i + 7 == skip ? 0.0 : exp(z[i + 7] - max);
    }
    double[] lanes = {l0, l1, l2, l3, l4, l5, l6, l7};
    for (; i < to; i++) {
      if (i != skip) {
        lanes[(i - from) & (LANES - 1)] += exp(z[i] - max);
      }
    }
    return addLanes(lanes);
  }

  static double addLanes(double[] lanes) {
    return ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3]))
        + ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  }

  private static boolean simdAvailable() {
    if (!Boolean.parseBoolean(System.getProperty("xent.simd", "true"))
        || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return false;
    }
    try {
      return VectorRows.supported();
    } catch (LinkageError | RuntimeException e) {
      return false;
    }
  }
}
