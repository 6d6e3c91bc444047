package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static dev.xent.kernel.Rounding.assertIsRoundedQuotient;
import static dev.xent.kernel.Rounding.roundTrip;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.xent.kernel.ClassStats.ClassLoss;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ClassTally} and {@link ClassStats}: hand examples against their closed forms, the edge
 * cases of the javadoc, random rows against the BigDecimal {@link TallyReference}, and the merge
 * law (random splits, random merge order, some pieces serialised on the way) compared bit for bit.
 */
class ClassTallyTest {
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final double NAN = Double.NaN;

  /**
   * Unweighted: class 0 labelled twice (once predicted 0), class 1 labelled once and predicted
   * three times, class 2 labelled once with a masked (+∞) loss and never predicted.
   */
  private static ClassStats handExample() {
    return new ClassTally(false, 3)
        .add(0, 0, 0.5, 1.0)
        .add(0, 1, 1.5, 1.0)
        .add(1, 1, 0.25, 1.0)
        .add(2, 1, INF, 1.0)
        .result();
  }

  @Test
  void countsAndSumsOfTheHandExample() {
    ClassStats stats = handExample();
    assertThat(stats.classes()).isEqualTo(3);
    assertThat(stats.support()).containsExactly(2, 1, 1);
    assertThat(stats.predicted()).containsExactly(1, 3, 0);
    KernelTestSupport.assertSameDoubles(stats.weightSum(), 2, 1, 1);
    KernelTestSupport.assertSameDoubles(stats.predictedWeight(), 1, 3, 0);
    KernelTestSupport.assertSameDoubles(stats.truePositiveWeight(), 1, 1, 0);
    KernelTestSupport.assertSameDoubles(stats.lossSum(), 2.0, 0.25, INF);
  }

  @Test
  void ratiosOfTheHandExample() {
    ClassStats stats = handExample();
    // mean loss L/S: 2/2, 0.25/1, ∞/1.
    KernelTestSupport.assertSameDoubles(stats.meanLoss(), 1.0, 0.25, INF);
    // recall T/S: 1/2, 1/1, 0/1; precision T/P: 1/1, 1/3, undefined (never predicted).
    KernelTestSupport.assertSameDoubles(stats.recall(), 0.5, 1.0, 0.0);
    KernelTestSupport.assertSameDoubles(stats.precision(), 1.0, 1.0 / 3, NAN);
    // f1 2T/(S+P): 2/3, 2/4, 0/1 — the last is 0 although precision is undefined.
    KernelTestSupport.assertSameDoubles(stats.f1(), 2.0 / 3, 0.5, 0.0);
  }

  @Test
  void macroMeansOfTheHandExampleAreExactMeansOfThePerClassDoubles() {
    ClassStats stats = handExample();
    // (0.5 + 1 + 0)/3 = 0.5 exactly.
    assertSameDouble(stats.macroRecall(), 0.5, "macro recall");
    // (fl(2/3) + 0.5 + 0)/3, the sum exact and divided once.
    assertIsRoundedQuotient(
        stats.macroF1(),
        new BigDecimal(2.0 / 3).add(new BigDecimal("0.5")),
        BigDecimal.valueOf(3),
        "macro f1");
  }

  @Test
  void aSingleClassPredictedRightEveryTimeHasRecallPrecisionAndF1One() {
    ClassStats stats = new ClassTally(false, 1).add(0, 0, 0.1, 1).add(0, 0, 0.3, 1).result();
    assertThat(stats.classes()).isEqualTo(1);
    KernelTestSupport.assertSameDoubles(stats.recall(), 1.0);
    KernelTestSupport.assertSameDoubles(stats.precision(), 1.0);
    KernelTestSupport.assertSameDoubles(stats.f1(), 1.0);
    // (0.1 + 0.3)/2 from the exact sum of the two doubles, rounded once.
    assertIsRoundedQuotient(
        stats.meanLoss(0),
        new BigDecimal(0.1).add(new BigDecimal(0.3)),
        BigDecimal.valueOf(2),
        "mean loss");
    assertSameDouble(stats.macroRecall(), 1.0, "macro recall");
    assertSameDouble(stats.macroF1(), 1.0, "macro f1");
  }

  @Test
  void aClassPredictedButNeverTheLabelHasNoRecallButPrecisionAndF1Zero() {
    ClassStats stats = new ClassTally(false, 2).add(0, 1, 2.0, 1).add(0, 0, 1.0, 1).result();
    assertThat(stats.support(1)).isZero();
    assertThat(stats.predicted(1)).isEqualTo(1);
    assertThat(stats.recall(1)).isNaN();
    assertThat(stats.meanLoss(1)).isNaN();
    assertSameDouble(stats.precision(1), 0.0, "precision");
    assertSameDouble(stats.f1(1), 0.0, "f1");
    // Class 1 is in the f1 mean (S + P > 0) but not the recall mean (S = 0).
    assertSameDouble(stats.macroRecall(), 0.5, "macro recall = recall of class 0");
    // f1 of class 0: 2·1/(2 + 1) = 2/3; mean over both classes (2/3 + 0)/2.
    assertIsRoundedQuotient(
        stats.macroF1(), new BigDecimal(2.0 / 3), BigDecimal.valueOf(2), "macro f1");
  }

  @Test
  void aClassWithSupportButNeverPredictedHasNoPrecisionButRecallAndF1Zero() {
    ClassStats stats = new ClassTally(false, 2).add(1, 0, 2.0, 1).result();
    assertSameDouble(stats.recall(1), 0.0, "recall");
    assertThat(stats.precision(1)).isNaN();
    assertSameDouble(stats.f1(1), 0.0, "f1");
    assertSameDouble(stats.meanLoss(1), 2.0, "mean loss");
  }

  @Test
  void aClassWithNoRowsBetweenOthersIsUndefinedEverywhereAndInNoMean() {
    ClassStats stats = new ClassTally(false, 0).add(0, 0, 1.0, 1).add(2, 2, 1.0, 1).result();
    assertThat(stats.classes()).isEqualTo(3);
    assertThat(stats.support(1)).isZero();
    assertThat(stats.meanLoss(1)).isNaN();
    assertThat(stats.recall(1)).isNaN();
    assertThat(stats.precision(1)).isNaN();
    assertThat(stats.f1(1)).isNaN();
    assertSameDouble(stats.lossSum(1), 0.0, "L");
    assertSameDouble(stats.macroRecall(), 1.0, "macro recall over classes 0 and 2");
    assertSameDouble(stats.macroF1(), 1.0, "macro f1 over classes 0 and 2");
  }

  @Test
  void noRowsGiveNoClassesAndUndefinedMeans() {
    ClassStats stats = new ClassTally(true, 10).result();
    assertThat(stats.classes()).isZero();
    assertThat(stats.macroRecall()).isNaN();
    assertThat(stats.macroF1()).isNaN();
    assertThat(stats.worstClasses(3)).isEmpty();
  }

  @Test
  void aLabelBeyondTheInitialSizeGrowsTheArrays() {
    ClassTally tally = new ClassTally(false, 2);
    tally.add(0, 0, 1.0, 1).add(1000, 5, 3.0, 1).add(7, 2000, 0.5, 1);
    assertThat(tally.classes()).isEqualTo(2001);
    ClassStats stats = tally.result();
    assertThat(stats.classes()).isEqualTo(2001);
    assertThat(stats.support(1000)).isEqualTo(1);
    assertThat(stats.predicted(2000)).isEqualTo(1);
    assertSameDouble(stats.meanLoss(1000), 3.0, "mean loss of class 1000");
    assertSameDouble(stats.meanLoss(7), 0.5, "mean loss of class 7");
    assertThat(stats.recall(2000)).isNaN();
  }

  @Test
  void aMergeGrowsTheArraysToExactlyTheOtherTallysClasses() {
    ClassTally small = new ClassTally(true, 1).add(0, 0, 1.0, 1.0);
    ClassTally large = new ClassTally(true, 1000).add(999, 0, 1.0, 1.0);
    long before = small.retainedBytes();
    small.merge(large);
    assertThat(small.classes()).isEqualTo(1000);
    // 96 bytes per class of capacity (see ClassTally's javadoc): 999 more classes, no slack.
    assertThat(small.retainedBytes() - before).isEqualTo(999L * 96);
  }

  @Test
  void aZeroWeightRowIsCountedButAddsToNoSumEvenWithAnInfiniteLoss() {
    ClassStats stats =
        new ClassTally(true, 2)
            .add(0, 0, INF, 0.0)
            .add(1, 1, 2.0, 0.5)
            .add(1, 0, INF, 0.0)
            .result();
    // Class 0: one row, weight 0 → support 1, but no weight: mean loss and recall undefined.
    assertThat(stats.support(0)).isEqualTo(1);
    assertThat(stats.predicted(0)).isEqualTo(2);
    assertSameDouble(stats.weightSum(0), 0.0, "S_0");
    assertSameDouble(stats.lossSum(0), 0.0, "L_0: 0·∞ adds nothing");
    assertThat(stats.meanLoss(0)).isNaN();
    assertThat(stats.recall(0)).isNaN();
    assertThat(stats.precision(0)).isNaN();
    assertThat(stats.f1(0)).isNaN();
    // Class 1: the weight-0 row with loss ∞ leaves L_1 = 0.5·2 = 1 and S_1 = 0.5.
    assertThat(stats.support(1)).isEqualTo(2);
    assertSameDouble(stats.meanLoss(1), 2.0, "mean loss of class 1");
    assertSameDouble(stats.recall(1), 1.0, "recall of class 1");
    // Worst classes rank only classes with a defined mean loss.
    assertThat(stats.worstClasses(5)).containsExactly(new ClassLoss(1, 2.0, 2));
  }

  @Test
  void anInfiniteLossWithPositiveWeightMakesTheMeanInfiniteAndRanksFirst() {
    ClassStats stats =
        new ClassTally(true, 3)
            .add(0, 0, 1e300, 1e8)
            .add(1, 1, INF, 0x1p-1074)
            .add(1, 1, 1.0, 1.0)
            .add(2, 2, 5.0, 1.0)
            .result();
    assertSameDouble(stats.lossSum(1), INF, "L_1");
    assertSameDouble(stats.meanLoss(1), INF, "mean loss of class 1");
    assertThat(stats.worstClasses(2))
        .containsExactly(new ClassLoss(1, INF, 2), new ClassLoss(0, 1e300, 1));
  }

  @Test
  void subnormalAndHugeWeightsKeepEveryBit() {
    double tiny = Double.MIN_VALUE;
    double huge = Double.MAX_VALUE;
    TallyReference reference = new TallyReference();
    ClassTally tally = new ClassTally(true, 3);
    double[][] rows = {
      // label, predicted, loss, weight
      {0, 0, 1e-6, tiny}, // ω·l ≈ 2^−1094: below every double, kept exactly
      {0, 1, 30.0, tiny},
      {1, 1, 3.0, huge}, // ω·l = 3·MAX: beyond every double, kept exactly
      {1, 1, 1.0, huge}, // S_1 = 2·MAX overflows, but L_1/S_1 = 2 and recall 1
      {2, 0, 0.7, tiny},
      {2, 2, 0.7, huge},
    };
    for (double[] r : rows) {
      tally.add((int) r[0], (int) r[1], r[2], r[3]);
      reference.add((int) r[0], (int) r[1], r[2], r[3]);
    }
    ClassStats stats = tally.result();
    reference.checkAll(stats, "extreme weights");
    assertSameDouble(stats.weightSum(1), INF, "S_1 = 2·MAX rounds to ∞");
    assertSameDouble(stats.meanLoss(1), 2.0, "(3·MAX + 1·MAX)/(2·MAX)");
    assertSameDouble(stats.recall(1), 1.0, "recall of class 1");
    // Class 0: (1e-6 + 30)·ε / 2ε, exact although each product underflows.
    assertIsRoundedQuotient(
        stats.meanLoss(0),
        new BigDecimal(1e-6).add(new BigDecimal(30.0)),
        BigDecimal.valueOf(2),
        "mean loss of class 0");
  }

  @Test
  void everyEdgeLossTimesEveryEdgeWeightMatchesTheReference() {
    double[] losses = {
      0.0, -0.0, Double.MIN_VALUE, Double.MIN_NORMAL, 1e-20, 1.0, Double.MAX_VALUE, INF
    };
    double[] weights = {0.0, -0.0, Double.MIN_VALUE, Double.MIN_NORMAL, 1.0, Double.MAX_VALUE};
    for (double loss : losses) {
      for (double weight : weights) {
        // Two equal rows of class 0 (one predicted right) and one of class 1: sums like 2·MAX
        // overflow while the ratios stay finite.
        ClassTally tally = new ClassTally(true, 2);
        TallyReference reference = new TallyReference();
        for (int[] lk : new int[][] {{0, 0}, {0, 1}, {1, 1}}) {
          tally.add(lk[0], lk[1], loss, weight);
          reference.add(lk[0], lk[1], loss, weight);
        }
        ClassStats stats = tally.result();
        reference.checkAll(stats, "loss " + loss + ", weight " + weight);
        if (weight > 0 && loss < INF) {
          assertSameDouble(stats.meanLoss(0), loss == 0 ? 0.0 : loss, "mean of equal losses");
        }
      }
    }
  }

  @Test
  void worstClassesRankByMeanLossThenByLowerIndex() {
    ClassTally tally = new ClassTally(false, 6);
    tally.add(0, 0, 2.0, 1).add(1, 1, 3.0, 1).add(2, 2, 2.0, 1).add(3, 3, 3.0, 1).add(4, 4, 1, 1);
    tally.add(5, 0, 0.5, 1).add(5, 0, 0.5, 1);
    ClassStats stats = tally.result();
    assertThat(stats.worstClasses(3))
        .containsExactly(
            new ClassLoss(1, 3.0, 1), new ClassLoss(3, 3.0, 1), new ClassLoss(0, 2.0, 1));
    assertThat(stats.worstClasses(100)).hasSize(6).last().isEqualTo(new ClassLoss(5, 0.5, 2));
    assertThat(stats.worstClasses(0)).isEmpty();
    assertThatThrownBy(() -> stats.worstClasses(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
  }

  @Test
  void invalidRowsAreRejectedWithTheOffendingValue() {
    ClassTally weighted = new ClassTally(true, 1);
    ClassTally unweighted = new ClassTally(false, 1);
    assertThatThrownBy(() -> weighted.add(-1, 0, 1.0, 1.0)).hasMessageContaining("label -1");
    assertThatThrownBy(() -> weighted.add(0, -2, 1.0, 1.0))
        .hasMessageContaining("predicted class -2");
    assertThatThrownBy(() -> weighted.add(0, 0, NAN, 1.0)).hasMessageContaining("loss NaN");
    assertThatThrownBy(() -> weighted.add(0, 0, -0.5, 1.0)).hasMessageContaining("loss -0.5");
    assertThatThrownBy(() -> weighted.add(0, 0, 1.0, INF)).hasMessageContaining("weight Infinity");
    assertThatThrownBy(() -> weighted.add(0, 0, 1.0, -1.0)).hasMessageContaining("weight -1.0");
    assertThatThrownBy(() -> weighted.add(0, 0, 1.0, NAN)).hasMessageContaining("weight NaN");
    assertThatThrownBy(() -> unweighted.add(0, 0, 1.0, 2.0))
        .hasMessageContaining("weight 2.0 in an unweighted tally");
    assertThatThrownBy(() -> weighted.add(ClassTally.MAX_CLASSES, 0, 1.0, 1.0))
        .hasMessageContaining("label " + ClassTally.MAX_CLASSES);
    assertThatThrownBy(() -> new ClassTally(true, -1)).hasMessageContaining("-1 classes");
    assertThatThrownBy(() -> weighted.merge(unweighted))
        .hasMessageContaining("one is weighted and the other is not");
    // Nothing was added by the rejected rows.
    assertThat(weighted.classes()).isZero();
  }

  @Test
  void mergingATallyIntoItselfDoublesIt() {
    ClassTally tally = new ClassTally(true, 2).add(0, 1, 0.25, 0.5).add(1, 1, 2.0, 3.0);
    ClassTally doubled = new ClassTally(true, 2);
    for (int i = 0; i < 2; i++) {
      doubled.add(0, 1, 0.25, 0.5).add(1, 1, 2.0, 3.0);
    }
    assertSameStats(tally.merge(tally).result(), doubled.result(), "self-merge");
  }

  // ---- random rows ----

  private static double randomWeight(SplittableRandom random) {
    return switch (random.nextInt(12)) {
      case 0 -> 0.0;
      case 1 -> Double.MIN_VALUE * random.nextInt(1, 1000);
      case 2 -> Double.MAX_VALUE * random.nextDouble();
      case 3 -> 1.0;
      case 4 -> Math.scalb(random.nextDouble(), random.nextInt(-1074, 1024));
      default -> 1e-3 * Math.pow(1e6, random.nextDouble());
    };
  }

  private static double randomLoss(SplittableRandom random) {
    return switch (random.nextInt(15)) {
      case 0 -> INF;
      case 1 -> 0.0;
      case 2 -> 1e-300 * random.nextDouble();
      case 3 -> 1e300 * random.nextDouble();
      default -> 1e-6 * Math.pow(3e7, random.nextDouble());
    };
  }

  /** label, predicted, loss, weight. */
  private record Row(int label, int predicted, double loss, double weight) {}

  private static List<Row> randomRows(SplittableRandom random, boolean weighted) {
    int classes = random.nextInt(1, 30);
    List<Row> rows = new ArrayList<>();
    for (int i = random.nextInt(0, 400); i > 0; i--) {
      int label = random.nextInt(classes);
      // Right half the time, so true positives are common.
      int predicted = random.nextBoolean() ? label : random.nextInt(classes);
      rows.add(
          new Row(label, predicted, randomLoss(random), weighted ? randomWeight(random) : 1.0));
    }
    return rows;
  }

  private static ClassTally onePass(List<Row> rows, boolean weighted) {
    ClassTally tally = new ClassTally(weighted, 4);
    for (Row r : rows) {
      tally.add(r.label, r.predicted, r.loss, r.weight);
    }
    return tally;
  }

  @Test
  void randomRowsMatchTheBigDecimalReference() {
    for (boolean weighted : new boolean[] {false, true}) {
      forEachSeed(
          weighted ? 0xC1A5_0001L : 0xC1A5_0002L,
          150,
          random -> {
            List<Row> rows = randomRows(random, weighted);
            TallyReference reference = new TallyReference();
            for (Row r : rows) {
              reference.add(r.label, r.predicted, r.loss, r.weight);
            }
            reference.checkAll(onePass(rows, weighted).result(), weighted ? "weighted" : "counts");
          });
    }
  }

  @Test
  void anySplitMergedInAnyOrderEqualsOnePassBitForBit() {
    for (boolean weighted : new boolean[] {false, true}) {
      forEachSeed(
          weighted ? 0xC1A5_0003L : 0xC1A5_0004L,
          150,
          random -> {
            List<Row> rows = randomRows(random, weighted);
            int k = random.nextInt(1, 16);
            List<ClassTally> pieces = new ArrayList<>();
            for (int i = 0; i < k; i++) {
              // Random size hints: pieces grow differently.
              pieces.add(new ClassTally(weighted, random.nextInt(0, 40)));
            }
            for (Row r : rows) {
              pieces.get(random.nextInt(k)).add(r.label, r.predicted, r.loss, r.weight);
            }
            while (pieces.size() > 1) {
              ClassTally into = pieces.remove(random.nextInt(pieces.size()));
              ClassTally from = pieces.remove(random.nextInt(pieces.size()));
              // A task result reaches the driver serialised.
              into.merge(random.nextBoolean() ? roundTrip(from) : from);
              pieces.add(random.nextInt(4) == 0 ? roundTrip(into) : into);
            }
            assertSameStats(pieces.get(0).result(), onePass(rows, weighted).result(), "merged");
          });
    }
  }

  @Test
  void sumsThatOutgrowTheirWindowsMergeToTheSameBitsAndTheReference() {
    // 1e300 and 1e-300 in one class: S and L span ~2000 bits, far beyond a 2- or 3-word window.
    Row[] rows = {
      new Row(0, 0, 30.0, 1e300),
      new Row(0, 1, 1e-6, 1e-300),
      new Row(0, 0, 2.0, 1.0),
      new Row(1, 0, 0.5, 1e-300),
      new Row(1, 1, 0.5, 1e300),
    };
    ClassTally onePass = onePass(List.of(rows), true);
    assertThat(onePass.promotedSums()).isPositive();
    TallyReference reference = new TallyReference();
    for (Row r : rows) {
      reference.add(r.label, r.predicted, r.loss, r.weight);
    }
    reference.checkAll(onePass.result(), "promoted");
    forEachSeed(
        0xC1A5_0005L,
        50,
        random -> {
          ClassTally a = new ClassTally(true, 0);
          ClassTally b = new ClassTally(true, 0);
          for (Row r : rows) {
            (random.nextBoolean() ? a : b).add(r.label, r.predicted, r.loss, r.weight);
          }
          ClassTally merged = random.nextBoolean() ? a.merge(roundTrip(b)) : b.merge(a);
          assertSameStats(merged.result(), onePass.result(), "promoted, merged");
        });
  }

  @Test
  void aSerialisedTallyGivesTheSameResultAndKeepsAccumulating() {
    ClassTally tally = new ClassTally(true, 3).add(0, 1, INF, 2.0).add(2, 2, 1e-6, 1e300);
    tally.add(1, 1, 30.0, 1e-310).add(1, 1, 3.0, 1e300);
    ClassTally copy = roundTrip(tally);
    assertThat(copy.weighted()).isTrue();
    assertSameStats(copy.result(), tally.result(), "round trip");
    copy.add(4, 0, 1.0, 1.0);
    tally.add(4, 0, 1.0, 1.0);
    assertSameStats(copy.result(), tally.result(), "after one more row");
  }

  /** Every field of both results, doubles by their raw bits. */
  static void assertSameStats(ClassStats actual, ClassStats expected, String what) {
    assertThat(actual.classes()).as("%s: classes", what).isEqualTo(expected.classes());
    assertThat(actual.weighted()).as("%s: weighted", what).isEqualTo(expected.weighted());
    assertThat(actual.support()).as("%s: support", what).containsExactly(expected.support());
    assertThat(actual.predicted()).as("%s: predicted", what).containsExactly(expected.predicted());
    assertSameBits(actual.weightSum(), expected.weightSum(), what + ": S");
    assertSameBits(actual.predictedWeight(), expected.predictedWeight(), what + ": P");
    assertSameBits(actual.truePositiveWeight(), expected.truePositiveWeight(), what + ": T");
    assertSameBits(actual.lossSum(), expected.lossSum(), what + ": L");
    assertSameBits(actual.meanLoss(), expected.meanLoss(), what + ": mean loss");
    assertSameBits(actual.recall(), expected.recall(), what + ": recall");
    assertSameBits(actual.precision(), expected.precision(), what + ": precision");
    assertSameBits(actual.f1(), expected.f1(), what + ": f1");
    assertSameBits(
        new double[] {actual.macroRecall(), actual.macroF1()},
        new double[] {expected.macroRecall(), expected.macroF1()},
        what + ": macro recall, macro f1");
    assertThat(actual).as(what).isEqualTo(expected);
  }

  private static void assertSameBits(double[] actual, double[] expected, String what) {
    assertThat(actual.length).as("%s: length", what).isEqualTo(expected.length);
    for (int c = 0; c < actual.length; c++) {
      assertThat(Double.doubleToRawLongBits(actual[c]))
          .as("%s of class %d: %s vs %s", what, c, actual[c], expected[c])
          .isEqualTo(Double.doubleToRawLongBits(expected[c]));
    }
  }
}
