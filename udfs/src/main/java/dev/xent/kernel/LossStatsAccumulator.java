package dev.xent.kernel;

import java.io.Serializable;

/**
 * Accumulates scored rows into the numbers of an evaluation: counts by {@link Reason}, the exact
 * sum of the losses, correct predictions and the log-sum-exp of the negated losses. Add rows, merge
 * partition-local accumulators in any order, then take the immutable {@link LossStats}; the counts
 * and the loss sum are exact, so the result does not depend on the partitioning.
 */
public final class LossStatsAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  private final long[] rowsByReason = new long[Reason.values().length];
  private final ExactSum lossSum = new ExactSum();
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
    logTrueProbability.merge(other.logTrueProbability);
    rowsInfiniteLoss += other.rowsInfiniteLoss;
    rowsCorrect += other.rowsCorrect;
    return this;
  }

  public LossStats result() {
    long[] counts = rowsByReason.clone();
    long scored = counts[Reason.OK.ordinal()];
    double meanLoss = lossSum.mean(scored);
    double logMeanTrueProbability =
        scored == 0 ? Double.NaN : logTrueProbability.result() - Math.log(scored);
    return new LossStats(counts, rowsInfiniteLoss, rowsCorrect, meanLoss, logMeanTrueProbability);
  }
}
