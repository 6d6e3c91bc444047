package dev.xent.kernel;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;

/**
 * Accumulates scored rows into the numbers of an evaluation: counts by {@link Reason}, the exact
 * sum of the losses, correct predictions and the mean probability of the true class. Add rows,
 * merge partition-local accumulators in any order, then take the immutable {@link LossStats}.
 *
 * <p>Every aggregate but one is an exact sum of a per-row value (counts, losses and the true-class
 * probabilities through {@link ExactSum}), so the result is the same bit for bit however the rows
 * were split and merged. The per-row terms come from {@link ExpBlocks}' exp and expm1, built from
 * correctly rounded operations only, so every JVM computes the same bits. The exception: rows with
 * a loss above {@value #FAR_LOSS} (true-class probability below e^−700, near the subnormal range)
 * are held as a {@link LogSumExpAccumulator}, whose last bits may differ between splits; most
 * evaluations never have such a row.
 */
public final class LossStatsAccumulator implements Serializable {
  private static final long serialVersionUID = 3L;

  /** Up to this loss a row's e^−loss is a normal double with full relative precision. */
  static final double FAR_LOSS = 700.0;

  private static final double LN2 = 0.6931471805599453;

  private final long[] rowsByReason = new long[Reason.values().length];
  private final ExactSum lossSum = new ExactSum();
  // p = e^−loss, split by size so that each row needs one exp and keeps its digits: rows with
  // p ≥ 1/2 as p − 1 = expm1(−loss) (a loss of 1e-20 would round off in 1 − 1e-20), rows with
  // e^−700 ≤ p < 1/2 as p, the rest in log space.
  private final ExactSum nearDeficit = new ExactSum();
  private final ExactSum midProbability = new ExactSum();
  private final LogSumExpAccumulator farLogProbability = new LogSumExpAccumulator();
  private long rowsNear;
  private long rowsMid;
  private long rowsInfiniteLoss;
  private long rowsCorrect;

  /**
   * Adds one row. {@code loss} and {@code correct} are read only when {@code reason} is OK; a valid
   * row's loss is finite and non-negative, or +∞.
   */
  public LossStatsAccumulator add(Reason reason, double loss, boolean correct) {
    rowsByReason[reason.ordinal()]++;
    if (reason.isOk()) {
      lossSum.add(loss);
      if (loss <= LN2) {
        nearDeficit.add(ExpBlocks.expm1(-loss));
        rowsNear++;
      } else if (loss <= FAR_LOSS) {
        midProbability.add(ExpBlocks.exp(-loss));
        rowsMid++;
      } else {
        farLogProbability.add(-loss);
        if (loss == Double.POSITIVE_INFINITY) {
          rowsInfiniteLoss++;
        }
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
    nearDeficit.merge(other.nearDeficit);
    midProbability.merge(other.midProbability);
    farLogProbability.merge(other.farLogProbability);
    rowsNear += other.rowsNear;
    rowsMid += other.rowsMid;
    rowsInfiniteLoss += other.rowsInfiniteLoss;
    rowsCorrect += other.rowsCorrect;
    return this;
  }

  /**
   * Writes the state compactly: the counts as varints, each exact sum in {@link ExactSum#writeTo}'s
   * form. {@link #readFrom} restores an accumulator with the same result and the same merges.
   */
  public void writeTo(DataOutput out) throws IOException {
    Varint.write(out, rowsByReason.length);
    for (long count : rowsByReason) {
      Varint.write(out, count);
    }
    lossSum.writeTo(out);
    nearDeficit.writeTo(out);
    midProbability.writeTo(out);
    farLogProbability.writeTo(out);
    Varint.write(out, rowsNear);
    Varint.write(out, rowsMid);
    Varint.write(out, rowsInfiniteLoss);
    Varint.write(out, rowsCorrect);
  }

  public static LossStatsAccumulator readFrom(DataInput in) throws IOException {
    LossStatsAccumulator state = new LossStatsAccumulator();
    int reasons = Varint.readInt(in, Integer.MAX_VALUE, "the number of reasons");
    if (reasons != state.rowsByReason.length) {
      throw new IOException(
          "Cannot read loss stats written with "
              + reasons
              + " reasons: this version has "
              + state.rowsByReason.length);
    }
    for (int i = 0; i < reasons; i++) {
      state.rowsByReason[i] = Varint.read(in);
    }
    state.lossSum.merge(ExactSum.readFrom(in));
    state.nearDeficit.merge(ExactSum.readFrom(in));
    state.midProbability.merge(ExactSum.readFrom(in));
    state.farLogProbability.merge(LogSumExpAccumulator.readFrom(in));
    state.rowsNear = Varint.read(in);
    state.rowsMid = Varint.read(in);
    state.rowsInfiniteLoss = Varint.read(in);
    state.rowsCorrect = Varint.read(in);
    return state;
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
    // Σ p over the near and mid rows, exactly: Σ (p − 1) + rowsNear + Σ p.
    ExactSum probability = new ExactSum();
    probability.merge(nearDeficit);
    probability.merge(midProbability);
    addCount(probability, rowsNear);
    double meanProbability = probability.mean(scored);
    if (meanProbability >= 0.5) {
      // log(1 + mean(p − 1)): log1p keeps a mean loss of 1e-20 at full relative precision. The far
      // rows count as p − 1 = −1; their p < e^−700 is below the last digit of the sum.
      ExactSum deficit = new ExactSum();
      deficit.merge(nearDeficit);
      deficit.merge(midProbability);
      addCount(deficit, -(scored - rowsNear));
      return Log1p.of(deficit.mean(scored));
    }
    double logFar = farLogProbability.result();
    if (logFar == Double.NEGATIVE_INFINITY) {
      return Math.log(meanProbability);
    }
    // log(Σ p_near,mid + Σ p_far) − log n, the far part as its log-sum-exp.
    double sum = probability.sum();
    double logNear = Math.log(sum);
    double high = Math.max(logNear, logFar);
    double low = Math.min(logNear, logFar);
    return high + Log1p.of(Math.exp(low - high)) - Math.log(scored);
  }

  /** Adds the integer {@code count} exactly, as two doubles of at most 32 significant bits. */
  private static void addCount(ExactSum sum, long count) {
    long high = count >> 32 << 32;
    sum.add((double) high);
    sum.add((double) (count - high));
  }
}
