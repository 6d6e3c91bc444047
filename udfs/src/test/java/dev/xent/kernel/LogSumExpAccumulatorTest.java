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
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link LogSumExpAccumulator}: the non-finite rules of its javadoc, agreement with {@link
 * LogSumExp} on the whole array, and the merge law, which for this accumulator holds to a few ulps
 * of the sum, not bit for bit (merging rescales by exp(m_old − m_new)).
 */
class LogSumExpAccumulatorTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;

  private static LogSumExpAccumulator of(double... values) {
    LogSumExpAccumulator acc = new LogSumExpAccumulator();
    for (double v : values) {
      acc.add(v);
    }
    return acc;
  }

  private static LogSumExpAccumulator merged(LogSumExpAccumulator a, LogSumExpAccumulator b) {
    a.merge(b);
    return a;
  }

  @Test
  void noValuesGiveMinusInfinity() {
    // log of the empty sum.
    assertSameDouble(new LogSumExpAccumulator().result(), -INF, "empty");
    assertThat(new LogSumExpAccumulator().count()).isZero();
  }

  @Test
  void onlyMinusInfinityGivesMinusInfinity() {
    assertSameDouble(of(-INF, -INF).result(), -INF, "all −∞");
  }

  @Test
  void anyNaNGivesNaN() {
    assertThat(of(1.0, NAN, 2.0).result()).isNaN();
    assertThat(of(INF, NAN).result()).isNaN();
    assertThat(of(NAN, INF).result()).isNaN();
    assertThat(of(NAN, -INF).result()).isNaN();
  }

  @Test
  void plusInfinityWithoutNaNGivesPlusInfinity() {
    assertSameDouble(of(1.0, INF, 2.0).result(), INF, "finite around +∞");
    assertSameDouble(of(INF, -INF).result(), INF, "+∞ then −∞");
    assertSameDouble(of(-INF, INF, INF).result(), INF, "two +∞");
  }

  @Test
  void minusInfinityValuesContributeNothing() {
    assertSameDouble(of(-INF, 2.5, -INF).result(), 2.5, "[−∞, 2.5, −∞] is [2.5]");
  }

  @Test
  void theCountIncludesNaNAndMinusInfinity() {
    assertThat(of(1.0, NAN, -INF, INF, -INF).count()).isEqualTo(5);
  }

  @Test
  void aSingleValueIsItsOwnLogSumExp() {
    for (double x : new double[] {0.0, 1.5, -700.25, Double.MAX_VALUE, -Double.MAX_VALUE}) {
      assertSameDouble(of(x).result(), x, "single " + x);
    }
    // log e^−0 = log 1 = +0.0.
    assertSameDouble(of(-0.0).result(), 0.0, "single −0.0");
  }

  @Test
  void threeValuesMatchTheirClosedForm() {
    // log(e^3 + e^−1 + e^2.5) = 3 + log1p(e^−4 + e^−0.5), whatever the order of arrival.
    double expected = 3 + Math.log1p(Math.exp(-4) + Math.exp(-0.5));
    assertWithinUlps(of(3, -1, 2.5).result(), expected, 2, "3, −1, 2.5");
    assertWithinUlps(of(-1, 2.5, 3).result(), expected, 2, "−1, 2.5, 3");
  }

  @Test
  void mergingAnEmptyAccumulatorChangesNothing() {
    double alone = of(3, -1, 2.5).result();
    assertSameDouble(merged(of(3, -1, 2.5), new LogSumExpAccumulator()).result(), alone, "right");
    assertSameDouble(merged(new LogSumExpAccumulator(), of(3, -1, 2.5)).result(), alone, "left");
    assertSameDouble(merged(of(3, -1, 2.5), of(-INF)).result(), alone, "all-masked right");
  }

  @Test
  void mergingKeepsTheNonFiniteRules() {
    assertThat(merged(of(1.0), of(NAN)).result()).isNaN();
    assertThat(merged(of(INF), of(NAN)).result()).isNaN();
    assertSameDouble(merged(of(1.0), of(INF)).result(), INF, "finite ⊕ +∞");
    assertSameDouble(merged(of(INF), of(1.0)).result(), INF, "+∞ ⊕ finite");
    assertSameDouble(merged(of(-INF), of(-INF)).result(), -INF, "−∞ ⊕ −∞");
  }

  @Test
  void mergingAddsTheCounts() {
    assertThat(merged(of(1, 2, NAN), of(-INF, 4)).count()).isEqualTo(5);
  }

  @Test
  void mergingTwoHalvesMatchesTheClosedForm() {
    // log(e^0 + e^−50 + e^1 + e^−60) = 1 + log1p(e^−1 + e^−51 + e^−61).
    double expected = 1 + Math.log1p(Math.exp(-1) + Math.exp(-51) + Math.exp(-61));
    assertWithinUlps(merged(of(0, -50), of(1, -60)).result(), expected, 2, "small ⊕ large");
    assertWithinUlps(merged(of(1, -60), of(0, -50)).result(), expected, 2, "large ⊕ small");
  }

  @Test
  void aWrittenStateIsReadBackExactly() throws IOException {
    LogSumExpAccumulator state = of(3, -1, 2.5, -INF);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    state.writeTo(new DataOutputStream(bytes));
    LogSumExpAccumulator copy =
        LogSumExpAccumulator.readFrom(
            new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertSameDouble(copy.result(), state.result(), "result");
    assertThat(copy.count()).isEqualTo(state.count());
    // The whole state came back: further updates agree bit for bit.
    copy.add(7.25);
    state.add(7.25);
    assertSameDouble(copy.result(), state.result(), "after one more value");
  }

  @Test
  void aWrittenNaNStateIsReadBackAsNaN() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    of(1.0, NAN).writeTo(new DataOutputStream(bytes));
    LogSumExpAccumulator copy =
        LogSumExpAccumulator.readFrom(
            new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
    assertThat(copy.result()).isNaN();
  }

  // ---- seeded properties ----

  private static double[] randomValues(SplittableRandom random) {
    double[] values = new double[random.nextInt(0, 400)];
    double scale = Math.pow(10, random.nextInt(0, 4));
    for (int i = 0; i < values.length; i++) {
      values[i] =
          random.nextInt(50) == 0 ? Double.NEGATIVE_INFINITY : random.nextGaussian() * scale;
    }
    return values;
  }

  /** Splits values into k random pieces (some possibly empty), merged pairwise in random order. */
  private static LogSumExpAccumulator splitAndMerge(double[] values, SplittableRandom random) {
    int k = random.nextInt(1, 21);
    List<LogSumExpAccumulator> pieces = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      pieces.add(new LogSumExpAccumulator());
    }
    for (double v : values) {
      pieces.get(random.nextInt(k)).add(v);
    }
    while (pieces.size() > 1) {
      LogSumExpAccumulator into = pieces.remove(random.nextInt(pieces.size()));
      into.merge(pieces.remove(random.nextInt(pieces.size())));
      pieces.add(into);
    }
    return pieces.get(0);
  }

  /** 1e-14 relative to max(1, |result|): the agreement promised for the aggregate. */
  private static double aggregateTolerance(double result) {
    return Double.isFinite(result) ? 1e-14 * Math.max(1, Math.abs(result)) : 0.0;
  }

  @Test
  void onePassEqualsTheLogSumExpOfTheWholeArray() {
    forEachSeed(
        0x1AC_0001L,
        300,
        random -> {
          double[] values = randomValues(random);
          double expected = LogSumExp.logSumExp(values);
          double actual = of(values).result();
          if (Double.isInfinite(expected)) {
            assertSameDouble(actual, expected, "non-finite");
          } else {
            assertThat(actual).isCloseTo(expected, within(aggregateTolerance(expected)));
          }
        });
  }

  @Test
  void anySplitMergedInAnyOrderAgreesWithOnePassToAFewUlpsOfTheSum() {
    // A relative error of k·eps in Σ e^x is an absolute k·eps in its log; the final m + log1p
    // adds an ulp of the result.
    forEachSeed(
        0x1AC_0002L,
        300,
        random -> {
          double[] values = randomValues(random);
          double onePass = of(values).result();
          LogSumExpAccumulator merged = splitAndMerge(values, random);
          assertThat(merged.count()).isEqualTo(values.length);
          if (Double.isInfinite(onePass)) {
            assertSameDouble(merged.result(), onePass, "non-finite");
          } else {
            assertThat(merged.result()).isCloseTo(onePass, within(8 * EPS + 2 * Math.ulp(onePass)));
          }
        });
  }

  @Test
  void anySplitMergedInAnyOrderEqualsTheLogSumExpOfTheWholeArray() {
    forEachSeed(
        0x1AC_0003L,
        300,
        random -> {
          double[] values = randomValues(random);
          double expected = LogSumExp.logSumExp(values);
          double actual = splitAndMerge(values, random).result();
          if (Double.isInfinite(expected)) {
            assertSameDouble(actual, expected, "non-finite");
          } else {
            assertThat(actual).isCloseTo(expected, within(aggregateTolerance(expected)));
          }
        });
  }

  @Test
  void anAscendingStreamIsAsAccurateAsTheLogSumExpOfTheWholeArray() {
    // x_i = i·1e-9 (rounded, so the steps vary slightly), each value a new maximum.
    int n = 1 << 17;
    double[] values = new double[n];
    for (int i = 0; i < n; i++) {
      values[i] = i * 1e-9;
    }
    // Reference: m + log Σ e^(x_i − m) with the terms summed exactly (BigDecimal); each term is
    // within half an ulp, so the sum is within u relative and its log within u absolute.
    double max = values[n - 1];
    BigDecimal sum = BigDecimal.ZERO;
    for (double v : values) {
      sum = sum.add(new BigDecimal(Math.exp(v - max)));
    }
    double reference = max + Math.log(sum.doubleValue());
    assertThat(LogSumExp.logSumExp(values))
        .as("LogSumExp")
        .isCloseTo(reference, within(aggregateTolerance(reference)));
    assertThat(of(values).result())
        .as("accumulator")
        .isCloseTo(reference, within(aggregateTolerance(reference)));
  }
}
