package dev.xent.kernel;

/**
 * One bin of the loss histogram of an {@link AuditStats}: the scored rows whose loss l is in {@code
 * [lower, upper)} (the last bin also holds +∞). The edges are fixed powers of two, the same for
 * every accumulator, so partition-local histograms merge bin by bin.
 *
 * @param bin the index b, 0 … {@link #BINS}−1
 * @param lower 0 for the first bin, else 2^(b − 41)
 * @param upper 2^(b − 40), +∞ for the last bin
 * @param count scored rows in the bin, zero weights included
 * @param weight Σω over them, the exact sum rounded once (the count when unweighted)
 */
public record LossBin(int bin, double lower, double upper, long count, double weight) {

  /** Lowest octave boundary: losses below 2^−40 (about 9.1e−13) share the first bin with 0. */
  static final int MIN_EXPONENT = -40;

  /** Highest octave boundary: losses from 2^10 = 1024 up, +∞ included, share the last bin. */
  static final int MAX_EXPONENT = 10;

  /** [0, 2^−40), one bin per octave [2^e, 2^(e+1)) for e = −40 … 9, and [2^10, +∞]. */
  public static final int BINS = MAX_EXPONENT - MIN_EXPONENT + 2;

  /**
   * The bin of a loss l ≥ 0 or +∞. The unbiased exponent of the double is ⌊log2 l⌋ exactly for
   * normal l (no rounding of a logarithm, so a loss on an edge 2^e is in the bin that starts at
   * it); 0 and subnormals have exponent −1023 and +∞ has 1024, which the clamps send to the end
   * bins. Two integer operations a row, no {@code Math.log}.
   */
  static int of(double loss) {
    return Math.min(Math.max(Math.getExponent(loss) - MIN_EXPONENT + 1, 0), BINS - 1);
  }

  /** The lower edge of bin b (b in 0 … BINS−1). */
  static double lowerEdge(int b) {
    return b == 0 ? 0.0 : Math.scalb(1.0, b - 1 + MIN_EXPONENT);
  }

  /** The upper edge of bin b (b in 0 … BINS−1). */
  static double upperEdge(int b) {
    return b == BINS - 1 ? Double.POSITIVE_INFINITY : Math.scalb(1.0, b + MIN_EXPONENT);
  }
}
