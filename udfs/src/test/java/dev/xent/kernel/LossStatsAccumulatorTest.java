package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.EPS;
import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.assertWithinUlps;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LossStatsAccumulator} and {@link LossStats}: counts by reason, accuracy, mean loss,
 * perplexity and the log mean true probability of small hand examples against their closed forms,
 * and the merge law.
 */
class LossStatsAccumulatorTest {
  private static final double INF = Double.POSITIVE_INFINITY;

  /** Three valid rows (one with a masked label), two invalid ones. */
  private static LossStats handExample() {
    return new LossStatsAccumulator()
        .add(Reason.OK, 0.5, true)
        .add(Reason.OK, 1.5, false)
        .add(Reason.OK, INF, false)
        .add(Reason.NAN_LOGIT, Double.NaN, true)
        .add(Reason.LABEL_OUT_OF_RANGE, 7.0, true)
        .result();
  }

  @Test
  void rowsAreCountedByReason() {
    LossStats stats = handExample();
    assertThat(stats.rows()).isEqualTo(5);
    assertThat(stats.rowsScored()).isEqualTo(3);
    assertThat(stats.rowsInvalid()).isEqualTo(2);
    assertThat(stats.rowsWith(Reason.NAN_LOGIT)).isEqualTo(1);
    assertThat(stats.rowsWith(Reason.LABEL_OUT_OF_RANGE)).isEqualTo(1);
    assertThat(stats.rowsWith(Reason.ALL_MASKED)).isZero();
    long[] expected = new long[Reason.values().length];
    expected[Reason.OK.ordinal()] = 3;
    expected[Reason.NAN_LOGIT.ordinal()] = 1;
    expected[Reason.LABEL_OUT_OF_RANGE.ordinal()] = 1;
    assertThat(stats.rowsByReason()).containsExactly(expected);
  }

  @Test
  void invalidByReasonListsEveryCodeButOkAndIgnoredInDeclarationOrder() {
    List<String> codes =
        Arrays.stream(Reason.values()).filter(Reason::isInvalid).map(Reason::code).toList();
    assertThat(handExample().invalidByReason())
        .containsOnlyKeys(codes)
        .containsEntry("nan_logit", 1L)
        .containsEntry("label_out_of_range", 1L)
        .containsEntry("null_input", 0L);
    assertThat(handExample().invalidByReason().keySet()).containsExactlyElementsOf(codes);
  }

  @Test
  void theRowCountsOfAResultCannotBeChangedFromOutside() {
    LossStats stats = handExample();
    stats.rowsByReason()[Reason.OK.ordinal()] = 1000;
    assertThat(stats.rowsScored()).isEqualTo(3);
  }

  @Test
  void onlyValidRowsCountForAccuracy() {
    // Correct: 1 of the 3 valid rows; the invalid rows flagged correct are ignored.
    assertThat(handExample().rowsCorrect()).isEqualTo(1);
    assertThat(handExample().accuracy()).isEqualTo(1.0 / 3);
  }

  @Test
  void aMaskedLabelRowIsCountedAsAnInfiniteLoss() {
    assertThat(handExample().rowsInfiniteLoss()).isEqualTo(1);
  }

  @Test
  void anInfiniteLossMakesTheMeanAndPerplexityInfinite() {
    assertSameDouble(handExample().meanLoss(), INF, "mean");
    assertSameDouble(handExample().perplexity(), INF, "perplexity");
  }

  @Test
  void theLogMeanTrueProbabilityCountsAnInfiniteLossAsProbabilityZero() {
    // log((e^−0.5 + e^−1.5 + e^−∞)/3) = log((e^−0.5 + e^−1.5)/3).
    double expected = Math.log((Math.exp(-0.5) + Math.exp(-1.5)) / 3);
    assertWithinUlps(handExample().logMeanTrueProbability(), expected, 4, "log mean p");
  }

  @Test
  void theLossesOfInvalidRowsAreIgnored() {
    // A NaN loss on an invalid row must not reach the sum.
    LossStats stats =
        new LossStatsAccumulator()
            .add(Reason.OK, 0.25, true)
            .add(Reason.NAN_LABEL, Double.NaN, false)
            .add(Reason.EMPTY_LOGITS, INF, false)
            .result();
    assertSameDouble(stats.meanLoss(), 0.25, "mean");
    assertThat(stats.rowsInfiniteLoss()).isZero();
  }

  @Test
  void theMeanLossIsTheExactMean() {
    // (0.5 + 1.5)/2 = 1 exactly; and the ten 0.1s that naive summation gets wrong.
    LossStats stats =
        new LossStatsAccumulator().add(Reason.OK, 0.5, true).add(Reason.OK, 1.5, true).result();
    assertSameDouble(stats.meanLoss(), 1.0, "mean of 0.5 and 1.5");
    LossStatsAccumulator tenths = new LossStatsAccumulator();
    for (int i = 0; i < 10; i++) {
      tenths.add(Reason.OK, 0.1, false);
    }
    // Σ = 1.000000000000000055511…, mean 0.1000000000000000055511… = the double 0.1.
    assertSameDouble(tenths.result().meanLoss(), 0.1, "mean of ten 0.1");
  }

  @Test
  void thePerplexityIsTheExponentialOfTheMeanLoss() {
    LossStats stats =
        new LossStatsAccumulator().add(Reason.OK, 0.5, true).add(Reason.OK, 1.5, true).result();
    // exp(1) = e.
    assertWithinUlps(stats.perplexity(), Math.E, 1, "perplexity");
  }

  @Test
  void theLogMeanTrueProbabilityOfTwoRowsMatchesItsClosedForm() {
    // Losses ln 2 and ln 4: true probabilities 1/2 and 1/4, mean 3/8.
    LossStats stats =
        new LossStatsAccumulator()
            .add(Reason.OK, Math.log(2), true)
            .add(Reason.OK, Math.log(4), false)
            .result();
    assertWithinUlps(stats.logMeanTrueProbability(), Math.log(3.0 / 8), 4, "log(3/8)");
  }

  @Test
  void aRowBeyondTheExactRangeStillCountsInTheLogMeanTrueProbability() {
    // Losses 690 (p = e^−690, an exact-sum row) and 705 (beyond e^−700, a log-sum-exp row):
    // log((e^−690 + e^−705)/2) = −690 + log1p(e^−15) − ln 2, each term rounded once.
    LossStats stats =
        new LossStatsAccumulator().add(Reason.OK, 690, true).add(Reason.OK, 705, false).result();
    double expected = -690 + Math.log1p(Math.exp(-15)) - Math.log(2);
    assertWithinUlps(stats.logMeanTrueProbability(), expected, 4, "log mean p");
  }

  @Test
  void rowsThatAreAllBeyondTheExactRangeHaveTheirLogMeanTrueProbability() {
    // log((e^−800 + e^−1000)/2) = −800 + log1p(e^−200) − ln 2: e^−800 underflows to 0 in double.
    LossStats stats =
        new LossStatsAccumulator().add(Reason.OK, 800, true).add(Reason.OK, 1000, false).result();
    double expected = -800 + Math.log1p(Math.exp(-200)) - Math.log(2);
    assertWithinUlps(stats.logMeanTrueProbability(), expected, 4, "log mean p");
  }

  @Test
  void aFarRowAmongTinyLossesCountsAsProbabilityZeroInTheDeficit() {
    // Three losses of 1e-20 and one of 800: mean p = (3·e^−1e-20 + e^−800)/4, whose log is
    // log1p((3·expm1(−1e-20) − 1 + e^−800)/4) = log(3/4) − 1e-20 to far below an ulp.
    LossStatsAccumulator accumulator = new LossStatsAccumulator();
    for (int i = 0; i < 3; i++) {
      accumulator.add(Reason.OK, 1e-20, true);
    }
    accumulator.add(Reason.OK, 800, false);
    assertWithinUlps(accumulator.result().logMeanTrueProbability(), Math.log(0.75), 2, "log(3/4)");
  }

  @Test
  void rowsThatAreAllInfiniteLossHaveLogMeanTrueProbabilityMinusInfinity() {
    LossStats stats =
        new LossStatsAccumulator().add(Reason.OK, INF, false).add(Reason.OK, INF, false).result();
    assertSameDouble(stats.logMeanTrueProbability(), Double.NEGATIVE_INFINITY, "log 0");
    assertThat(stats.rowsInfiniteLoss()).isEqualTo(2);
  }

  @Test
  void withoutValidRowsAccuracyMeanAndLogMeanAreNaN() {
    LossStats stats =
        new LossStatsAccumulator()
            .add(Reason.EMPTY_LOGITS, 0.0, true)
            .add(Reason.NULL_INPUT, 1.0, true)
            .result();
    assertThat(stats.accuracy()).isNaN();
    assertThat(stats.meanLoss()).isNaN();
    assertThat(stats.perplexity()).isNaN();
    assertThat(stats.logMeanTrueProbability()).isNaN();
    assertThat(stats.rowsInvalid()).isEqualTo(2);
  }

  @Test
  void anEmptyAccumulatorHasNoRows() {
    LossStats stats = new LossStatsAccumulator().result();
    assertThat(stats.rows()).isZero();
    assertThat(stats.accuracy()).isNaN();
    assertThat(stats.meanLoss()).isNaN();
  }

  // ---- the merge law ----

  /** One scored row of a random data set. */
  private record Row(Reason reason, double loss, boolean correct) {}

  /** Random rows; with {@code far}, also losses above {@link LossStatsAccumulator#FAR_LOSS}. */
  private static List<Row> randomRows(SplittableRandom random, boolean far) {
    Reason[] reasons = Reason.values();
    List<Row> rows = new ArrayList<>();
    for (int n = random.nextInt(0, 400); n > 0; n--) {
      Reason reason = random.nextInt(4) == 0 ? reasons[random.nextInt(reasons.length)] : Reason.OK;
      double loss =
          switch (random.nextInt(60)) {
            case 0 -> INF;
            case 1 -> 0.0;
            case 2 -> Math.exp(-random.nextDouble(20, 50)); // tiny losses
            case 3 -> far ? random.nextDouble(690, 900) : 1.0; // around and beyond e^−700
            default -> Math.abs(random.nextGaussian() * 3);
          };
      rows.add(new Row(reason, loss, random.nextBoolean()));
    }
    return rows;
  }

  private static LossStatsAccumulator onePass(List<Row> rows) {
    LossStatsAccumulator acc = new LossStatsAccumulator();
    rows.forEach(r -> acc.add(r.reason(), r.loss(), r.correct()));
    return acc;
  }

  /** Splits rows into k random pieces (some possibly empty), merged pairwise in random order. */
  private static LossStatsAccumulator splitAndMerge(List<Row> rows, SplittableRandom random) {
    int k = random.nextInt(1, 21);
    List<LossStatsAccumulator> pieces = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      pieces.add(new LossStatsAccumulator());
    }
    for (Row r : rows) {
      pieces.get(random.nextInt(k)).add(r.reason(), r.loss(), r.correct());
    }
    while (pieces.size() > 1) {
      LossStatsAccumulator into = pieces.remove(random.nextInt(pieces.size()));
      into.merge(pieces.remove(random.nextInt(pieces.size())));
      pieces.add(into);
    }
    return pieces.get(0);
  }

  @Test
  void anySplitMergedInAnyOrderHasTheSameCountsMeanAndAccuracyAsOnePass() {
    forEachSeed(
        0x1055_0001L,
        300,
        random -> {
          List<Row> rows = randomRows(random, true);
          LossStats expected = onePass(rows).result();
          LossStats actual = splitAndMerge(rows, random).result();
          assertThat(actual.rowsByReason()).containsExactly(expected.rowsByReason());
          assertThat(actual.rowsInfiniteLoss()).isEqualTo(expected.rowsInfiniteLoss());
          assertThat(actual.rowsCorrect()).isEqualTo(expected.rowsCorrect());
          assertSameDouble(actual.meanLoss(), expected.meanLoss(), "mean loss");
          assertSameDouble(actual.accuracy(), expected.accuracy(), "accuracy");
          assertSameDouble(actual.perplexity(), expected.perplexity(), "perplexity");
        });
  }

  @Test
  void anySplitMergedInAnyOrderHasTheLogMeanTrueProbabilityOfOnePassToAFewUlps() {
    // Rows with a loss above 700 are held by a LogSumExpAccumulator, whose merges rescale with exp
    // (see its javadoc).
    forEachSeed(
        0x1055_0002L,
        300,
        random -> {
          List<Row> rows = randomRows(random, true);
          double expected = onePass(rows).result().logMeanTrueProbability();
          double actual = splitAndMerge(rows, random).result().logMeanTrueProbability();
          if (Double.isFinite(expected)) {
            assertThat(actual).isCloseTo(expected, within(8 * EPS + 2 * Math.ulp(expected)));
          } else {
            assertSameDouble(actual, expected, "non-finite");
          }
        });
  }

  @Test
  void anySplitMergedInAnyOrderEqualsOnePass() {
    forEachSeed(
        0x1055_0003L,
        300,
        random -> {
          // Without losses above 700 every number is an exact sum: equal to the last bit.
          List<Row> rows = randomRows(random, false);
          LossStats expected = onePass(rows).result();
          LossStats actual = splitAndMerge(rows, random).result();
          assertThat(actual)
              .as(
                  "log mean true probability %s vs one pass %s",
                  actual.logMeanTrueProbability(), expected.logMeanTrueProbability())
              .isEqualTo(expected);
        });
  }

  @Test
  void aWrittenAccumulatorIsReadBackWithTheSameResultAndMerges() {
    forEachSeed(
        0x1055_0004L,
        200,
        random -> {
          List<Row> rows = randomRows(random, true);
          LossStatsAccumulator original = onePass(rows);
          ByteArrayOutputStream bytes = new ByteArrayOutputStream();
          original.writeTo(new DataOutputStream(bytes));
          LossStatsAccumulator copy =
              LossStatsAccumulator.readFrom(
                  new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
          assertThat(copy.result()).isEqualTo(original.result());
          LossStatsAccumulator more = new LossStatsAccumulator().add(Reason.OK, 0.25, true);
          LossStatsAccumulator expected = new LossStatsAccumulator().add(Reason.OK, 0.25, true);
          assertThat(more.merge(copy).result()).isEqualTo(expected.merge(original).result());
          // Counts as varints and exact sums as their limbs in use. The widest sum is Σ e^−loss
          // over losses up to 700: bits 2^−1063 … 2^0, 34 limbs, 136 bytes; the three limb arrays
          // alone would be 3 × 544 bytes.
          assertThat(bytes.size()).isLessThanOrEqualTo(400);
        });
  }
}
