package dev.xent.kernel;

import java.io.Serializable;
import java.util.Arrays;

/**
 * The options of an {@link AuditAccumulator}: immutable, validated on construction.
 *
 * @param weighted whether rows carry weights; when false every row's weight must be 1.0
 * @param topK the ks of top-k accuracy, sorted, distinct and ≥ 1; may be empty
 * @param calibrationBins the number of equal-width calibration bins, ≥ 1
 * @param confidenceLevel the coverage of the confidence intervals, in (0, 1), e.g. 0.95
 */
public record AuditSpec(boolean weighted, int[] topK, int calibrationBins, double confidenceLevel)
    implements Serializable {
  private static final int[] TOP_K_DEFAULT = {1, 5};
  public static final int CALIBRATION_BINS_DEFAULT = 15;
  public static final double CONFIDENCE_LEVEL_DEFAULT = 0.95;

  public AuditSpec {
    if (topK == null) {
      throw new IllegalArgumentException("Cannot audit top-k accuracy: topK is null");
    }
    topK = topK.clone();
    for (int i = 0; i < topK.length; i++) {
      if (topK[i] < 1) {
        throw new IllegalArgumentException(
            "Cannot audit top-k accuracy for k = " + topK[i] + ": k must be at least 1");
      }
      if (i > 0 && topK[i] <= topK[i - 1]) {
        throw new IllegalArgumentException(
            "Cannot audit top-k accuracy for ks "
                + Arrays.toString(topK)
                + ": they must be sorted and distinct");
      }
    }
    if (calibrationBins < 1) {
      throw new IllegalArgumentException(
          "Cannot audit calibration with " + calibrationBins + " bins: at least 1 is needed");
    }
    if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
      throw new IllegalArgumentException(
          "Cannot compute intervals at confidence level "
              + confidenceLevel
              + ": it must be in (0, 1)");
    }
  }

  /** Unweighted, top-1 and top-5, 15 bins, 95% intervals. */
  public static AuditSpec defaults() {
    return new AuditSpec(false, TOP_K_DEFAULT, CALIBRATION_BINS_DEFAULT, CONFIDENCE_LEVEL_DEFAULT);
  }

  @Override
  public int[] topK() {
    return topK.clone();
  }

  /** The largest k, or 0 when there are none: ranks at or beyond it need not be exact. */
  public int maxK() {
    return topK.length == 0 ? 0 : topK[topK.length - 1];
  }

  /**
   * {@code z = Φ⁻¹((1 + confidenceLevel)/2)}, the half-width of the interval in standard errors
   * (1.959963984540054 for 0.95), within 6 ulps.
   */
  public double z() {
    return NormalQuantile.twoSided(confidenceLevel);
  }

  int[] topKUnsafe() {
    return topK;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditSpec other
        && weighted == other.weighted
        && Arrays.equals(topK, other.topK)
        && calibrationBins == other.calibrationBins
        && Double.compare(confidenceLevel, other.confidenceLevel) == 0;
  }

  @Override
  public int hashCode() {
    return ((Boolean.hashCode(weighted) * 31 + Arrays.hashCode(topK)) * 31 + calibrationBins) * 31
        + Double.hashCode(confidenceLevel);
  }

  @Override
  public String toString() {
    return "AuditSpec[weighted="
        + weighted
        + ", topK="
        + Arrays.toString(topK)
        + ", calibrationBins="
        + calibrationBins
        + ", confidenceLevel="
        + confidenceLevel
        + "]";
  }
}
