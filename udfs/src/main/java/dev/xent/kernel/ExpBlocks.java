package dev.xent.kernel;

/**
 * The exp sums behind every softmax kernel, defined so that a SIMD implementation and this scalar
 * one give the same bits: a fixed exp formula built only from correctly rounded operations ({@link
 * Math#fma}, +, ×, exact conversions) and a fixed summation order of {@link #LANES} interleaved
 * partial sums. {@code Math.exp} is not used here because the JIT may replace it by an intrinsic
 * that differs from the interpreter by an ulp; a vector exp (SVML) differs again.
 *
 * <p>{@link VectorRows} is used when the {@code jdk.incubator.vector} module is present (add {@code
 * --add-modules jdk.incubator.vector}; Spark's own launcher does) and the CPU has 256-bit vectors
 * or wider, unless {@code -Dxent.simd=false}, once {@link VectorWarmup} has seen its loops
 * compiled. Both give identical results; tests compare them bit for bit.
 */
final class ExpBlocks {
  private ExpBlocks() {}

  /** Partial sums per block (see {@link #scalarBlockSum(float[], int, int, int, double)}). */
  static final int LANES = 8;

  static final double INV_LN2 = 1.4426950408889634;
  // ln 2 split so that k·LN2_HI + k·LN2_LO carries ~107 bits (Cody–Waite reduction).
  static final double LN2_HI = 0x1.62e42fefa39efp-1;
  static final double LN2_LO = 0x1.abc9e3b39803fp-56;
  // Adding 1.5·2^52 rounds to an integer in the low mantissa bits (round to nearest even); the
  // extra 1023 puts k + 1023, the biased exponent of 2^k, in those bits.
  static final double SHIFT = 0x1.8p52 + 1023;

  /**
   * The fast formula needs 2^k normal with room for p(r) ≥ 1/√2, i.e. k ≥ −1021: the raw bits of
   * {@code x/ln2 + SHIFT} are those of SHIFT plus k, so this bound is one integer comparison.
   */
  static final long FAST_BITS = Double.doubleToRawLongBits(SHIFT) - 1021;

  // e^r = 1 + r + r²·(C2 + C3·r + … + C11·r^9) on |r| ≤ ln2/2: the polynomial interpolating
  // (e^r − 1 − r)/r² at the 10 Chebyshev nodes, near-minimax with relative error below 1.6e-17
  // (0.07 ulp) as rounded here; scripts/reference/exp_coefficients.py derives and checks them.
  static final double C2 = 0x1.0000000000001p-1;
  static final double C3 = 0x1.5555555555556p-3;
  static final double C4 = 0x1.5555555553d68p-5;
  static final double C5 = 0x1.11111111109b5p-7;
  static final double C6 = 0x1.6c16c17889ef1p-10;
  static final double C7 = 0x1.a01a01a7c2efep-13;
  static final double C8 = 0x1.a019b9149a41cp-16;
  static final double C9 = 0x1.71de0db2f6b19p-19;
  static final double C10 = 0x1.28917c89a43a7p-22;
  static final double C11 = 0x1.af389ecfc4b9cp-26;

  /** Whether the vector loops can run here; {@link #simd()} says whether they do yet. */
  static final boolean SIMD = simdAvailable();

  static {
    if (SIMD) {
      VectorWarmup.start(Boolean.parseBoolean(System.getProperty("xent.simd.warmup", "true")));
    }
  }

  /**
   * Whether rows go through {@link VectorRows} now: once {@link VectorWarmup} has seen them
   * compiled. Before that, and without SIMD, through the scalar definition, with the same bits.
   */
  static boolean simd() {
    return SIMD && VectorWarmup.done();
  }

  /**
   * e^x for x ≤ 0 within 2 ulps. Non-finite: NaN → NaN, −∞ → +0.0; below about −707.7 (k < −1021,
   * results near or in the subnormal range) → {@link StrictMath#exp}. Positive x up to 709 is also
   * handled.
   */
  static double exp(double x) {
    double shifted = Math.fma(x, INV_LN2, SHIFT);
    long bits = Double.doubleToRawLongBits(shifted);
    if (bits < FAST_BITS || !(x <= 709.0)) {
      return StrictMath.exp(x);
    }
    double k = shifted - SHIFT;
    double r = Math.fma(k, -LN2_HI, x);
    r = Math.fma(k, -LN2_LO, r);
    // The low 11 bits of the shifted value are k + 1023; moved into the exponent field they make
    // 2^k. 2^k · (1 + (r + r²q)) in one fma: scaling by 2^k is exact for k ≥ −1021, so the one
    // rounding is that of 1 + (r + r²q), the small part added first so that only it rounds near 1.
    double scale = Double.longBitsToDouble(bits << 52);
    return Math.fma(expm1Reduced(r), scale, scale);
  }

  /**
   * e^x − 1 for −ln 2 ≤ x ≤ 0 within 2 ulps, at full relative precision near 0 (e^−1e-20 − 1 is
   * −1e-20). Built from the same operations as {@link #exp}, so every JVM gives the same bits.
   */
  static double expm1(double x) {
    if (!(x >= -0.5 * LN2_HI)) {
      // e^x ≤ 1/√2, so e^x − 1 loses at most a bit to cancellation; for e^x ≥ 1/2 it is exact
      // (Sterbenz).
      return exp(x) - 1.0;
    }
    // |x| ≤ ln2/2: k = 0, so r = x and e^x − 1 = r + r²q with no 1 to round against.
    return expm1Reduced(x);
  }

  /**
   * e^r − 1 = r + r²·q(r) for |r| ≤ ln2/2, by Estrin's scheme: the polynomial in four dependent
   * steps instead of Horner's ten.
   */
  private static double expm1Reduced(double r) {
    double r2 = r * r;
    double r4 = r2 * r2;
    double r8 = r4 * r4;
    double low = Math.fma(r2, Math.fma(r, C5, C4), Math.fma(r, C3, C2));
    double high = Math.fma(r2, Math.fma(r, C9, C8), Math.fma(r, C7, C6));
    double q = Math.fma(r8, Math.fma(r, C11, C10), Math.fma(r4, high, low));
    return Math.fma(r2, q, r);
  }

  /**
   * {@code Σ_{from ≤ i < to, i ≠ skip} e^(z[i] − max)} in a fixed order of {@link #LANES} partial
   * sums: the whole chunks of eight terms from {@code from} put term i in lane {@code (i − from)
   * mod 8}; the t < 8 terms after them go to lanes 8 − t … 7 (where a vector load of the block's
   * last eight elements puts them). The lanes are added as ((0+1)+(2+3))+((4+5)+(6+7)). {@code
   * skip} outside the range skips nothing. {@link VectorRows} computes the same sums with SIMD.
   */
  static double scalarBlockSum(float[] z, int from, int to, int skip, double max) {
    // Widened to doubles first, in a loop of its own: a float-to-double conversion in the exp loop
    // writes only part of its register, and the false dependency on the register's last value
    // made the whole loop three times slower (16 ns instead of 5 ns an exp, measured). The
    // widening is exact, so the sum is the same.
    int n = to - from;
    double[] wide = WIDE.get();
    if (wide.length < n) {
      wide = new double[n];
      WIDE.set(wide);
    }
    for (int i = 0; i < n; i++) {
      wide[i] = z[from + i];
    }
    return scalarBlockSum(wide, 0, n, skip - from, max);
  }

  /** Per thread: one block of widened floats for the scalar definition. */
  private static final ThreadLocal<double[]> WIDE =
      ThreadLocal.withInitial(() -> new double[Logits.BLOCK]);

  static double scalarBlockSum(double[] z, int from, int to, int skip, double max) {
    double l0 = 0.0, l1 = 0.0, l2 = 0.0, l3 = 0.0, l4 = 0.0, l5 = 0.0, l6 = 0.0, l7 = 0.0;
    int i = from;
    int wholeChunks = to - ((to - from) & (LANES - 1));
    for (; i < wholeChunks; i += LANES) {
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
        lanes[i - to + LANES] += exp(z[i] - max);
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
