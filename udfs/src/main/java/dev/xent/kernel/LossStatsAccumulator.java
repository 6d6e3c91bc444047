package dev.xent.kernel;

import java.io.Serializable;

/**
 * Accumulates scored rows into the numbers of an evaluation: counts by {@link Reason}, the exact
 * sum of the losses, correct predictions and the mean probability of the true class. Add rows,
 * merge partition-local accumulators in any order, then take the immutable {@link LossStats}.
 *
 * <p>Every aggregate is an exact sum of a per-row value (counts, losses, {@code e^−loss} and {@code
 * expm1(−loss)} through {@link ExactSum}), so the result is the same bit for bit however the rows
 * were split and merged. The per-row terms use {@link StrictMath} so that every JVM computes the
 * same bits. The one exception: when the mean true-class probability is below 1e-290 (a mean loss
 * above about 667), its logarithm comes from a {@link LogSumExpAccumulator} and may differ in the
 * last bits between splits.
 */
public final class LossStatsAccumulator implements Serializable {
  private static final long serialVersionUID = 2L;

  /** Below this mean probability the exact sum of e^−loss has lost precision to subnormals. */
  private static final double SMALLEST_EXACT_MEAN_PROBABILITY = 1e-290;

  private final long[] rowsByReason = new long[Reason.values().length];
  private final ExactSum lossSum = new ExactSum();
  private final ExactSum trueProbabilitySum = new ExactSum();
  private final ExactSum trueProbabilityDeficit = new ExactSum();
  private final LogSumExpAccumulator logTrueProbability = new LogSumExpAccumulator();
  private long rowsInfiniteLoss;
  private long rowsCorrect;

  /**
   * Adds one row. {@code loss} and {@code correct} are read only when {@code reason} is OK; a valid
   * row's loss is finite or +∞.
   */
  public LossStatsAccumulator add(Reason reason, double loss, boolean correct) {
    rowsByReason[reason.ordinal()]++;
    if (reason.isOk()) {
      lossSum.add(loss);
      trueProbabilitySum.add(StrictMath.exp(-loss));
      // Σ (p − 1) = Σ expm1(−loss) keeps the digits of tiny losses that 1 − 1e-20 would round off.
      trueProbabilityDeficit.add(StrictMath.expm1(-loss));
      logTrueProbability.add(-loss);
      if (loss == Double.POSITIVE_INFINITY) {
        rowsInfiniteLoss++;
      }
      if (correct) {
        rowsCorrect++;
      }
    }
    return this;
  }

  public LossStatsAccumulator merge(LossStatsAccumulator other) {
    for (int i = 0; i < rowsByReason.length; i++) {
      rowsByReason[i] += other.rowsByReason[i];
    }
    lossSum.merge(other.lossSum);
    trueProbabilitySum.merge(other.trueProbabilitySum);
    trueProbabilityDeficit.merge(other.trueProbabilityDeficit);
    logTrueProbability.merge(other.logTrueProbability);
    rowsInfiniteLoss += other.rowsInfiniteLoss;
    rowsCorrect += other.rowsCorrect;
    return this;
  }

  public LossStats result() {
    long[] counts = rowsByReason.clone();
    long scored = counts[Reason.OK.ordinal()];
    return new LossStats(
        counts,
        rowsInfiniteLoss,
        rowsCorrect,
        lossSum.mean(scored),
        logMeanTrueProbability(scored));
  }

  /** {@code log((1/n)·Σ e^−loss)}, from whichever exact sum holds its digits. */
  private double logMeanTrueProbability(long scored) {
    if (scored == 0) {
      return Double.NaN;
    }
    double meanProbability = trueProbabilitySum.mean(scored);
    if (meanProbability >= 0.5) {
      // log(1 + mean(p − 1)): log1p keeps a mean loss of 1e-20 at full relative precision.
      return Math.log1p(trueProbabilityDeficit.mean(scored));
    }
    if (meanProbability >= SMALLEST_EXACT_MEAN_PROBABILITY) {
      return Math.log(meanProbability);
    }
    return logTrueProbability.result() - Math.log(scored);
  }
}
