package dev.xent.kernel;

import java.io.Serializable;
import java.util.Arrays;

/**
 * How an audit scores and aggregates rows: the training-loss definition (label smoothing, class
 * weights, ignore index, row weights) and what is tallied besides the loss (top-k, per-class,
 * calibration bins, the confidence level of the intervals). Immutable and validated.
 *
 * @param labelSmoothing E in [0, 1): the target becomes (1−E)·t + E/C (softmax) or t·(1−E) + E/2
 *     (sigmoid), PyTorch's and TensorFlow's definitions
 * @param classWeights one weight per class (finite, ≥ 0), or null for none: PyTorch's {@code
 *     weight=} of {@code cross_entropy}
 * @param ignoreIndex the label whose rows are not scored (status {@code ignored}), or null
 * @param weighted whether each row carries a weight (a {@code --weight} column)
 * @param topK the k of top-k accuracy, sorted and distinct, each ≥ 1 (may be empty)
 * @param perClass whether the per-class breakdown is tallied (softmax only)
 * @param calibrationBins equal-width confidence bins, ≥ 1
 * @param confidenceLevel the level of the intervals, in (0, 1)
 */
public record AuditOptions(
    double labelSmoothing,
    double[] classWeights,
    Long ignoreIndex,
    boolean weighted,
    int[] topK,
    boolean perClass,
    int calibrationBins,
    double confidenceLevel)
    implements Serializable {

  public static final int CALIBRATION_BINS_DEFAULT = 15;
  public static final double CONFIDENCE_LEVEL_DEFAULT = 0.95;

  /** Plain evaluation: no smoothing, weights or ignored rows; default bins and level. */
  public static AuditOptions plain() {
    return new AuditOptions(
        0.0,
        null,
        null,
        false,
        new int[0],
        false,
        CALIBRATION_BINS_DEFAULT,
        CONFIDENCE_LEVEL_DEFAULT);
  }

  public AuditOptions {
    if (!(labelSmoothing >= 0.0 && labelSmoothing < 1.0)) {
      throw new IllegalArgumentException(
          "Cannot audit: label smoothing must be in [0, 1), got " + labelSmoothing);
    }
    if (classWeights != null) {
      classWeights = classWeights.clone();
      if (classWeights.length == 0) {
        throw new IllegalArgumentException("Cannot audit: class weights are empty");
      }
      for (int c = 0; c < classWeights.length; c++) {
        double w = classWeights[c];
        if (!(w >= 0.0) || Double.isInfinite(w)) {
          throw new IllegalArgumentException(
              "Cannot audit: class weight " + c + " is " + w + ", expected a finite number ≥ 0");
        }
      }
    }
    topK = topK == null ? new int[0] : topK.clone();
    for (int i = 0; i < topK.length; i++) {
      if (topK[i] < 1 || (i > 0 && topK[i] <= topK[i - 1])) {
        throw new IllegalArgumentException(
            "Cannot audit: top-k values must be distinct, ascending and ≥ 1, got "
                + Arrays.toString(topK));
      }
    }
    if (calibrationBins < 1) {
      throw new IllegalArgumentException(
          "Cannot audit: calibration bins must be ≥ 1, got " + calibrationBins);
    }
    if (!(confidenceLevel > 0.0 && confidenceLevel < 1.0)) {
      throw new IllegalArgumentException(
          "Cannot audit: the confidence level must be in (0, 1), got " + confidenceLevel);
    }
  }

  @Override
  public double[] classWeights() {
    return classWeights == null ? null : classWeights.clone();
  }

  @Override
  public int[] topK() {
    return topK.clone();
  }

  /** The largest k, or 1: ranks at or above it need not be exact. */
  public int rankLimit() {
    return topK.length == 0 ? 1 : topK[topK.length - 1];
  }

  /**
   * Whether rows carry weights other than 1: a weight column, or class weights (an integer-label
   * row then weighs {@code w·cw_y}).
   */
  public boolean weightsRows() {
    return weighted || classWeights != null;
  }

  /** The accumulator's part of the options. */
  public AuditSpec spec() {
    return new AuditSpec(weightsRows(), topK, calibrationBins, confidenceLevel);
  }

  // The arrays make the record's generated equals identity-based; compare their contents.
  @Override
  public boolean equals(Object o) {
    return o instanceof AuditOptions other
        && Double.compare(labelSmoothing, other.labelSmoothing) == 0
        && Arrays.equals(classWeights, other.classWeights)
        && java.util.Objects.equals(ignoreIndex, other.ignoreIndex)
        && weighted == other.weighted
        && Arrays.equals(topK, other.topK)
        && perClass == other.perClass
        && calibrationBins == other.calibrationBins
        && Double.compare(confidenceLevel, other.confidenceLevel) == 0;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(classWeights) * 31 + Arrays.hashCode(topK) + calibrationBins;
  }
}
