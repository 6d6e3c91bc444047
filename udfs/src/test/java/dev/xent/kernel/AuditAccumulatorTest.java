package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.assertWithinUlps;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link AuditAccumulator} and {@link AuditStats}: hand examples against their closed forms, the
 * calibration bin rule on bin edges against exact rational arithmetic, the edge cases (no weight,
 * one row, only ignored rows, +∞ losses, ω = 0 with loss +∞), input validation, the compact form
 * and the merge law. {@link AuditReferenceTest} checks larger data sets against mpmath/fractions.
 */
class AuditAccumulatorTest {
  private static final double INF = Double.POSITIVE_INFINITY;

  private static final AuditSpec UNWEIGHTED = new AuditSpec(false, new int[] {1, 2, 5}, 4, 0.95);
  private static final AuditSpec WEIGHTED = new AuditSpec(true, new int[] {1, 2, 5}, 4, 0.95);

  private static double exact(BigDecimal value) {
    return value.doubleValue();
  }

  private static BigDecimal dec(double v) {
    return new BigDecimal(v);
  }

  /** Losses 1, 2, 3, 4 with ranks 0, 1, 0, 3 and confidences 0.9, 0.6, 0.8, 0.3, unweighted. */
  private static AuditStats fourRows() {
    return new AuditAccumulator(UNWEIGHTED)
        .addSoftmax(1, 1, true, 0, 0.9)
        .addSoftmax(2, 1, false, 1, 0.6)
        .addSoftmax(3, 1, true, 0, 0.8)
        .addSoftmax(4, 1, false, 3, 0.3)
        .result();
  }

  @Test
  void fourUnweightedRowsHaveTheirClosedFormMeanAccuracyAndTopK() {
    AuditStats stats = fourRows();
    assertSameDouble(stats.weightSum(), 4, "Σω = n");
    assertSameDouble(stats.weightSquareSum(), 4, "Σω² = n");
    assertSameDouble(stats.effectiveSampleSize(), 4, "n_eff = n");
    assertSameDouble(stats.meanLoss(), 2.5, "mean of 1..4");
    assertSameDouble(stats.accuracy(), 0.5, "2 of 4 correct");
    // Ranks 0, 1, 0, 3: top-1 2/4, top-2 3/4, top-5 4/4.
    assertThat(stats.topKAccuracy())
        .containsExactly(
            org.assertj.core.api.Assertions.entry(1, 0.5),
            org.assertj.core.api.Assertions.entry(2, 0.75),
            org.assertj.core.api.Assertions.entry(5, 1.0));
  }

  @Test
  void theMeanLossIntervalOfFourRowsUsesTheUnbiasedVariance() {
    // s² = ((−1.5)² + (−0.5)² + 0.5² + 1.5²)/3 = 5/3, s²/n = 5/12; z from AuditSpec
    // (mpmath-tested).
    double z = UNWEIGHTED.z();
    double half = z * Math.sqrt(5.0 / 12);
    double[] ci = fourRows().meanLossCi();
    assertWithinUlps(ci[0], 2.5 - half, 8, "lower");
    assertWithinUlps(ci[1], 2.5 + half, 8, "upper");
  }

  @Test
  void theAccuracyIntervalOfFourRowsIsTheWilsonInterval() {
    // p̂ = 1/2, n = 4: centre (1/2 + z²/8)/(1 + z²/4) = 1/2, half z·sqrt(1/16 + z²/64)/(1 + z²/4).
    double z = UNWEIGHTED.z();
    double half = z * Math.sqrt(1.0 / 16 + z * z / 64) / (1 + z * z / 4);
    double[] ci = fourRows().accuracyCi();
    assertWithinUlps(ci[0], 0.5 - half, 16, "lower");
    assertWithinUlps(ci[1], 0.5 + half, 16, "upper");
  }

  @Test
  void fourRowsFillTheCalibrationBinsOfTheirConfidences() {
    // B = 4: 0.3 → (1/4, 1/2], 0.6 → (1/2, 3/4], 0.9 and 0.8 → (3/4, 1].
    List<CalibrationBin> bins = fourRows().calibration();
    assertThat(bins).hasSize(4);
    assertThat(bins.get(0))
        .isEqualTo(new CalibrationBin(0, 0.0, 0.25, 0, 0.0, Double.NaN, Double.NaN));
    assertThat(bins.get(1)).isEqualTo(new CalibrationBin(1, 0.25, 0.5, 1, 1.0, 0.3, 0.0));
    assertThat(bins.get(2)).isEqualTo(new CalibrationBin(2, 0.5, 0.75, 1, 1.0, 0.6, 0.0));
    double meanConfidence = exact(dec(0.9).add(dec(0.8)).divide(BigDecimal.valueOf(2)));
    assertThat(bins.get(3))
        .isEqualTo(new CalibrationBin(3, 0.75, 1.0, 2, 2.0, meanConfidence, 1.0));
  }

  @Test
  void theEceAndMceOfFourRowsAreTheWeightedAndLargestGaps() {
    AuditStats stats = fourRows();
    // ECE = Σ_b (W_b/W)|acc_b − conf_b| = (|2 − (0.9 + 0.8)| + |0 − 0.6| + |0 − 0.3|)/4, in the
    // exact values of the doubles, rounded once.
    BigDecimal gaps =
        BigDecimal.valueOf(2)
            .subtract(dec(0.9))
            .subtract(dec(0.8))
            .abs()
            .add(dec(0.6))
            .add(dec(0.3));
    assertSameDouble(stats.ece(), exact(gaps.divide(BigDecimal.valueOf(4))), "ece");
    // The largest gap is bin 2's |0 − 0.6|.
    assertSameDouble(stats.mce(), 0.6, "mce");
  }

  @Test
  void aResultCannotBeChangedFromOutside() {
    AuditStats stats = fourRows();
    stats.meanLossCi()[0] = -1;
    stats.accuracyCi()[1] = 2;
    assertThat(stats.meanLossCi()[0]).isNotEqualTo(-1.0);
    assertThat(stats.accuracyCi()[1]).isNotEqualTo(2.0);
    assertThatThrownBy(() -> stats.topKAccuracy().put(7, 1.0))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> stats.calibration().clear())
        .isInstanceOf(UnsupportedOperationException.class);
    assertThat(stats).isEqualTo(fourRows()).hasSameHashCodeAs(fourRows());
  }

  @Test
  void unweightedMeanLossAndAccuracyAreThoseOfTheLossStats() {
    AuditStats stats = fourRows();
    assertSameDouble(stats.meanLoss(), stats.lossStats().meanLoss(), "mean");
    assertSameDouble(stats.accuracy(), stats.lossStats().accuracy(), "accuracy");
    assertThat(stats.lossStats().rowsScored()).isEqualTo(4);
    assertThat(stats.lossStats().rowsCorrect()).isEqualTo(2);
  }

  @Test
  void weightedRowsHaveTheWeightedMeanKishSizeAndVariance() {
    // (l, ω) = (1, 2), (3, 1), (0, 1), (+∞, 0): W = 4, Q = 6, S1 = 5, S2 = 11. mean = 5/4,
    // n_eff = 16/6 = 8/3, v = (4·11 − 25)/16 = 19/16, s² = v·n_eff/(n_eff − 1) = 19/10,
    // s²/n_eff = 57/80.
    AuditStats stats =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(1, 2, true, 0, 0.9)
            .addSoftmax(3, 1, false, 4, 0.5)
            .addSoftmax(0, 1, true, 0, 1.0)
            .addSoftmax(INF, 0, false, 1, 0.7)
            .result();
    assertSameDouble(stats.weightSum(), 4, "W");
    assertSameDouble(stats.weightSquareSum(), 6, "Q");
    assertSameDouble(stats.effectiveSampleSize(), 8.0 / 3, "n_eff");
    assertSameDouble(stats.meanLoss(), 1.25, "mean");
    // Correct: weights 2 and 1 of 4; rank < 2: the same; rank < 5: all but the ω = 0 row.
    assertSameDouble(stats.accuracy(), 0.75, "accuracy");
    assertSameDouble(stats.topKAccuracy().get(2), 0.75, "top-2");
    assertSameDouble(stats.topKAccuracy().get(5), 1.0, "top-5");
    double half = WEIGHTED.z() * Math.sqrt(57.0 / 80);
    assertWithinUlps(stats.meanLossCi()[0], 1.25 - half, 8, "lower");
    assertWithinUlps(stats.meanLossCi()[1], 1.25 + half, 8, "upper");
    // The unweighted loss stats count all four rows, the +∞ one included.
    assertThat(stats.lossStats().rowsScored()).isEqualTo(4);
    assertSameDouble(stats.lossStats().meanLoss(), INF, "unweighted mean");
    // The ω = 0 row still counts in its bin, with no weight.
    assertThat(stats.calibration().get(2).count()).isEqualTo(1);
    assertThat(stats.calibration().get(2).weight()).isZero();
  }

  @Test
  void aZeroWeightRowWithInfiniteLossContributesNothing() {
    // (1, 1), (2, 1), (+∞, 0): mean 3/2; n_eff = 4/2 = 2; s² = (2·5 − 9)/(4 − 2) = 1/2,
    // s²/n_eff = 1/4, so the interval is 3/2 ± z/2.
    AuditStats stats =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(1, 1, true, 0, 0.9)
            .addSoftmax(2, 1, false, 1, 0.6)
            .addSoftmax(INF, 0, false, 2, 0.6)
            .result();
    assertSameDouble(stats.meanLoss(), 1.5, "mean");
    double z = WEIGHTED.z();
    assertWithinUlps(stats.meanLossCi()[0], 1.5 - z / 2, 4, "lower");
    assertWithinUlps(stats.meanLossCi()[1], 1.5 + z / 2, 4, "upper");
  }

  @Test
  void aPositiveWeightWithInfiniteLossMakesTheMeanInfiniteAndItsIntervalUndefined() {
    AuditStats stats =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(1, 1, true, 0, 0.9)
            .addSoftmax(INF, 1e-300, false, 1, 0.6)
            .addSoftmax(2, 3, true, 0, 0.9)
            .result();
    assertSameDouble(stats.meanLoss(), INF, "mean");
    assertThat(stats.meanLossCi()).isNull();
    // The accuracy is unaffected: (1 + 3)/(4 + 1e-300).
    assertThat(stats.accuracyCi()).isNotNull();
    assertSameDouble(stats.accuracy(), 4 / (4 + 1e-300), "accuracy");
  }

  @Test
  void unweightedInfiniteLossesGiveTheInfiniteMeanOfTheLossStats() {
    AuditStats stats =
        new AuditAccumulator(UNWEIGHTED)
            .addSoftmax(INF, 1, false, 1, 0.5)
            .addSoftmax(0.5, 1, true, 0, 0.5)
            .result();
    assertSameDouble(stats.meanLoss(), INF, "mean");
    assertSameDouble(stats.lossStats().meanLoss(), INF, "loss stats mean");
    assertThat(stats.lossStats().rowsInfiniteLoss()).isEqualTo(1);
    assertThat(stats.meanLossCi()).isNull();
    assertSameDouble(stats.accuracy(), 0.5, "accuracy");
  }

  @Test
  void zeroTotalWeightLeavesEveryWeightedNumberUndefined() {
    AuditStats stats =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(1, 0, true, 0, 0.9)
            .addSoftmax(INF, 0, false, 3, 0.2)
            .result();
    assertSameDouble(stats.weightSum(), 0, "W");
    assertSameDouble(stats.effectiveSampleSize(), Double.NaN, "n_eff");
    assertSameDouble(stats.meanLoss(), Double.NaN, "mean");
    assertSameDouble(stats.accuracy(), Double.NaN, "accuracy");
    stats.topKAccuracy().values().forEach(v -> assertSameDouble(v, Double.NaN, "top-k"));
    assertThat(stats.topKAccuracy()).containsOnlyKeys(1, 2, 5);
    assertThat(stats.meanLossCi()).isNull();
    assertThat(stats.accuracyCi()).isNull();
    assertSameDouble(stats.ece(), Double.NaN, "ece");
    assertSameDouble(stats.mce(), Double.NaN, "mce");
    assertThat(stats.calibration()).allSatisfy(b -> assertThat(b.meanConfidence()).isNaN());
    // The rows are still scored rows of the loss stats.
    assertThat(stats.lossStats().rowsScored()).isEqualTo(2);
  }

  @Test
  void oneRowHasNoMeanIntervalButAWilsonInterval() {
    AuditStats stats = new AuditAccumulator(UNWEIGHTED).addSoftmax(0.7, 1, true, 0, 0.8).result();
    assertSameDouble(stats.meanLoss(), 0.7, "mean");
    assertThat(stats.meanLossCi()).isNull();
    // p̂ = 1, n = 1: (1 + z²/2 ± z·sqrt(z²/4))/(1 + z²) = [1/(1 + z²), 1].
    double z = UNWEIGHTED.z();
    assertWithinUlps(stats.accuracyCi()[0], 1 / (1 + z * z), 8, "lower");
    assertSameDouble(stats.accuracyCi()[1], 1.0, "upper");
  }

  @Test
  void aWeightedLossBeyondTheLargestDoubleCountsAsInfinite() {
    // ω·l = 4·1e308 overflows: the mean is +∞ (documented), not NaN from inf − inf in the fma.
    AuditStats stats =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(1e308, 4, true, 0, 0.9)
            .addSoftmax(1, 1, true, 0, 0.9)
            .result();
    assertSameDouble(stats.meanLoss(), INF, "mean");
    assertThat(stats.meanLossCi()).isNull();
    // l² = 1e200 overflows in S2 only: the mean is finite, its interval undefined.
    AuditStats square =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(1e200, 1, true, 0, 0.9)
            .addSoftmax(1e200, 1, true, 0, 0.9)
            .result();
    assertSameDouble(square.meanLoss(), 1e200, "mean");
    assertThat(square.meanLossCi()).isNull();
  }

  @Test
  void aWeightWhoseSquareOverflowsLeavesTheEffectiveSizeUndefined() {
    // ω² = 1e400 overflows Σω²: n_eff is NaN and neither interval is defined; the means are not
    // affected.
    AuditStats stats =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(1, 1e200, true, 0, 0.9)
            .addSoftmax(3, 1e200, false, 1, 0.9)
            .result();
    assertSameDouble(stats.weightSquareSum(), INF, "Q");
    assertSameDouble(stats.effectiveSampleSize(), Double.NaN, "n_eff");
    assertSameDouble(stats.meanLoss(), 2.0, "mean");
    assertSameDouble(stats.accuracy(), 0.5, "accuracy");
    assertThat(stats.meanLossCi()).isNull();
    assertThat(stats.accuracyCi()).isNull();
  }

  @Test
  void anAccuracyOfZeroHasAWilsonIntervalFromZero() {
    // p̂ = 0, n = 3: the lower end (z²/6 − z·sqrt(z²/36))/(1 + z²/3) is 0, clipped at 0 against
    // rounding; the upper end is (z²/3)/(1 + z²/3).
    AuditAccumulator acc = new AuditAccumulator(UNWEIGHTED);
    for (int i = 0; i < 3; i++) {
      acc.addSoftmax(2, 1, false, 1, 0.5);
    }
    double[] ci = acc.result().accuracyCi();
    double z2 = UNWEIGHTED.z() * UNWEIGHTED.z();
    assertThat(ci[0]).isBetween(0.0, 1e-16);
    assertWithinUlps(ci[1], (z2 / 3) / (1 + z2 / 3), 8, "upper");
  }

  @Test
  void aDominantWeightWidensTheIntervalAndAllWeightOnOneRowLeavesItUndefined() {
    // ω = 3, 1 and l = 1, 2: mean 5/4, v = Σω(l−μ)²/W = 3/16, n_eff = 16/10 = 1.6,
    // s² = v·n_eff/(n_eff − 1) = 1/2, se = sqrt(s²/n_eff) = sqrt(5)/4.
    AuditStats stats =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(1, 3, true, 0, 0.9)
            .addSoftmax(2, 1, true, 0, 0.9)
            .result();
    assertSameDouble(stats.effectiveSampleSize(), 1.6, "n_eff");
    // z = Φ⁻¹(0.975) = 1.959963984540054 (mpmath: sqrt(2)·erfinv(0.95)).
    double half = 1.959963984540054 * Math.sqrt(5) / 4;
    assertThat(stats.meanLossCi()[0]).isCloseTo(1.25 - half, within(1e-15));
    assertThat(stats.meanLossCi()[1]).isCloseTo(1.25 + half, within(1e-15));
    assertThat(stats.meanLossStandardError()).isCloseTo(Math.sqrt(5) / 4, within(1e-16));
    assertThat(stats.accuracyCi()).isNotNull();
    // ω = 1, 0: n_eff = 1, and s² divides by n_eff − 1 = 0.
    AuditStats one =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(1, 1, true, 0, 0.9)
            .addSoftmax(2, 0, true, 0, 0.9)
            .result();
    assertSameDouble(one.effectiveSampleSize(), 1.0, "n_eff");
    assertThat(one.meanLossCi()).isNull();
    assertThat(one.meanLossStandardError()).isNaN();
  }

  @Test
  void onlyIgnoredAndInvalidRowsLeaveEverythingUndefined() {
    AuditStats stats =
        new AuditAccumulator(UNWEIGHTED)
            .addUnscored(Reason.IGNORED)
            .addUnscored(Reason.IGNORED)
            .addUnscored(Reason.BAD_WEIGHT)
            .addUnscored(Reason.NAN_LOGIT)
            .result();
    LossStats loss = stats.lossStats();
    assertThat(loss.rows()).isEqualTo(4);
    assertThat(loss.rowsIgnored()).isEqualTo(2);
    assertThat(loss.rowsInvalid()).isEqualTo(2);
    assertThat(loss.invalidByReason()).containsEntry("bad_weight", 1L).doesNotContainKey("ignored");
    assertThat(loss.rowsScored()).isZero();
    assertSameDouble(stats.weightSum(), 0, "W");
    assertSameDouble(stats.meanLoss(), Double.NaN, "mean");
    assertSameDouble(stats.accuracy(), Double.NaN, "accuracy");
    assertThat(stats.meanLossCi()).isNull();
    assertThat(stats.accuracyCi()).isNull();
    assertSameDouble(stats.ece(), Double.NaN, "ece");
    assertThat(stats.calibration()).allSatisfy(b -> assertThat(b.count()).isZero());
  }

  @Test
  void anEmptyAccumulatorHasAllBinsEmpty() {
    AuditStats stats = new AuditAccumulator(AuditSpec.defaults()).result();
    assertThat(stats.calibration()).hasSize(15);
    assertThat(stats.lossStats().rows()).isZero();
    assertSameDouble(stats.mce(), Double.NaN, "mce");
  }

  // ---- calibration bins on their edges ----

  /** The bin of one sigmoid element of probability p, read back from the counts. */
  private static int binOf(double p, int bins) {
    AuditStats stats =
        new AuditAccumulator(new AuditSpec(false, new int[0], bins, 0.95))
            .addSigmoidElement(p, 1, 1)
            .result();
    int found = -1;
    for (CalibrationBin bin : stats.calibration()) {
      if (bin.count() == 1) {
        assertThat(found).as("p = %s in two bins", p).isEqualTo(-1);
        found = bin.bin();
      }
    }
    return found;
  }

  /** The rule from exact rational arithmetic: max(0, ⌈p·B⌉ − 1), at most B − 1. */
  private static int exactBin(double p, int bins) {
    int ceiling =
        new BigDecimal(p)
            .multiply(BigDecimal.valueOf(bins))
            .setScale(0, RoundingMode.CEILING)
            .intValueExact();
    return Math.min(bins - 1, Math.max(0, ceiling - 1));
  }

  @Test
  void edgesOfFourBinsBelongToTheBinBelowThemAndZeroToTheFirst() {
    assertThat(binOf(0.0, 4)).isZero();
    assertThat(binOf(Double.MIN_VALUE, 4)).isZero();
    assertThat(binOf(0.25, 4)).isZero();
    assertThat(binOf(Math.nextUp(0.25), 4)).isEqualTo(1);
    assertThat(binOf(0.5, 4)).isEqualTo(1);
    assertThat(binOf(Math.nextUp(0.5), 4)).isEqualTo(2);
    assertThat(binOf(0.75, 4)).isEqualTo(2);
    assertThat(binOf(Math.nextDown(0.75), 4)).isEqualTo(2);
    assertThat(binOf(Math.nextUp(0.75), 4)).isEqualTo(3);
    assertThat(binOf(1.0, 4)).isEqualTo(3);
  }

  @Test
  void theDoublesNearestTheEdgesOfFifteenBinsFollowTheExactProduct() {
    int differsFromRoundedProduct = 0;
    for (int b = 0; b <= 15; b++) {
      double edge = (double) b / 15; // the double nearest b/15
      for (double p : new double[] {edge, Math.nextUp(edge), Math.nextDown(edge)}) {
        if (p < 0 || p > 1) {
          continue;
        }
        assertThat(binOf(p, 15)).as("bin of %s (≈ %d/15)", p, b).isEqualTo(exactBin(p, 15));
        int naive = Math.min(14, Math.max(0, (int) Math.ceil(p * 15) - 1));
        if (naive != exactBin(p, 15)) {
          differsFromRoundedProduct++;
        }
      }
    }
    // 3/15, 6/15, 7/15, 12/15, 13/15 and 14/15 round to doubles above the edge whose product with
    // 15 rounds back onto it: the test would not notice a rule that used the rounded product.
    assertThat(differsFromRoundedProduct).isGreaterThanOrEqualTo(6);
  }

  @Test
  void randomProbabilitiesFollowTheExactRuleForAnyNumberOfBins() {
    forEachSeed(
        0xA0D1_0001L,
        2000,
        random -> {
          int bins = random.nextInt(1, 200);
          double p =
              random.nextBoolean()
                  ? random.nextDouble()
                  : (double) random.nextInt(0, bins + 1) / bins;
          assertThat(binOf(p, bins)).as("p = %s, B = %d", p, bins).isEqualTo(exactBin(p, bins));
        });
  }

  // ---- sigmoid rows ----

  @Test
  void sigmoidRowsHaveNoAccuracyAndCalibrateTheirElements() {
    AuditSpec spec = new AuditSpec(true, new int[] {1}, 2, 0.95);
    AuditStats stats =
        new AuditAccumulator(spec)
            .addSigmoid(0.4, 1)
            .addSigmoidElement(0.2, 0, 1)
            .addSigmoidElement(0.3, 1, 1)
            .addSigmoid(1.2, 2)
            .addSigmoidElement(0.9, 0.5, 2)
            .result();
    assertSameDouble(stats.accuracy(), Double.NaN, "accuracy");
    assertSameDouble(stats.topKAccuracy().get(1), Double.NaN, "top-1");
    assertThat(stats.accuracyCi()).isNull();
    assertThat(stats.lossStats().rowsCorrect()).isZero();
    // mean = (0.4 + 2·1.2)/3, exactly, rounded once.
    assertSameDouble(
        stats.meanLoss(),
        exact(
            dec(0.4)
                .add(dec(1.2).multiply(BigDecimal.valueOf(2)))
                .divide(BigDecimal.valueOf(3), new java.math.MathContext(60))),
        "mean");
    // Bin 0 (0, 1/2]: 0.2 and 0.3, targets 0 and 1; bin 1: 0.9 with target 0.5 and weight 2.
    CalibrationBin low = stats.calibration().get(0);
    assertThat(low.count()).isEqualTo(2);
    assertSameDouble(
        low.meanConfidence(),
        exact(dec(0.2).add(dec(0.3)).divide(BigDecimal.valueOf(2))),
        "conf 0");
    assertSameDouble(low.accuracy(), 0.5, "acc 0");
    CalibrationBin high = stats.calibration().get(1);
    assertSameDouble(high.weight(), 2, "weight 1");
    assertSameDouble(high.meanConfidence(), 0.9, "conf 1");
    assertSameDouble(high.accuracy(), 0.5, "acc 1");
    // ECE = (|1 − (0.2 + 0.3)| + |2·0.5 − 2·0.9|)/4; MCE = |0.5 − 0.9|.
    BigDecimal gaps =
        BigDecimal.ONE
            .subtract(dec(0.2).add(dec(0.3)))
            .abs()
            .add(BigDecimal.ONE.subtract(dec(0.9).multiply(BigDecimal.valueOf(2))).abs());
    assertSameDouble(stats.ece(), exact(gaps.divide(BigDecimal.valueOf(4))), "ece");
    assertSameDouble(stats.mce(), exact(dec(0.9).subtract(BigDecimal.valueOf(0.5))), "mce");
  }

  @Test
  void softmaxAndSigmoidRowsCannotBeMixed() {
    AuditAccumulator softmax = new AuditAccumulator(WEIGHTED).addSoftmax(1, 1, true, 0, 0.5);
    assertThatThrownBy(() -> softmax.addSigmoid(1, 1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot audit sigmoid rows together with softmax rows");
    AuditAccumulator sigmoid = new AuditAccumulator(WEIGHTED).addSigmoidElement(0.5, 1, 1);
    assertThatThrownBy(() -> sigmoid.merge(softmax))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("softmax");
    // An accumulator without scored rows merges with either.
    AuditAccumulator empty = new AuditAccumulator(WEIGHTED).addUnscored(Reason.NULL_INPUT);
    assertThat(empty.merge(softmax).result().accuracy()).isEqualTo(1.0);
  }

  // ---- validation ----

  @Test
  void invalidInputsAreRejectedWithTheirValue() {
    AuditAccumulator weighted = new AuditAccumulator(WEIGHTED);
    assertThatThrownBy(() -> weighted.addSoftmax(Double.NaN, 1, true, 0, 0.5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("loss NaN");
    assertThatThrownBy(() -> weighted.addSoftmax(-1, 1, true, 0, 0.5))
        .hasMessageContaining("loss -1.0");
    assertThatThrownBy(() -> weighted.addSoftmax(1, -0.5, true, 0, 0.5))
        .hasMessageContaining("weight -0.5");
    assertThatThrownBy(() -> weighted.addSoftmax(1, INF, true, 0, 0.5))
        .hasMessageContaining("weight Infinity");
    assertThatThrownBy(() -> weighted.addSoftmax(1, 1, true, 2, 0.5))
        .hasMessageContaining("rank 2");
    assertThatThrownBy(() -> weighted.addSoftmax(1, 1, false, 0, 0.5))
        .hasMessageContaining("rank 0");
    assertThatThrownBy(() -> weighted.addSoftmax(1, 1, false, -1, 0.5))
        .hasMessageContaining("rank -1");
    assertThatThrownBy(() -> weighted.addSoftmax(1, 1, true, 0, 0.0))
        .hasMessageContaining("confidence 0.0");
    assertThatThrownBy(() -> weighted.addSoftmax(1, 1, true, 0, 1.5))
        .hasMessageContaining("confidence 1.5");
    assertThatThrownBy(() -> new AuditAccumulator(UNWEIGHTED).addSoftmax(1, 2, true, 0, 0.5))
        .hasMessageContaining("weight 2.0 to an unweighted audit");
    assertThatThrownBy(() -> weighted.addUnscored(Reason.OK)).hasMessageContaining("reason OK");
    AuditAccumulator sigmoid = new AuditAccumulator(WEIGHTED);
    assertThatThrownBy(() -> sigmoid.addSigmoidElement(1.5, 0, 1))
        .hasMessageContaining("probability 1.5");
    assertThatThrownBy(() -> sigmoid.addSigmoidElement(0.5, Double.NaN, 1))
        .hasMessageContaining("target NaN");
    assertThatThrownBy(() -> sigmoid.addSigmoidElement(0.5, 0, -1))
        .hasMessageContaining("weight -1.0");
    // Nothing was counted by the rejected calls.
    assertThat(weighted.result().lossStats().rows()).isZero();
  }

  @Test
  void accumulatorsOfDifferentSpecsCannotBeMerged() {
    assertThatThrownBy(() -> new AuditAccumulator(WEIGHTED).merge(new AuditAccumulator(UNWEIGHTED)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Cannot merge audits of different specs");
  }

  // ---- the loss histogram ----

  /** The bin that holds a loss, by the edges the result reports. */
  private static int binHolding(AuditStats stats, double loss) {
    for (LossBin bin : stats.lossHistogram()) {
      if (bin.count() > 0 && loss >= bin.lower() && (loss < bin.upper() || loss == INF)) {
        return bin.bin();
      }
    }
    return -1;
  }

  @Test
  void theLossBinEdgesAreZeroThenEveryOctaveFromTwoToTheMinusFortyToTwoToTheTenThenInfinity() {
    List<LossBin> bins = new AuditAccumulator(UNWEIGHTED).result().lossHistogram();
    assertThat(bins).hasSize(52);
    assertThat(bins.get(0).lower()).isEqualTo(0.0);
    // 2^−40 = 1/1,099,511,627,776 exactly.
    assertThat(new BigDecimal(bins.get(0).upper()))
        .isEqualByComparingTo(BigDecimal.ONE.divide(new BigDecimal(1L << 40)));
    assertThat(bins.get(41).lower()).isEqualTo(1.0);
    assertThat(bins.get(50).lower()).isEqualTo(512.0);
    assertThat(bins.get(51).lower()).isEqualTo(1024.0);
    assertThat(bins.get(51).upper()).isEqualTo(INF);
    for (int b = 0; b < 52; b++) {
      assertThat(bins.get(b).bin()).isEqualTo(b);
      assertThat(bins.get(b).count()).as("count of empty bin %d", b).isZero();
      if (b > 0) {
        assertThat(bins.get(b).lower()).as("lower %d", b).isEqualTo(bins.get(b - 1).upper());
      }
      if (b > 0 && b < 51) {
        assertThat(bins.get(b).upper()).as("octave %d", b).isEqualTo(2 * bins.get(b).lower());
      }
    }
  }

  @Test
  void knownLossesFallInTheBinOfTheirBinaryExponent() {
    // Bin of l = ⌊log2 l⌋ + 41, clamped to [0, 51]: 1e−20 ≈ 2^−66.4 and the smallest subnormal
    // go to 0 with l = 0; 2^−40 opens bin 1; nextDown(0.5) = 0.5 − 2^−54 has ⌊log2⌋ = −2; 0.5
    // = 2^−1 → 40; 1 → 41; 3 in [2, 4) → 42; nextDown(1024) → 50; 1024 and +∞ → 51.
    double[] losses = {
      0.0,
      Double.MIN_VALUE,
      1e-20,
      0x1p-40,
      Math.nextDown(0.5),
      0.5,
      1.0,
      3.0,
      Math.nextDown(1024.0),
      1024.0,
      1e300,
      INF
    };
    int[] expected = {0, 0, 0, 1, 39, 40, 41, 42, 50, 51, 51, 51};
    for (int i = 0; i < losses.length; i++) {
      AuditStats stats =
          new AuditAccumulator(UNWEIGHTED).addSoftmax(losses[i], 1, true, 0, 0.5).result();
      assertThat(binHolding(stats, losses[i]))
          .as("bin of loss %s", losses[i])
          .isEqualTo(expected[i]);
      assertThat(stats.lossHistogram().get(expected[i]).count())
          .as("count, loss %s", losses[i])
          .isEqualTo(1);
      assertThat(stats.lossHistogram().stream().mapToLong(LossBin::count).sum()).isEqualTo(1);
    }
  }

  @Test
  void theHistogramCountsEveryScoredRowAndOnlyThose() {
    AuditStats stats =
        new AuditAccumulator(UNWEIGHTED)
            .addSoftmax(0.5, 1, true, 0, 0.9)
            .addSoftmax(0.75, 1, true, 0, 0.9)
            .addSoftmax(3, 1, false, 2, 0.4)
            .addUnscored(Reason.NAN_LOGIT)
            .addUnscored(Reason.IGNORED)
            .result();
    List<LossBin> bins = stats.lossHistogram();
    // 0.5 and 0.75 are both in [1/2, 1), 3 in [2, 4); unweighted, a bin's weight is its count.
    assertThat(bins.get(40).count()).isEqualTo(2);
    assertThat(bins.get(40).weight()).isEqualTo(2.0);
    assertThat(bins.get(42).count()).isEqualTo(1);
    assertThat(bins.stream().mapToLong(LossBin::count).sum()).isEqualTo(3);
  }

  @Test
  void aWeightedHistogramSumsTheWeightsOfItsBinAndCountsZeroWeights() {
    AuditStats stats =
        new AuditAccumulator(WEIGHTED)
            .addSoftmax(0.5, 2, true, 0, 0.9)
            .addSoftmax(0.6, 0.25, true, 0, 0.9)
            .addSoftmax(0.5, 1, true, 0, 0.9)
            .addSoftmax(3, 0, false, 1, 0.9)
            .addSoftmax(INF, 0.1, false, 1, 0.9)
            .result();
    List<LossBin> bins = stats.lossHistogram();
    assertThat(bins.get(40).count()).isEqualTo(3);
    assertThat(bins.get(40).weight()).isEqualTo(3.25);
    assertThat(bins.get(42).count()).isEqualTo(1);
    assertThat(bins.get(42).weight()).isEqualTo(0.0);
    assertThat(bins.get(51).count()).isEqualTo(1);
    assertThat(bins.get(51).weight()).isEqualTo(0.1);
  }

  @Test
  void sigmoidRowsAreCountedByTheirRowLossNotByElement() {
    AuditStats stats =
        new AuditAccumulator(UNWEIGHTED)
            .addSigmoid(1.5, 1)
            .addSigmoidElement(0.2, 0, 1)
            .addSigmoidElement(0.7, 1, 1)
            .result();
    assertThat(stats.lossHistogram().get(41).count()).isEqualTo(1);
    assertThat(stats.lossHistogram().stream().mapToLong(LossBin::count).sum()).isEqualTo(1);
  }

  /**
   * Sigmoid elements of weight 1 added a row at a time go through a 128-bit fixed point before the
   * exact sums: the same bytes as single elements, over many flushes (bins full of values near 1,
   * which fill its high word fastest), tiny values that bypass it, zeros, and exact bin edges.
   */
  @Test
  void sigmoidElementsInRowsGiveTheSameStateAsSingleElements() throws IOException {
    assertRowsGiveTheStateOfSingleElements(
        99,
        4,
        3_000,
        40,
        0,
        random ->
            switch (random.nextInt(8)) {
              case 0 -> 1.0;
              case 1 -> Math.nextDown(1.0);
              case 2 -> 0.0;
              case 3 -> 0.25 * random.nextInt(5);
              case 4 -> Math.scalb(1.0 + random.nextDouble(), random.nextInt(-1074, -60));
              default -> random.nextDouble();
            },
        random ->
            switch (random.nextInt(5)) {
              case 0 -> 0.0;
              case 1 -> 1.0;
              case 2 -> Math.scalb(random.nextDouble(), -random.nextInt(0, 1075));
              default -> random.nextDouble();
            });
  }

  /**
   * As above, with rows wider than a sink's block (512), targets at an offset, and values shaped
   * like real sigmoid rows (σ of Gaussian logits, hard and soft targets, a rare one far below the
   * fixed point's range); 15 bins, so bins fill and flush often.
   */
  @Test
  void sigmoidElementsInWideRowsGiveTheSameStateAsSingleElements() throws IOException {
    assertRowsGiveTheStateOfSingleElements(
        98,
        15,
        400,
        1500,
        2,
        random -> {
          int kind = random.nextInt(2_400);
          if (kind == 0) {
            return Math.scalb(1.0, -random.nextInt(102, 1075));
          } else if (kind <= 400) {
            return random.nextInt(16) / 15.0;
          } else if (kind <= 800) {
            return Math.scalb(1.0 + random.nextDouble(), -random.nextInt(1, 102));
          }
          return 1 / (1 + Math.exp(-3 * random.nextGaussian()));
        },
        random -> random.nextInt(3) == 0 ? random.nextInt(2) : random.nextDouble());
  }

  /**
   * A bin's slot takes the most when every value has the largest significand: bins full of
   * nextDown(1) (2^53 − 1 in one slot) across many flushes, and of 1.0 beside them.
   */
  @Test
  void fullSlotsOfLargestSignificandsGiveTheSameStateAsSingleElements() throws IOException {
    assertRowsGiveTheStateOfSingleElements(
        97, 1, 60, 400, 1, random -> Math.nextDown(1.0), random -> Math.nextDown(1.0));
    assertRowsGiveTheStateOfSingleElements(
        96,
        2,
        60,
        400,
        0,
        random -> random.nextBoolean() ? 1.0 : Math.nextDown(1.0),
        random -> random.nextInt(4) == 0 ? 1.0 : Math.nextDown(1.0));
  }

  /** With more bins than the slot sums are kept for, rows of weight 1 go to the exact sums. */
  @Test
  void sigmoidElementsOverManyBinsGiveTheSameStateAsSingleElements() throws IOException {
    assertRowsGiveTheStateOfSingleElements(
        95, 5_000, 200, 300, 3, SplittableRandom::nextDouble, SplittableRandom::nextDouble);
  }

  /**
   * The same once the kernels have switched to SIMD, where rows go through {@link
   * VectorCalibration}'s split: the tests above may run before the switch.
   */
  @Test
  void sigmoidElementsThroughTheSimdSplitGiveTheSameStateAsSingleElements()
      throws IOException, InterruptedException {
    SimdSwitch.awaitSimd();
    sigmoidElementsInRowsGiveTheSameStateAsSingleElements();
    sigmoidElementsInWideRowsGiveTheSameStateAsSingleElements();
    fullSlotsOfLargestSignificandsGiveTheSameStateAsSingleElements();
  }

  /**
   * Rows of 1 … {@code maxWidth − 1} sigmoid elements of weight 1 (targets from {@code from} on),
   * added a row at a time to one accumulator and one by one to another: the same bytes and result.
   */
  private static void assertRowsGiveTheStateOfSingleElements(
      long seed,
      int bins,
      int rowCount,
      int maxWidth,
      int from,
      ToDoubleFunction<SplittableRandom> probability,
      ToDoubleFunction<SplittableRandom> target)
      throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    AuditSpec spec = new AuditSpec(false, new int[0], bins, 0.95);
    AuditAccumulator single = new AuditAccumulator(spec);
    AuditAccumulator rows = new AuditAccumulator(spec);
    for (int row = 0; row < rowCount; row++) {
      int n = random.nextInt(1, maxWidth);
      double[] p = new double[n];
      double[] t = new double[from + n];
      for (int i = 0; i < n; i++) {
        p[i] = probability.applyAsDouble(random);
        t[from + i] = target.applyAsDouble(random);
        single.addSigmoidElement(p[i], t[from + i], 1.0);
      }
      rows.addSigmoidElements(p, t, from, n, 1.0);
      single.addSigmoid(1.0, 1.0);
      rows.addSigmoid(1.0, 1.0);
    }
    assertThat(bytesOf(rows)).isEqualTo(bytesOf(single));
    assertThat(rows.result()).isEqualTo(single.result());
  }

  @Test
  void sigmoidElementsInRowsAreCheckedLikeSingleOnes() {
    AuditAccumulator acc = new AuditAccumulator(AuditSpec.defaults());
    assertThatThrownBy(
            () -> acc.addSigmoidElements(new double[] {0.5, 1.5}, new double[] {0, 1}, 0, 2, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot add a sigmoid element of probability 1.5: it must be in [0, 1]");
    assertThatThrownBy(
            () -> acc.addSigmoidElements(new double[] {0.5}, new double[] {9, -0.5}, 1, 1, 1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot add a sigmoid element of target -0.5: it must be in [0, 1]");
    assertThatThrownBy(
            () -> acc.addSigmoidElements(new double[] {0.5}, new double[] {1}, 0, 1, -1.0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot add a sigmoid element of weight -1.0: it must be finite and ≥ 0");
  }

  // ---- the merge law and the compact form ----

  /** One row of a random data set: softmax (rank, confidence), sigmoid (elements), or unscored. */
  private record Row(
      Reason reason, double loss, double weight, int rank, double confidence, double[] elements) {
    void addTo(AuditAccumulator acc) {
      addTo(acc, false);
    }

    /** With {@code batch}, a sigmoid row's elements go in one addSigmoidElements call. */
    void addTo(AuditAccumulator acc, boolean batch) {
      if (!reason.isOk()) {
        acc.addUnscored(reason);
      } else if (elements == null) {
        acc.addSoftmax(loss, weight, rank == 0, rank, confidence);
      } else {
        acc.addSigmoid(loss, weight);
        if (batch) {
          int n = elements.length / 2;
          double[] p = new double[n];
          double[] t = new double[n + 1];
          for (int i = 0; i < n; i++) {
            p[i] = elements[2 * i];
            t[i + 1] = elements[2 * i + 1];
          }
          acc.addSigmoidElements(p, t, 1, n, weight);
        } else {
          for (int i = 0; i < elements.length; i += 2) {
            acc.addSigmoidElement(elements[i], elements[i + 1], weight);
          }
        }
      }
    }
  }

  private static double randomProbability(SplittableRandom random, int bins) {
    return switch (random.nextInt(6)) {
      case 0 -> (double) random.nextInt(0, bins + 1) / bins; // on an edge
      case 1 -> Math.exp(-random.nextDouble(0, 40)); // tiny
      case 2 -> 1.0;
      default -> random.nextDouble();
    };
  }

  /** Random rows of one kind; losses are at most 700 or +∞ (see AuditStats on losses above 700). */
  private static List<Row> randomRows(SplittableRandom random, AuditSpec spec, boolean softmax) {
    Reason[] reasons = Reason.values();
    List<Row> rows = new ArrayList<>();
    for (int n = random.nextInt(0, 300); n > 0; n--) {
      Reason reason = random.nextInt(5) == 0 ? reasons[random.nextInt(reasons.length)] : Reason.OK;
      double loss =
          switch (random.nextInt(40)) {
            case 0 -> INF;
            case 1 -> 0.0;
            case 2 -> Math.exp(-random.nextDouble(20, 50));
            case 3 -> random.nextDouble(100, 700);
            default -> Math.abs(random.nextGaussian() * 3);
          };
      double weight = 1.0;
      if (spec.weighted()) {
        weight =
            switch (random.nextInt(8)) {
              case 0 -> 0.0;
              case 1 -> Math.scalb(random.nextDouble(), random.nextInt(-60, 60));
              default -> random.nextDouble() * 5;
            };
      }
      double[] elements = null;
      int rank = 0;
      double confidence = 0;
      if (softmax) {
        rank = random.nextInt(3) == 0 ? 0 : random.nextInt(1, 12);
        confidence = Math.max(Double.MIN_VALUE, randomProbability(random, spec.calibrationBins()));
      } else {
        elements = new double[2 * random.nextInt(1, 5)];
        for (int i = 0; i < elements.length; i += 2) {
          elements[i] = randomProbability(random, spec.calibrationBins());
          elements[i + 1] = random.nextBoolean() ? random.nextInt(2) : random.nextDouble();
        }
      }
      rows.add(new Row(reason, loss, weight, rank, confidence, elements));
    }
    return rows;
  }

  private static AuditSpec randomSpec(SplittableRandom random) {
    int[][] ks = {{}, {1}, {1, 5}, {2, 3, 10}};
    return new AuditSpec(
        random.nextBoolean(),
        ks[random.nextInt(ks.length)],
        random.nextInt(1, 21),
        new double[] {0.9, 0.95, 0.99}[random.nextInt(3)]);
  }

  private static byte[] bytesOf(AuditAccumulator acc) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      acc.writeTo(out);
    }
    return bytes.toByteArray();
  }

  private static AuditAccumulator roundTrip(AuditAccumulator acc) throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytesOf(acc)));
    AuditAccumulator copy = AuditAccumulator.readFrom(in);
    assertThat(in.read()).as("bytes left").isEqualTo(-1);
    return copy;
  }

  private static AuditAccumulator onePass(AuditSpec spec, List<Row> rows) {
    AuditAccumulator acc = new AuditAccumulator(spec);
    rows.forEach(r -> r.addTo(acc));
    return acc;
  }

  /** k random pieces (some empty), some written and read back, merged pairwise in random order. */
  private static AuditAccumulator splitAndMerge(
      AuditSpec spec, List<Row> rows, SplittableRandom random) throws IOException {
    int k = random.nextInt(1, 21);
    List<AuditAccumulator> pieces = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      pieces.add(new AuditAccumulator(spec));
    }
    for (Row r : rows) {
      // The batch form of sigmoid elements in the pieces, single elements in the one pass.
      r.addTo(pieces.get(random.nextInt(k)), random.nextBoolean());
    }
    while (pieces.size() > 1) {
      AuditAccumulator into = pieces.remove(random.nextInt(pieces.size()));
      AuditAccumulator from = pieces.remove(random.nextInt(pieces.size()));
      pieces.add(into.merge(random.nextInt(3) == 0 ? roundTrip(from) : from));
    }
    return pieces.get(0);
  }

  private static void assertSameBits(double actual, double expected, String what) {
    assertThat(Double.doubleToRawLongBits(actual))
        .as("%s: %s vs one pass %s", what, actual, expected)
        .isEqualTo(Double.doubleToRawLongBits(expected));
  }

  private static void assertSameBits(double[] actual, double[] expected, String what) {
    if (expected == null) {
      assertThat(actual).as(what).isNull();
      return;
    }
    assertThat(actual).as(what).hasSize(2);
    assertSameBits(actual[0], expected[0], what + " lower");
    assertSameBits(actual[1], expected[1], what + " upper");
  }

  /** Every field, as raw bits. */
  static void assertSameStats(AuditStats actual, AuditStats expected) {
    assertThat(actual.lossStats()).isEqualTo(expected.lossStats());
    assertSameBits(actual.weightSum(), expected.weightSum(), "weightSum");
    assertSameBits(actual.weightSquareSum(), expected.weightSquareSum(), "weightSquareSum");
    assertSameBits(actual.effectiveSampleSize(), expected.effectiveSampleSize(), "n_eff");
    assertSameBits(actual.meanLoss(), expected.meanLoss(), "meanLoss");
    assertSameBits(actual.meanLossCi(), expected.meanLossCi(), "meanLossCi");
    assertSameBits(actual.accuracy(), expected.accuracy(), "accuracy");
    assertSameBits(actual.accuracyCi(), expected.accuracyCi(), "accuracyCi");
    assertThat(actual.topKAccuracy().keySet()).isEqualTo(expected.topKAccuracy().keySet());
    expected
        .topKAccuracy()
        .forEach((k, v) -> assertSameBits(actual.topKAccuracy().get(k), v, "top-" + k));
    assertThat(actual.calibration()).hasSameSizeAs(expected.calibration());
    for (int b = 0; b < expected.calibration().size(); b++) {
      CalibrationBin x = actual.calibration().get(b);
      CalibrationBin y = expected.calibration().get(b);
      assertThat(x.count()).as("count %d", b).isEqualTo(y.count());
      assertSameBits(x.weight(), y.weight(), "weight " + b);
      assertSameBits(x.meanConfidence(), y.meanConfidence(), "confidence " + b);
      assertSameBits(x.accuracy(), y.accuracy(), "accuracy " + b);
      assertSameBits(x.lower(), y.lower(), "lower " + b);
      assertSameBits(x.upper(), y.upper(), "upper " + b);
    }
    assertSameBits(actual.ece(), expected.ece(), "ece");
    assertSameBits(actual.mce(), expected.mce(), "mce");
    assertThat(actual.lossHistogram()).hasSize(LossBin.BINS);
    for (int b = 0; b < LossBin.BINS; b++) {
      LossBin x = actual.lossHistogram().get(b);
      LossBin y = expected.lossHistogram().get(b);
      assertThat(x.count()).as("loss bin %d count", b).isEqualTo(y.count());
      assertSameBits(x.weight(), y.weight(), "loss bin " + b + " weight");
    }
    assertThat(actual).isEqualTo(expected);
  }

  @Test
  void anySplitMergedInAnyOrderEqualsOnePassBitForBit() {
    forEachSeed(
        0xA0D1_0002L,
        300,
        random -> {
          AuditSpec spec = randomSpec(random);
          List<Row> rows = randomRows(random, spec, random.nextInt(3) > 0);
          AuditStats expected = onePass(spec, rows).result();
          assertSameStats(splitAndMerge(spec, rows, random).result(), expected);
          if (!spec.weighted()) {
            assertSameBits(expected.meanLoss(), expected.lossStats().meanLoss(), "unweighted mean");
            if (!Double.isNaN(expected.accuracy())) {
              assertSameBits(
                  expected.accuracy(), expected.lossStats().accuracy(), "unweighted accuracy");
            }
            assertSameBits(
                expected.weightSum(), expected.lossStats().rowsScored(), "unweighted Σω");
          }
        });
  }

  @Test
  void aWrittenAccumulatorIsReadBackEqualAndMergesLikeTheOriginal() {
    forEachSeed(
        0xA0D1_0003L,
        200,
        random -> {
          AuditSpec spec = randomSpec(random);
          boolean softmax = random.nextBoolean();
          AuditAccumulator original = onePass(spec, randomRows(random, spec, softmax));
          AuditAccumulator copy = roundTrip(original);
          assertThat(copy.spec()).isEqualTo(spec);
          assertSameStats(copy.result(), original.result());
          List<Row> more = randomRows(random, spec, softmax);
          assertSameStats(
              onePass(spec, more).merge(copy).result(),
              onePass(spec, more).merge(original).result());
        });
  }

  @Test
  void javaSerializationUsesTheCompactForm() throws IOException, ClassNotFoundException {
    AuditAccumulator original = new AuditAccumulator(WEIGHTED);
    SplittableRandom random = new SplittableRandom(7);
    randomRows(random, WEIGHTED, true).forEach(r -> r.addTo(original));
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(original);
    }
    AuditAccumulator copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (AuditAccumulator) in.readObject();
    }
    assertSameStats(copy.result(), original.result());
    // The compact bytes plus a class descriptor; 17 exact sums as 68 longs would be 9 KB.
    assertThat(bytes.size()).isLessThan(bytesOf(original).length + 300);
  }

  @Test
  void theCompactFormOfATypicalAccumulatorTakesAFewHundredBytes() throws IOException {
    // 1000 unweighted rows, losses |N(0, 2)|, 15 bins, top-1 and top-5: 3 + 5 + 2 + 3·15 = 55 exact
    // sums, 29,920 bytes as 68-limb arrays. ExactSum.writeTo takes 13 bytes (flags, the count, the
    // limb range) plus 4 a limb spanned by the addends' bits: e^−loss down to e^−20 and the
    // two-product halves of ω·p reach 2^−140 or so, 5 limbs, so about 33 bytes a sum (measured:
    // 1209 bytes in all).
    AuditSpec spec = AuditSpec.defaults();
    AuditAccumulator acc = new AuditAccumulator(spec);
    SplittableRandom random = new SplittableRandom(20261203);
    for (int i = 0; i < 1000; i++) {
      int rank = random.nextInt(3) == 0 ? random.nextInt(1, 8) : 0;
      acc.addSoftmax(
          Math.abs(random.nextGaussian() * 2), 1, rank == 0, rank, random.nextDouble(0.05, 1));
    }
    int size = bytesOf(acc).length;
    assertThat(size).as("bytes").isLessThan(1500);
    // A small partition: ten rows fill at most ten bins, each empty one takes two bytes (measured:
    // 736; an empty accumulator 236, of which 41 are the log-sum-exp state and 130 the ten empty
    // exact sums).
    AuditAccumulator small = new AuditAccumulator(spec);
    for (int i = 0; i < 10; i++) {
      small.addSoftmax(0.5 + i, 1, i % 2 == 0, i % 2, 0.5 + i / 20.0);
    }
    assertThat(bytesOf(small).length).as("bytes of ten rows").isLessThan(900);
    assertThat(bytesOf(new AuditAccumulator(spec)).length).as("bytes of none").isLessThan(300);
  }

  @Test
  void aCorruptFormIsRejected() {
    assertThatThrownBy(
            () ->
                AuditAccumulator.readFrom(
                    new DataInputStream(new ByteArrayInputStream(new byte[] {9}))))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("format 9");
  }
}
