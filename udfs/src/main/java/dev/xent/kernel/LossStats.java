package dev.xent.kernel;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The immutable result of a {@link LossStatsAccumulator}.
 *
 * @param rowsByReason row counts indexed by {@link Reason#ordinal()}
 * @param rowsInfiniteLoss valid rows whose label is a masked class (loss +∞)
 * @param rowsCorrect valid rows whose first maximum is the label
 * @param meanLoss the exact mean loss over valid rows, rounded once (NaN when there are none)
 * @param logMeanTrueProbability {@code log((1/n)·Σ exp(−loss))} over the n valid rows
 */
public record LossStats(
    long[] rowsByReason,
    long rowsInfiniteLoss,
    long rowsCorrect,
    double meanLoss,
    double logMeanTrueProbability) {

  public LossStats {
    rowsByReason = rowsByReason.clone();
  }

  @Override
  public long[] rowsByReason() {
    return rowsByReason.clone();
  }

  public long rows() {
    return Arrays.stream(rowsByReason).sum();
  }

  public long rowsScored() {
    return rowsByReason[Reason.OK.ordinal()];
  }

  public long rowsInvalid() {
    return rows() - rowsScored() - rowsIgnored();
  }

  /** Rows whose label is the ignore index: neither scored nor invalid. */
  public long rowsIgnored() {
    return rowsByReason[Reason.IGNORED.ordinal()];
  }

  public long rowsWith(Reason reason) {
    return rowsByReason[reason.ordinal()];
  }

  /**
   * Every reason code but {@code ok} and {@code ignored}, in declaration order, with its count
   * (zeros included).
   */
  public Map<String, Long> invalidByReason() {
    Map<String, Long> byCode = new LinkedHashMap<>();
    for (Reason reason : Reason.values()) {
      if (reason.isInvalid()) {
        byCode.put(reason.code(), rowsByReason[reason.ordinal()]);
      }
    }
    return byCode;
  }

  /** Correct over valid rows; NaN when there are none. */
  public double accuracy() {
    long scored = rowsScored();
    return scored == 0 ? Double.NaN : (double) rowsCorrect / scored;
  }

  /** {@code exp(mean loss)}. */
  public double perplexity() {
    return Math.exp(meanLoss);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LossStats other
        && Arrays.equals(rowsByReason, other.rowsByReason)
        && rowsInfiniteLoss == other.rowsInfiniteLoss
        && rowsCorrect == other.rowsCorrect
        && Double.compare(meanLoss, other.meanLoss) == 0
        && Double.compare(logMeanTrueProbability, other.logMeanTrueProbability) == 0;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(rowsByReason) * 31 + Double.hashCode(meanLoss);
  }

  @Override
  public String toString() {
    return "LossStats[rows="
        + rows()
        + ", scored="
        + rowsScored()
        + ", meanLoss="
        + meanLoss
        + ", accuracy="
        + accuracy()
        + "]";
  }
}
