package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * ExactSum against BigDecimal, and the merge law of every accumulator: accumulating random pieces
 * separately and merging them in a random order equals one pass.
 */
class AccumulatorsTest {
  private static final long SEED = 0xACC0_2026L;

  /** Random doubles over the whole exponent range, subnormals, zeros and both signs. */
  private static double randomDouble(SplittableRandom random) {
    return switch (random.nextInt(5)) {
      case 0 ->
          Double.longBitsToDouble(random.nextLong() & 0x7FEF_FFFF_FFFF_FFFFL)
              * (random.nextBoolean() ? 1 : -1);
      case 1 -> random.nextGaussian();
      case 2 -> Double.MIN_VALUE * random.nextInt(1 << 20) * (random.nextBoolean() ? 1 : -1);
      case 3 -> random.nextBoolean() ? 0.0 : -0.0;
      default -> random.nextDouble() * 1e10;
    };
  }

  @Test
  void exactSumIsTheCorrectlyRoundedExactSum() {
    SplittableRandom seeds = new SplittableRandom(SEED);
    for (int trial = 0; trial < 200; trial++) {
      long seed = seeds.nextLong();
      SplittableRandom random = new SplittableRandom(seed);
      ExactSum sum = new ExactSum();
      BigDecimal exact = BigDecimal.ZERO;
      int n = random.nextInt(1, 500);
      for (int i = 0; i < n; i++) {
        double v = randomDouble(random);
        sum.add(v);
        exact = exact.add(new BigDecimal(v));
      }
      assertThat(sum.exact()).as("seed %d", seed).isEqualByComparingTo(exact);
      assertThat(sum.sum()).as("seed %d", seed).isEqualTo(exact.doubleValue());
      BigDecimal mean = exact.divide(BigDecimal.valueOf(n), MathContext.DECIMAL128);
      assertThat(sum.mean(n)).as("seed %d", seed).isEqualTo(mean.doubleValue());
    }
  }

  @Test
  void exactSumCancelsWithoutLoss() {
    ExactSum sum = new ExactSum();
    sum.add(1e308);
    sum.add(1.0);
    sum.add(-1e308);
    assertThat(sum.sum()).isEqualTo(1.0);
    ExactSum tiny = new ExactSum();
    tiny.add(Double.MIN_VALUE);
    tiny.add(1.0);
    tiny.add(-1.0);
    assertThat(tiny.sum()).isEqualTo(Double.MIN_VALUE);
    ExactSum tenths = new ExactSum();
    for (int i = 0; i < 10; i++) {
      tenths.add(0.1);
    }
    // Ten times the double nearest 0.1 is 1.0000000000000000555…, which rounds to 1.0.
    assertThat(tenths.sum()).isEqualTo(1.0);
  }

  @Test
  void exactSumOverflowsOnlyWhenTheExactSumDoes() {
    ExactSum sum = new ExactSum();
    sum.add(Double.MAX_VALUE);
    sum.add(Double.MAX_VALUE);
    assertThat(sum.sum()).isEqualTo(Double.POSITIVE_INFINITY);
    sum.add(-Double.MAX_VALUE);
    assertThat(sum.sum()).isEqualTo(Double.MAX_VALUE);
    assertThat(sum.mean(3)).isEqualTo(Double.MAX_VALUE / 3);
  }

  @Test
  void exactSumNonFiniteRules() {
    ExactSum sum = new ExactSum();
    sum.add(1);
    sum.add(Double.POSITIVE_INFINITY);
    assertThat(sum.sum()).isEqualTo(Double.POSITIVE_INFINITY);
    sum.add(Double.NEGATIVE_INFINITY);
    assertThat(sum.sum()).isNaN();
    ExactSum negative = new ExactSum();
    negative.add(Double.NEGATIVE_INFINITY);
    assertThat(negative.mean(1)).isEqualTo(Double.NEGATIVE_INFINITY);
    ExactSum nan = new ExactSum();
    nan.add(Double.NaN);
    assertThat(nan.sum()).isNaN();
    assertThat(new ExactSum().sum()).isZero();
    assertThat(new ExactSum().mean(0)).isNaN();
  }

  @Test
  void exactSumSurvivesManyAdditionsOfTheLargestValue() {
    // 2^31 + 3 additions pass the carry-folding threshold (2^30) twice.
    ExactSum sum = new ExactSum();
    for (long i = 0; i < (1L << 31) + 3; i++) {
      sum.add(1.0);
    }
    assertThat(sum.sum()).isEqualTo((double) ((1L << 31) + 3));
  }

  /**
   * Splits values into k random pieces (possibly empty), accumulates each, merges in random order.
   */
  private static <A> A mergedInRandomOrder(
      double[] values,
      SplittableRandom random,
      Supplier<A> fresh,
      java.util.function.ObjDoubleConsumer<A> add,
      java.util.function.BiConsumer<A, A> merge) {
    int pieces = random.nextInt(1, 21);
    List<A> parts = new ArrayList<>();
    for (int i = 0; i < pieces; i++) {
      parts.add(fresh.get());
    }
    for (double v : values) {
      add.accept(parts.get(random.nextInt(pieces)), v);
    }
    Collections.shuffle(parts, new java.util.Random(random.nextLong()));
    A total = fresh.get();
    for (A part : parts) {
      merge.accept(total, part);
    }
    return total;
  }

  private static double[] randomValues(SplittableRandom random, boolean losses) {
    double[] values = new double[random.nextInt(0, 400)];
    for (int i = 0; i < values.length; i++) {
      values[i] = losses ? Math.abs(random.nextGaussian() * 3) : randomDouble(random);
    }
    return values;
  }

  @Test
  void exactSumMergeLaw() {
    SplittableRandom seeds = new SplittableRandom(SEED + 1);
    for (int trial = 0; trial < 200; trial++) {
      long seed = seeds.nextLong();
      SplittableRandom random = new SplittableRandom(seed);
      double[] values = randomValues(random, false);
      ExactSum onePass = new ExactSum();
      for (double v : values) {
        onePass.add(v);
      }
      ExactSum merged =
          mergedInRandomOrder(values, random, ExactSum::new, ExactSum::add, ExactSum::merge);
      assertThat(merged).as("seed %d", seed).isEqualTo(onePass);
      assertThat(merged.sum()).as("seed %d", seed).isEqualTo(onePass.sum());
    }
  }

  @Test
  void logSumExpAccumulatorMergeLawAndAgreementWithTheKernel() {
    SplittableRandom seeds = new SplittableRandom(SEED + 2);
    for (int trial = 0; trial < 200; trial++) {
      long seed = seeds.nextLong();
      SplittableRandom random = new SplittableRandom(seed);
      double[] values = new double[random.nextInt(1, 400)];
      double scale = Math.pow(10, random.nextInt(0, 4));
      for (int i = 0; i < values.length; i++) {
        values[i] = random.nextGaussian() * scale;
      }
      LogSumExpAccumulator onePass = new LogSumExpAccumulator();
      for (double v : values) {
        onePass.add(v);
      }
      LogSumExpAccumulator merged =
          mergedInRandomOrder(
              values,
              random,
              LogSumExpAccumulator::new,
              LogSumExpAccumulator::add,
              LogSumExpAccumulator::merge);
      double expected = LogSumExp.logSumExp(values);
      // Merging rescales by exp(m_old − m_new): agreement to a few ulps of the max shift.
      double tolerance = 1e-14 * Math.max(1, Math.abs(expected));
      assertThat(onePass.result()).as("seed %d", seed).isCloseTo(expected, within(tolerance));
      assertThat(merged.result()).as("seed %d", seed).isCloseTo(expected, within(tolerance));
      assertThat(merged.count()).isEqualTo(values.length);
    }
  }

  @Test
  void logSumExpAccumulatorNonFiniteRulesAndSerialization() throws IOException {
    LogSumExpAccumulator empty = new LogSumExpAccumulator();
    assertThat(empty.result()).isEqualTo(Double.NEGATIVE_INFINITY);
    LogSumExpAccumulator masked = new LogSumExpAccumulator();
    masked.add(Double.NEGATIVE_INFINITY);
    assertThat(masked.result()).isEqualTo(Double.NEGATIVE_INFINITY);
    LogSumExpAccumulator infinite = new LogSumExpAccumulator();
    infinite.add(1);
    infinite.add(Double.POSITIVE_INFINITY);
    infinite.add(2);
    assertThat(infinite.result()).isEqualTo(Double.POSITIVE_INFINITY);
    LogSumExpAccumulator nan = new LogSumExpAccumulator();
    nan.add(Double.POSITIVE_INFINITY);
    nan.add(Double.NaN);
    assertThat(nan.result()).isNaN();
    LogSumExpAccumulator state = new LogSumExpAccumulator();
    state.add(3);
    state.add(-1);
    state.add(2.5);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    state.writeTo(new DataOutputStream(bytes));
    LogSumExpAccumulator copy =
        LogSumExpAccumulator.readFrom(
            new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(copy.result()).isEqualTo(state.result());
    assertThat(copy.count()).isEqualTo(3);
    // log(e^3 + e^−1 + e^2.5) = 3 + log1p(e^−4 + e^−0.5).
    assertThat(state.result())
        .isCloseTo(3 + Math.log1p(Math.exp(-4) + Math.exp(-0.5)), within(1e-15));
  }

  @Test
  void lossStatsMergeLaw() {
    SplittableRandom seeds = new SplittableRandom(SEED + 3);
    Reason[] reasons = Reason.values();
    for (int trial = 0; trial < 100; trial++) {
      long seed = seeds.nextLong();
      SplittableRandom random = new SplittableRandom(seed);
      int n = random.nextInt(0, 300);
      Reason[] rowReasons = new Reason[n];
      double[] losses = new double[n];
      boolean[] correct = new boolean[n];
      for (int i = 0; i < n; i++) {
        rowReasons[i] =
            random.nextInt(4) == 0 ? reasons[random.nextInt(reasons.length)] : Reason.OK;
        losses[i] =
            random.nextInt(50) == 0 ? Double.POSITIVE_INFINITY : Math.abs(random.nextGaussian());
        correct[i] = random.nextBoolean();
      }
      LossStatsAccumulator onePass = new LossStatsAccumulator();
      int pieces = random.nextInt(1, 21);
      List<LossStatsAccumulator> parts = new ArrayList<>();
      for (int p = 0; p < pieces; p++) {
        parts.add(new LossStatsAccumulator());
      }
      for (int i = 0; i < n; i++) {
        onePass.add(rowReasons[i], losses[i], correct[i]);
        parts.get(random.nextInt(pieces)).add(rowReasons[i], losses[i], correct[i]);
      }
      Collections.shuffle(parts, new java.util.Random(random.nextLong()));
      LossStatsAccumulator merged = new LossStatsAccumulator();
      parts.forEach(merged::merge);
      LossStats expected = onePass.result();
      LossStats actual = merged.result();
      assertThat(actual.rowsByReason()).as("seed %d", seed).isEqualTo(expected.rowsByReason());
      assertThat(actual.meanLoss()).as("seed %d", seed).isEqualTo(expected.meanLoss());
      assertThat(actual.accuracy()).as("seed %d", seed).isEqualTo(expected.accuracy());
      assertThat(actual.rowsInfiniteLoss()).isEqualTo(expected.rowsInfiniteLoss());
      assertThat(actual.logMeanTrueProbability())
          .as("seed %d", seed)
          .isCloseTo(expected.logMeanTrueProbability(), within(1e-14));
    }
  }

  @Test
  void lossStatsOfAHandExample() {
    LossStatsAccumulator acc = new LossStatsAccumulator();
    acc.add(Reason.OK, 0.5, true)
        .add(Reason.OK, 1.5, false)
        .add(Reason.OK, Double.POSITIVE_INFINITY, false)
        .add(Reason.NAN_LOGIT, Double.NaN, true)
        .add(Reason.NULL_INPUT, 7, true);
    LossStats stats = acc.result();
    assertThat(stats.rows()).isEqualTo(5);
    assertThat(stats.rowsScored()).isEqualTo(3);
    assertThat(stats.rowsInvalid()).isEqualTo(2);
    assertThat(stats.rowsWith(Reason.NAN_LOGIT)).isEqualTo(1);
    assertThat(stats.invalidByReason())
        .containsEntry("null_input", 1L)
        .containsEntry("all_masked", 0L)
        .doesNotContainKey("ok");
    assertThat(stats.rowsInfiniteLoss()).isEqualTo(1);
    // Only valid rows count for accuracy: 1 of 3.
    assertThat(stats.accuracy()).isEqualTo(1.0 / 3);
    assertThat(stats.meanLoss()).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(stats.perplexity()).isEqualTo(Double.POSITIVE_INFINITY);
    // log((e^−0.5 + e^−1.5 + 0)/3).
    assertThat(stats.logMeanTrueProbability())
        .isCloseTo(Math.log((Math.exp(-0.5) + Math.exp(-1.5)) / 3), within(1e-15));

    LossStats finite =
        new LossStatsAccumulator().add(Reason.OK, 0.5, true).add(Reason.OK, 1.5, true).result();
    assertThat(finite.meanLoss()).isEqualTo(1.0);
    assertThat(finite.perplexity()).isEqualTo(Math.E);
    LossStats none = new LossStatsAccumulator().add(Reason.EMPTY_LOGITS, 0, false).result();
    assertThat(none.accuracy()).isNaN();
    assertThat(none.meanLoss()).isNaN();
    assertThat(none.logMeanTrueProbability()).isNaN();
  }

  @Test
  void theLogMeanTrueProbabilityKeepsTinyAndHugeLossesPrecise() {
    // Losses of 1e-20: log(mean e^−loss) = log1p(expm1(−1e-20)) = −1e-20, not 0.
    LossStatsAccumulator tiny = new LossStatsAccumulator();
    for (int i = 0; i < 1000; i++) {
      tiny.add(Reason.OK, 1e-20, true);
    }
    assertThat(tiny.result().logMeanTrueProbability()).isCloseTo(-1e-20, within(1e-34));
    // Losses of 1000 and 1001: e^−1000 underflows, so the log-sum-exp state answers:
    // log((e^−1000 + e^−1001)/2) = −1000 + log1p(e^−1) − ln 2.
    LossStatsAccumulator huge = new LossStatsAccumulator().add(Reason.OK, 1000, false);
    huge.add(Reason.OK, 1001, false);
    assertThat(huge.result().logMeanTrueProbability())
        .isCloseTo(-1000 + Math.log1p(Math.exp(-1)) - Math.log(2), within(1e-12));
    // In between, the exact sum of e^−loss: log((e^−3 + e^−5)/2).
    LossStatsAccumulator middle = new LossStatsAccumulator().add(Reason.OK, 3, false);
    middle.add(Reason.OK, 5, false);
    assertThat(middle.result().logMeanTrueProbability())
        .isCloseTo(Math.log((Math.exp(-3) + Math.exp(-5)) / 2), within(1e-15));
  }
}
