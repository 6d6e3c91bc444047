package dev.xent.kernel;

/**
 * Row scans shared by every softmax kernel: the first maximum and the probability mass of the other
 * classes relative to it. Both precisions have their own loop so that no row is copied or boxed.
 */
public final class Logits {
  private Logits() {}

  /**
   * Starts compiling the SIMD row loops now, on a background thread (see {@link VectorWarmup});
   * otherwise they start at the first row. Rows are scored with the same bits either way.
   */
  public static void warmUp() {
    ExpBlocks.simd();
  }

  /**
   * The index of the first maximum of {@code z}, or -1 for an empty row.
   *
   * <p>Non-finite values: NaN ranks above everything, so a row holding a NaN returns the index of
   * its first NaN (callers that read {@code z[argmax]} then see NaN and propagate it); +∞ is an
   * ordinary maximum; −∞ is an ordinary minimum; −0.0 and 0.0 are equal (ties go to the lowest
   * index).
   */
  public static int argmax(double[] z) {
    return ExpBlocks.simd() ? VectorRows.argmax(z) : scalarArgmax(z);
  }

  /** {@link #argmax(double[])} for float logits. */
  public static int argmax(float[] z) {
    return ExpBlocks.simd() ? VectorRows.argmax(z) : scalarArgmax(z);
  }

  static int scalarArgmax(double[] z) {
    int best = -1;
    double bestValue = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < z.length; i++) {
      double v = z[i];
      if (v != v) {
        return i;
      }
      if (best < 0 || v > bestValue) {
        best = i;
        bestValue = v;
      }
    }
    return best;
  }

  static int scalarArgmax(float[] z) {
    int best = -1;
    float bestValue = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < z.length; i++) {
      float v = z[i];
      if (v != v) {
        return i;
      }
      if (best < 0 || v > bestValue) {
        best = i;
        bestValue = v;
      }
    }
    return best;
  }

  /**
   * Rows are summed in blocks of this many terms without compensation (in {@link ExpBlocks#LANES}
   * interleaved partial sums), and the block sums with compensation: plain summation of n terms in
   * [0, 1] errs by at most (n−1)·eps relative (Higham, §4.2), 5.7e-14 for a block, so the total
   * stays far inside the 1e-12 contract for any width while the inner loop has no compensation
   * branch.
   */
  static final int BLOCK = 512;

  /**
   * {@code Σ_{i≠k} exp(z[i] − z[k])}: the mass of every class but {@code k}, relative to class
   * {@code k}, which must be a finite maximum of the row. −∞ entries contribute exactly 0. The exps
   * come from {@link ExpBlocks} (within 2 ulps, the same bits with or without SIMD).
   */
  public static double restMass(double[] z, int k) {
    double max = z[k];
    double sum = 0.0;
    double compensation = 0.0;
    for (int start = 0; start < z.length; start += BLOCK) {
      int end = Math.min(z.length, start + BLOCK);
      // Class k is left out, not added and subtracted: 1 + 1e-20 − 1 would lose the 1e-20.
      double block =
          ExpBlocks.simd()
              ? VectorRows.blockSum(z, start, end, k, max)
              : ExpBlocks.scalarBlockSum(z, start, end, k, max);
      double next = sum + block;
      compensation += CompensatedSum.roundingError(sum, block, next);
      sum = next;
    }
    return sum + compensation;
  }

  /** {@link #restMass(double[], int)} for float logits (the differences are taken in double). */
  public static double restMass(float[] z, int k) {
    double max = z[k];
    double sum = 0.0;
    double compensation = 0.0;
    for (int start = 0; start < z.length; start += BLOCK) {
      int end = Math.min(z.length, start + BLOCK);
      double block =
          ExpBlocks.simd()
              ? VectorRows.blockSum(z, start, end, k, max)
              : ExpBlocks.scalarBlockSum(z, start, end, k, max);
      double next = sum + block;
      compensation += CompensatedSum.roundingError(sum, block, next);
      sum = next;
    }
    return sum + compensation;
  }
}
