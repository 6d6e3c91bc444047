package dev.xent.kernel;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The immutable result of an {@link AuditAccumulator}. Every number is a function of exact sums
 * (rounded once where the javadoc says so), so it is the same bit for bit however the rows were
 * split and merged; the one exception is inherited from {@link LossStats#logMeanTrueProbability}
 * for losses above 700. NaN means "undefined" (the job writes it as JSON null); a null interval
 * means the interval is undefined.
 *
 * @param lossStats the counts, unweighted mean loss and the rest of the {@link LossStats}
 * @param weightSum Σω over scored rows (rows_scored when unweighted), rounded once
 * @param weightSquareSum Σω² over scored rows, rounded once
 * @param effectiveSampleSize Kish's n_eff = (Σω)²/Σω², rounded once (n when unweighted); NaN when
 *     Σω = 0 or Σω² overflows
 * @param meanLoss Σω·l / Σω, rounded once: +∞ when a row of weight > 0 has loss +∞ (or ω·l
 *     overflows), NaN when Σω = 0; equal to {@code lossStats.meanLoss()} when unweighted
 * @param meanLossCi {@code mean ± z·sqrt(s²/n_eff)}, or null (see {@link AuditAccumulator})
 * @param accuracy Σω·[correct] / Σω over softmax rows, rounded once; NaN for sigmoid rows or Σω = 0
 * @param accuracyCi the Wilson score interval of the accuracy at n = n_eff, or null
 * @param topKAccuracy k → Σω·[rank < k] / Σω for every k of the spec (NaN where accuracy is)
 * @param calibration all B bins in order
 * @param ece Σ_b (W_b/W)·|acc_b − conf_b|, rounded once; NaN when every bin has weight 0
 * @param mce max_b |acc_b − conf_b| over bins of weight > 0; NaN when there are none
 * @param meanLossStandardError sqrt(s²/n_eff), the half-width of {@code meanLossCi} over z; NaN
 *     where the interval is undefined
 * @param lossHistogram all {@link LossBin#BINS} loss bins in order, empty ones included
 */
public record AuditStats(
    LossStats lossStats,
    double weightSum,
    double weightSquareSum,
    double effectiveSampleSize,
    double meanLoss,
    double[] meanLossCi,
    double accuracy,
    double[] accuracyCi,
    SortedMap<Integer, Double> topKAccuracy,
    List<CalibrationBin> calibration,
    double ece,
    double mce,
    double meanLossStandardError,
    List<LossBin> lossHistogram) {

  public AuditStats {
    Objects.requireNonNull(lossStats, "lossStats");
    meanLossCi = meanLossCi == null ? null : meanLossCi.clone();
    accuracyCi = accuracyCi == null ? null : accuracyCi.clone();
    topKAccuracy = Collections.unmodifiableSortedMap(new TreeMap<>(topKAccuracy));
    calibration = List.copyOf(calibration);
    lossHistogram = List.copyOf(lossHistogram);
  }

  @Override
  public double[] meanLossCi() {
    return meanLossCi == null ? null : meanLossCi.clone();
  }

  @Override
  public double[] accuracyCi() {
    return accuracyCi == null ? null : accuracyCi.clone();
  }

  /**
   * Equal when every number has the same bits ({@link Double#doubleToRawLongBits}) and the loss
   * stats are equal.
   */
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof AuditStats other)) {
      return false;
    }
    return lossStats.equals(other.lossStats)
        && same(weightSum, other.weightSum)
        && same(weightSquareSum, other.weightSquareSum)
        && same(effectiveSampleSize, other.effectiveSampleSize)
        && same(meanLoss, other.meanLoss)
        && same(meanLossCi, other.meanLossCi)
        && same(accuracy, other.accuracy)
        && same(accuracyCi, other.accuracyCi)
        && sameValues(topKAccuracy, other.topKAccuracy)
        && sameBins(calibration, other.calibration)
        && same(ece, other.ece)
        && same(mce, other.mce)
        && same(meanLossStandardError, other.meanLossStandardError)
        && sameLossBins(lossHistogram, other.lossHistogram);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        lossStats,
        Double.doubleToRawLongBits(weightSum),
        Double.doubleToRawLongBits(meanLoss),
        Double.doubleToRawLongBits(accuracy),
        Double.doubleToRawLongBits(ece));
  }

  @Override
  public String toString() {
    return "AuditStats[lossStats="
        + lossStats
        + ", weightSum="
        + weightSum
        + ", weightSquareSum="
        + weightSquareSum
        + ", effectiveSampleSize="
        + effectiveSampleSize
        + ", meanLoss="
        + meanLoss
        + ", meanLossCi="
        + Arrays.toString(meanLossCi)
        + ", accuracy="
        + accuracy
        + ", accuracyCi="
        + Arrays.toString(accuracyCi)
        + ", topKAccuracy="
        + topKAccuracy
        + ", calibration="
        + calibration
        + ", ece="
        + ece
        + ", mce="
        + mce
        + ", lossHistogram="
        + lossHistogram
        + "]";
  }

  private static boolean same(double a, double b) {
    return Double.doubleToRawLongBits(a) == Double.doubleToRawLongBits(b);
  }

  private static boolean same(double[] a, double[] b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < a.length; i++) {
      if (!same(a[i], b[i])) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameValues(Map<Integer, Double> a, Map<Integer, Double> b) {
    if (!a.keySet().equals(b.keySet())) {
      return false;
    }
    for (Map.Entry<Integer, Double> e : a.entrySet()) {
      if (!same(e.getValue(), b.get(e.getKey()))) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameLossBins(List<LossBin> a, List<LossBin> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      LossBin x = a.get(i);
      LossBin y = b.get(i);
      if (x.bin() != y.bin()
          || x.count() != y.count()
          || !same(x.lower(), y.lower())
          || !same(x.upper(), y.upper())
          || !same(x.weight(), y.weight())) {
        return false;
      }
    }
    return true;
  }

  private static boolean sameBins(List<CalibrationBin> a, List<CalibrationBin> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      CalibrationBin x = a.get(i);
      CalibrationBin y = b.get(i);
      if (x.bin() != y.bin()
          || x.count() != y.count()
          || !same(x.lower(), y.lower())
          || !same(x.upper(), y.upper())
          || !same(x.weight(), y.weight())
          || !same(x.meanConfidence(), y.meanConfidence())
          || !same(x.accuracy(), y.accuracy())) {
        return false;
      }
    }
    return true;
  }
}
