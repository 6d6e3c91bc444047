package dev.xent.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * The immutable result of a {@link ClassTally}: per class c (0 … {@link #classes()} − 1) the counts
 * {@code support} (rows labelled c) and {@code predicted} (rows predicted c), the sums S_c
 * (weight), P_c (predicted weight), T_c (true-positive weight) and L_c (weighted loss), each the
 * exact sum rounded once, and the ratios, each the exact quotient of the exact sums rounded once:
 *
 * <ul>
 *   <li>{@code meanLoss} = L_c / S_c; NaN when S_c = 0; +∞ when a row of class c with ω > 0 has
 *       loss +∞.
 *   <li>{@code recall} = T_c / S_c; NaN when S_c = 0.
 *   <li>{@code precision} = T_c / P_c; NaN when P_c = 0.
 *   <li>{@code f1} = 2·T_c / (S_c + P_c); NaN when S_c + P_c = 0. This equals the harmonic mean
 *       2·P·R/(P + R) wherever precision and recall are both defined, and is 0 whenever T_c = 0
 *       (also when only one of them is defined: a class never predicted, or predicted but never the
 *       label).
 * </ul>
 *
 * "S_c = 0" covers a class with no support and, weighted, one whose rows all weigh 0. NaN stands
 * for "undefined" only (the job writes it as null): with finite weights and losses ≥ 0 no defined
 * value is NaN.
 *
 * <p>{@link #macroRecall()} (balanced accuracy) is the mean of recall over the classes with S_c >
 * 0, {@link #macroF1()} the mean of f1 over the classes with S_c + P_c > 0; both are the exact sum
 * of those per-class doubles divided by their number, rounded once ({@link ExactSum#mean}), so they
 * depend on the per-class values only. NaN when no class qualifies.
 */
public final class ClassStats {
  private final boolean weighted;
  private final long[] support;
  private final long[] predicted;
  private final double[] weightSum;
  private final double[] predictedWeight;
  private final double[] truePositiveWeight;
  private final double[] lossSum;
  private final double[] meanLoss;
  private final double[] recall;
  private final double[] precision;
  private final double[] f1;
  private final double macroRecall;
  private final double macroF1;

  /** One class's entry in {@link #worstClasses}. */
  public record ClassLoss(int classIndex, double meanLoss, long support) {}

  ClassStats(
      boolean weighted,
      long[] support,
      long[] predicted,
      double[] weightSum,
      double[] predictedWeight,
      double[] truePositiveWeight,
      double[] lossSum,
      double[] meanLoss,
      double[] recall,
      double[] precision,
      double[] f1) {
    this.weighted = weighted;
    this.support = support;
    this.predicted = predicted;
    this.weightSum = weightSum;
    this.predictedWeight = predictedWeight;
    this.truePositiveWeight = truePositiveWeight;
    this.lossSum = lossSum;
    this.meanLoss = meanLoss;
    this.recall = recall;
    this.precision = precision;
    this.f1 = f1;
    ExactSum recallSum = new ExactSum();
    ExactSum f1Sum = new ExactSum();
    long withWeight = 0;
    long withF1 = 0;
    for (int c = 0; c < support.length; c++) {
      // recall is defined exactly when S_c > 0, f1 exactly when S_c + P_c > 0.
      if (!Double.isNaN(recall[c])) {
        recallSum.add(recall[c]);
        withWeight++;
      }
      if (!Double.isNaN(f1[c])) {
        f1Sum.add(f1[c]);
        withF1++;
      }
    }
    this.macroRecall = recallSum.mean(withWeight);
    this.macroF1 = f1Sum.mean(withF1);
  }

  public boolean weighted() {
    return weighted;
  }

  /** The largest class seen + 1. */
  public int classes() {
    return support.length;
  }

  public long support(int c) {
    return support[c];
  }

  public long predicted(int c) {
    return predicted[c];
  }

  /** S_c: the weight of the rows labelled c (their count, unweighted). */
  public double weightSum(int c) {
    return weightSum[c];
  }

  /** P_c: the weight of the rows predicted c. */
  public double predictedWeight(int c) {
    return predictedWeight[c];
  }

  /** T_c: the weight of the rows labelled and predicted c. */
  public double truePositiveWeight(int c) {
    return truePositiveWeight[c];
  }

  /** L_c = Σ ω·l over the rows labelled c; +∞ when one with ω > 0 has loss +∞. */
  public double lossSum(int c) {
    return lossSum[c];
  }

  public double meanLoss(int c) {
    return meanLoss[c];
  }

  public double recall(int c) {
    return recall[c];
  }

  public double precision(int c) {
    return precision[c];
  }

  public double f1(int c) {
    return f1[c];
  }

  public long[] support() {
    return support.clone();
  }

  public long[] predicted() {
    return predicted.clone();
  }

  public double[] weightSum() {
    return weightSum.clone();
  }

  public double[] predictedWeight() {
    return predictedWeight.clone();
  }

  public double[] truePositiveWeight() {
    return truePositiveWeight.clone();
  }

  public double[] lossSum() {
    return lossSum.clone();
  }

  public double[] meanLoss() {
    return meanLoss.clone();
  }

  public double[] recall() {
    return recall.clone();
  }

  public double[] precision() {
    return precision.clone();
  }

  public double[] f1() {
    return f1.clone();
  }

  /** Mean recall over the classes with S_c > 0 (balanced accuracy); NaN when there are none. */
  public double macroRecall() {
    return macroRecall;
  }

  /** Mean f1 over the classes with S_c + P_c > 0; NaN when there are none. */
  public double macroF1() {
    return macroF1;
  }

  /**
   * The {@code n} classes with the highest mean loss among those with support > 0 and a defined
   * mean loss (a weighted class whose rows all weigh 0 has none), highest first; +∞ ranks above
   * every finite value, ties go to the lower class index. Fewer than {@code n} when fewer classes
   * qualify.
   *
   * @throws IllegalArgumentException when {@code n < 0}
   */
  public List<ClassLoss> worstClasses(int n) {
    if (n < 0) {
      throw new IllegalArgumentException("Cannot list the " + n + " worst classes: n < 0");
    }
    List<Integer> candidates = new ArrayList<>();
    for (int c = 0; c < support.length; c++) {
      if (support[c] > 0 && !Double.isNaN(meanLoss[c])) {
        candidates.add(c);
      }
    }
    candidates.sort(
        Comparator.<Integer>comparingDouble(c -> meanLoss[c]).reversed().thenComparingInt(c -> c));
    List<ClassLoss> worst = new ArrayList<>();
    for (int i = 0; i < Math.min(n, candidates.size()); i++) {
      int c = candidates.get(i);
      worst.add(new ClassLoss(c, meanLoss[c], support[c]));
    }
    return List.copyOf(worst);
  }

  /**
   * Equal when every count and every double is the same (doubles compared as by {@code ==} on bits,
   * NaN equal to NaN).
   */
  @Override
  public boolean equals(Object o) {
    return o instanceof ClassStats other
        && weighted == other.weighted
        && Arrays.equals(support, other.support)
        && Arrays.equals(predicted, other.predicted)
        && Arrays.equals(weightSum, other.weightSum)
        && Arrays.equals(predictedWeight, other.predictedWeight)
        && Arrays.equals(truePositiveWeight, other.truePositiveWeight)
        && Arrays.equals(lossSum, other.lossSum)
        && Arrays.equals(meanLoss, other.meanLoss)
        && Arrays.equals(recall, other.recall)
        && Arrays.equals(precision, other.precision)
        && Arrays.equals(f1, other.f1)
        && Double.compare(macroRecall, other.macroRecall) == 0
        && Double.compare(macroF1, other.macroF1) == 0;
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(support) * 31 + Arrays.hashCode(meanLoss);
  }

  @Override
  public String toString() {
    return "ClassStats[classes="
        + classes()
        + ", weighted="
        + weighted
        + ", macroRecall="
        + macroRecall
        + ", macroF1="
        + macroF1
        + "]";
  }
}
