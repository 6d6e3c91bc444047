package dev.xent.kernel;

/**
 * The calibration parts of sigmoid elements of weight 1, a block at a time, for {@link
 * AuditAccumulator}: each element's bin, and its probability p and target t each as three signed
 * integer limbs, v = l₂·2^−51 + l₁·2^−102 + l₀·2^−153 exactly. The accumulator then only adds longs
 * per bin (no carries: |l| ≤ 2^51, so 2^11 of them stay below 2^63), and moves the limb sums into
 * its exact sums now and then.
 *
 * <p>The split is made of correctly rounded double operations only (a product by a power of two,
 * and rounding to an integer by adding and subtracting 1.5·2^52, whose bits then hold the integer),
 * so the scalar definition ({@link #scalarParts}) and {@link VectorCalibration}'s 512- and 256-bit
 * loops give the same limbs. It is exact for v = 0 and for v ≥ 2^−101, where ulp(v) ≥ 2^−153; a
 * block holding any other value (a non-zero v below 2^−101: σ(z) for z below about −70, or such a
 * target) is not split, and the accumulator adds its elements one by one.
 *
 * <p>The bin is {@link AuditAccumulator}'s: max(0, ⌈p·B⌉ − 1) with the exact ceiling of p·B, at
 * most B − 1. The ceiling of the rounded product h is found as the integer r nearest h, plus one
 * when r &lt; h; then h = ⌈h⌉ with fma(p, B, −h) &gt; 0 (p·B just above an integer, rounded down
 * onto it) moves one bin up.
 */
final class CalibrationParts {
  private CalibrationParts() {}

  /** Elements per block: the largest {@code n} the methods take. */
  static final int BLOCK = SigmoidCrossEntropy.BLOCK;

  /** Limbs per value, and the bits between two limbs. */
  static final int LIMBS = 3;

  static final int LIMB_BITS = 51;

  /** The exponent of the lowest limb: l₀ counts units of 2^−153. */
  static final int LOWEST_EXPONENT = -3 * LIMB_BITS;

  /** Below this (and above 0) a value is not split: its ulp would be below 2^−153. */
  static final double SMALLEST_SPLIT = 0x1p-101;

  static final double SCALE = 0x1p51;

  /** 1.5·2^52: x + MAGIC rounds x (|x| ≤ 2^51) to an integer held in the low bits. */
  static final double MAGIC = 0x1.8p52;

  static final long MAGIC_BITS = Double.doubleToRawLongBits(MAGIC);

  /**
   * Elements {@code 0 … n − 1} (n ≤ {@link #BLOCK}) with probabilities {@code p[pFrom …]} and
   * targets {@code t[tFrom …]}, all in [0, 1]: {@code bin[k]} is element k's bin of {@code bins},
   * and {@code limbs[j·BLOCK + k]} its limb j (0–2: p's l₂, l₁, l₀; 3–5: t's). False, with the
   * arrays in any state, when a value cannot be split. SIMD once the vector loops are compiled.
   */
  static boolean parts(
      double[] p, int pFrom, double[] t, int tFrom, int n, int bins, long[] bin, long[] limbs) {
    if (!ExpBlocks.simd()) {
      return scalarParts(p, pFrom, t, tFrom, 0, n, bins, bin, limbs);
    }
    return VectorRows.WIDE
        ? VectorCalibration.parts512(p, pFrom, t, tFrom, n, bins, bin, limbs)
        : VectorCalibration.parts256(p, pFrom, t, tFrom, n, bins, bin, limbs);
  }

  /** The scalar definition of {@link #parts}, for elements {@code from … to − 1}. */
  static boolean scalarParts(
      double[] p,
      int pFrom,
      double[] t,
      int tFrom,
      int from,
      int to,
      int bins,
      long[] bin,
      long[] limbs) {
    for (int k = from; k < to; k++) {
      double v = p[pFrom + k];
      double u = t[tFrom + k];
      if (!splits(v) || !splits(u)) {
        return false;
      }
      bin[k] = bin(v, bins);
      split(v, limbs, k, BLOCK);
      split(u, limbs, 3 * BLOCK + k, BLOCK);
    }
    return true;
  }

  /** Whether {@link #split} is exact for v in [0, 1]. */
  static boolean splits(double v) {
    return v == 0.0 || v >= SMALLEST_SPLIT;
  }

  /** The bin of p in [0, 1] among {@code bins} ≥ 1 (as {@link AuditAccumulator} defines it). */
  static int bin(double p, int bins) {
    double hi = p * bins;
    double ceiling = Math.ceil(hi);
    // ⌈hi⌉ ≤ B for p ≤ 1, so the conversion is exact; the clamp in ints, which compile to
    // conditional moves (Math.max on doubles handles NaN and −0.0, at several times the cost).
    int bin = (int) ceiling - 1;
    if (ceiling == hi && Math.fma(p, bins, -hi) > 0) {
      bin++;
    }
    return Math.min(bins - 1, Math.max(0, bin));
  }

  /**
   * The three limbs of v (one that {@link #splits}) into {@code limbs[at]}, {@code [at + stride]}
   * and {@code [at + 2·stride]}, highest first.
   */
  static void split(double v, long[] limbs, int at, int stride) {
    // Each step: x (|x| ≤ 2^51) rounded to the integer l, then the exact rest x − l ∈ [−½, ½]
    // scaled up by 2^51 for the next limb.
    double x = v * SCALE;
    double y = x + MAGIC;
    limbs[at] = Double.doubleToRawLongBits(y) - MAGIC_BITS;
    double x1 = (x - (y - MAGIC)) * SCALE;
    double y1 = x1 + MAGIC;
    limbs[at + stride] = Double.doubleToRawLongBits(y1) - MAGIC_BITS;
    double x2 = (x1 - (y1 - MAGIC)) * SCALE;
    limbs[at + 2 * stride] = Double.doubleToRawLongBits(x2 + MAGIC) - MAGIC_BITS;
  }

  /** Per thread: a block's bins and limbs. */
  static final class Scratch {
    final long[] bin = new long[BLOCK];
    final long[] limbs = new long[2 * LIMBS * BLOCK];
    final long[] one = new long[LIMBS];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  static Scratch scratch() {
    return SCRATCH.get();
  }
}
