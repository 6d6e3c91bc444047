package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ExactSum} against {@link BigDecimal} sums ({@code new BigDecimal(double)} is exact), with
 * an independent check that the result is the correctly rounded double; the non-finite rules of its
 * javadoc; and the merge law: any split, merged in any order, is equal to one pass.
 */
class ExactSumTest {
  private static final double INF = Double.POSITIVE_INFINITY;

  /** MAX + ulp(MAX)/2 = 2^1024 − 2^970: from here on (ties to even) a sum rounds to ∞. */
  private static final BigDecimal OVERFLOW_THRESHOLD =
      new BigDecimal(Double.MAX_VALUE).add(new BigDecimal(0x1p970));

  private static final BigDecimal TWO_TO_1024 =
      new BigDecimal(Double.MAX_VALUE).add(new BigDecimal(Math.ulp(Double.MAX_VALUE)));

  /** A random double anywhere in the finite range: any exponent, subnormals, zeros, both signs. */
  static double randomFiniteDouble(SplittableRandom random) {
    double sign = random.nextBoolean() ? 1.0 : -1.0;
    return switch (random.nextInt(5)) {
      case 0 -> {
        long bits = random.nextLong() & 0x7FFF_FFFF_FFFF_FFFFL;
        // Exponent field 2047 is ∞/NaN: fold it onto 2046.
        if ((bits >>> 52) == 0x7FF) {
          bits &= 0x7FEF_FFFF_FFFF_FFFFL;
        }
        yield sign * Double.longBitsToDouble(bits);
      }
      case 1 -> sign * Double.longBitsToDouble(random.nextLong(0, 1L << 52)); // subnormal or 0
      case 2 -> random.nextGaussian();
      case 3 -> sign * 0.0;
      default -> Math.scalb((double) random.nextInt(), random.nextInt(-1074, 972));
    };
  }

  /**
   * Asserts that {@code actual} is {@code exact / divisor} rounded to the nearest double, ties to
   * even, without dividing: |exact − divisor·actual| must not exceed the same distance for either
   * neighbour of actual. Ties are accepted either way when {@code tiesEither} is set.
   */
  static void assertIsRoundingOf(
      double actual, BigDecimal exact, long divisor, boolean tiesEither, String what) {
    BigDecimal d = BigDecimal.valueOf(divisor);
    if (Double.isInfinite(actual)) {
      // Overflow: |exact/divisor| ≥ 2^1024 − 2^970, with the right sign.
      assertThat(exact.signum()).as("%s: sign of %s", what, actual).isEqualTo(actual > 0 ? 1 : -1);
      assertThat(exact.abs())
          .as("%s: %s rounded to %s", what, exact, actual)
          .isGreaterThanOrEqualTo(OVERFLOW_THRESHOLD.multiply(d));
      return;
    }
    BigDecimal error = exact.subtract(new BigDecimal(actual).multiply(d)).abs();
    for (double neighbour : new double[] {Math.nextUp(actual), Math.nextDown(actual)}) {
      // Beyond MAX the next candidate is 2^1024 (rounding to ∞).
      BigDecimal n =
          Double.isInfinite(neighbour)
              ? TWO_TO_1024.multiply(BigDecimal.valueOf((long) Math.signum(neighbour)))
              : new BigDecimal(neighbour);
      BigDecimal neighbourError = exact.subtract(n.multiply(d)).abs();
      int cmp = error.compareTo(neighbourError);
      assertThat(cmp)
          .as("%s: %s is farther than %s from %s/%d", what, actual, neighbour, exact, divisor)
          .isLessThanOrEqualTo(0);
      if (cmp == 0 && !tiesEither) {
        assertThat(Double.doubleToRawLongBits(actual) & 1)
            .as("%s: tie between %s and %s must go to even", what, actual, neighbour)
            .isZero();
      }
    }
  }

  private static ExactSum sumOf(double... values) {
    ExactSum sum = new ExactSum();
    for (double v : values) {
      sum.add(v);
    }
    return sum;
  }

  @Test
  void theFiniteSumIsExactAcrossTheWholeRange() {
    forEachSeed(
        0xE5_0001L,
        300,
        random -> {
          ExactSum sum = new ExactSum();
          BigDecimal exact = BigDecimal.ZERO;
          int n = random.nextInt(1, 500);
          for (int i = 0; i < n; i++) {
            double v = randomFiniteDouble(random);
            sum.add(v);
            exact = exact.add(new BigDecimal(v));
          }
          assertThat(sum.exact()).isEqualByComparingTo(exact);
        });
  }

  @Test
  void theSumIsTheCorrectlyRoundedExactSum() {
    forEachSeed(
        0xE5_0002L,
        300,
        random -> {
          ExactSum sum = new ExactSum();
          BigDecimal exact = BigDecimal.ZERO;
          int n = random.nextInt(1, 500);
          for (int i = 0; i < n; i++) {
            double v = randomFiniteDouble(random);
            sum.add(v);
            exact = exact.add(new BigDecimal(v));
          }
          assertIsRoundingOf(sum.sum(), exact, 1, false, "sum");
        });
  }

  @Test
  void theMeanIsTheCorrectlyRoundedExactMean() {
    forEachSeed(
        0xE5_0003L,
        300,
        random -> {
          ExactSum sum = new ExactSum();
          BigDecimal exact = BigDecimal.ZERO;
          int n = random.nextInt(1, 500);
          for (int i = 0; i < n; i++) {
            double v = randomFiniteDouble(random);
            sum.add(v);
            exact = exact.add(new BigDecimal(v));
          }
          assertIsRoundingOf(sum.mean(n), exact, n, false, "mean over " + n);
        });
  }

  @Test
  void subnormalAddendsAreExact() {
    assertSameDouble(sumOf(Double.MIN_VALUE, Double.MIN_VALUE).sum(), 2 * Double.MIN_VALUE, "2ε");
    // The largest subnormal plus the smallest is the smallest normal.
    double largestSubnormal = Math.nextDown(Double.MIN_NORMAL);
    assertSameDouble(
        sumOf(largestSubnormal, Double.MIN_VALUE).sum(), Double.MIN_NORMAL, "MIN_NORMAL");
  }

  @Test
  void aHugeValueCancelsWithoutLosingASmallOne() {
    // 1e308 + 1 − 1e308 = 1 exactly; in double arithmetic the 1 is lost.
    assertSameDouble(sumOf(1e308, 1.0, -1e308).sum(), 1.0, "1e308 + 1 − 1e308");
    assertSameDouble(sumOf(1.0, Double.MIN_VALUE, -1.0).sum(), Double.MIN_VALUE, "1 + ε − 1");
  }

  @Test
  void tenTimesPointOneRoundsOnceToOne() {
    // 10 × 0.1000000000000000055511… = 1.000000000000000055511…, nearest double 1.0; summing in
    // double gives 0.9999999999999999.
    double[] tenths = new double[10];
    java.util.Arrays.fill(tenths, 0.1);
    assertSameDouble(sumOf(tenths).sum(), 1.0, "Σ 0.1");
  }

  @Test
  void theSumDoesNotDependOnTheOrderOfAdditions() {
    forEachSeed(
        0xE5_0004L,
        100,
        random -> {
          double[] values = new double[random.nextInt(0, 300)];
          for (int i = 0; i < values.length; i++) {
            values[i] = randomFiniteDouble(random);
          }
          double[] shuffled = values.clone();
          for (int i = shuffled.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = shuffled[i];
            shuffled[i] = shuffled[j];
            shuffled[j] = t;
          }
          assertThat(sumOf(shuffled)).isEqualTo(sumOf(values));
        });
  }

  @Test
  void aSumBeyondTheLargestDoubleRoundsToInfinity() {
    assertSameDouble(sumOf(Double.MAX_VALUE, Double.MAX_VALUE).sum(), INF, "MAX + MAX");
    assertSameDouble(sumOf(-Double.MAX_VALUE, -Double.MAX_VALUE).sum(), -INF, "−MAX − MAX");
  }

  @Test
  void anIntermediateBeyondTheLargestDoubleDoesNotOverflow() {
    // MAX + MAX − MAX: the accumulator holds 2·MAX exactly and the result is MAX.
    assertSameDouble(
        sumOf(Double.MAX_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE).sum(),
        Double.MAX_VALUE,
        "MAX + MAX − MAX");
  }

  @Test
  void aSumHalfAnUlpAboveTheLargestDoubleRoundsToInfinity() {
    // MAX + 2^970 lies halfway between MAX (odd significand) and 2^1024: ties to even → ∞.
    assertSameDouble(sumOf(Double.MAX_VALUE, 0x1p970).sum(), INF, "MAX + ulp/2");
  }

  @Test
  void aSumJustBelowHalfAnUlpAboveTheLargestDoubleRoundsToTheLargestDouble() {
    assertSameDouble(
        sumOf(Double.MAX_VALUE, 0x1p970, -Double.MIN_VALUE).sum(),
        Double.MAX_VALUE,
        "MAX + ulp/2 − ε");
  }

  @Test
  void theMeanOfValuesWhoseSumOverflowsIsFinite() {
    ExactSum sum = sumOf(Double.MAX_VALUE, Double.MAX_VALUE);
    assertSameDouble(sum.mean(2), Double.MAX_VALUE, "(MAX + MAX)/2");
  }

  @Test
  void aMeanHalfwayBetweenTwoDoublesRoundsToEven() {
    // (1 + (1 + 2^-52))/2 = 1 + 2^-53: halfway between 1 (even) and 1 + 2^-52 (odd).
    assertSameDouble(sumOf(1.0, 1.0 + 0x1p-52).mean(2), 1.0, "tie below");
    // ((1 + 2^-52) + (1 + 2^-51))/2 = 1 + 3·2^-53: halfway between 1 + 2^-52 (odd) and
    // 1 + 2^-51 (even).
    assertSameDouble(sumOf(1.0 + 0x1p-52, 1.0 + 0x1p-51).mean(2), 1.0 + 0x1p-51, "tie above");
    // Ties that need all 1075 bits: MIN_VALUE/2 = 2^−1075 lies halfway between 0 and MIN_VALUE
    // (odd), so it rounds to 0; 3·MIN_VALUE/2 lies between MIN_VALUE and 2·MIN_VALUE (even).
    assertSameDouble(sumOf(Double.MIN_VALUE).mean(2), 0.0, "MIN_VALUE/2");
    assertSameDouble(sumOf(3 * Double.MIN_VALUE).mean(2), 2 * Double.MIN_VALUE, "3·MIN_VALUE/2");
    assertSameDouble(sumOf(-Double.MIN_VALUE).mean(2), -0.0, "−MIN_VALUE/2");
    // A quotient that never ends in binary: (1/3)·MAX rounded once.
    assertSameDouble(
        sumOf(Double.MAX_VALUE).mean(3),
        new BigDecimal(Double.MAX_VALUE)
            .divide(BigDecimal.valueOf(3), new java.math.MathContext(400))
            .doubleValue(),
        "MAX/3");
  }

  @Test
  void noValuesSumToZeroAndHaveNoMean() {
    assertSameDouble(new ExactSum().sum(), 0.0, "sum");
    assertThat(new ExactSum().exact()).isEqualByComparingTo(BigDecimal.ZERO);
    assertThat(new ExactSum().mean(0)).isNaN();
    assertThat(sumOf(1.0).mean(-1)).isNaN();
  }

  @Test
  void anyNaNGivesNaN() {
    assertThat(sumOf(1.0, Double.NaN, 2.0).sum()).isNaN();
    assertThat(sumOf(INF, Double.NaN).sum()).isNaN();
    assertThat(sumOf(Double.NaN).mean(1)).isNaN();
  }

  @Test
  void bothInfinitiesGiveNaN() {
    assertThat(sumOf(INF, 1.0, -INF).sum()).isNaN();
    assertThat(sumOf(-INF, INF).mean(2)).isNaN();
  }

  @Test
  void plusInfinityGivesPlusInfinityWhateverTheFiniteSum() {
    // Even when the finite part alone would round to −∞.
    assertSameDouble(sumOf(1.0, INF, 2.0).sum(), INF, "sum");
    assertSameDouble(
        sumOf(INF, -Double.MAX_VALUE, -Double.MAX_VALUE).sum(), INF, "with a −∞ finite part");
    assertSameDouble(sumOf(INF, INF).mean(2), INF, "mean");
  }

  @Test
  void minusInfinityGivesMinusInfinity() {
    assertSameDouble(sumOf(-INF, 5.0).sum(), -INF, "sum");
    assertSameDouble(sumOf(-INF).mean(1), -INF, "mean");
  }

  @Test
  void manyAdditionsFoldTheirCarriesWithoutOverflow() {
    // −(2 − 2^-52) puts 2^32 − 1 into one 32-bit limb per addition; 2^31 + 1 of them would
    // overflow a long limb had the carries not been folded in on the way. The exact sum,
    // −(2^31 + 1)·(2 − 2^-52), is checked to round correctly.
    double v = -Math.nextDown(2.0);
    long n = (1L << 31) + 1;
    ExactSum sum = new ExactSum();
    for (long i = 0; i < n; i++) {
      sum.add(v);
    }
    BigDecimal exact = new BigDecimal(v).multiply(BigDecimal.valueOf(n));
    assertThat(sum.exact()).isEqualByComparingTo(exact);
    assertIsRoundingOf(sum.sum(), exact, 1, false, "sum");
  }

  /** Splits values into k random pieces (some possibly empty), merged pairwise in random order. */
  private static ExactSum splitAndMerge(double[] values, SplittableRandom random) {
    int k = random.nextInt(1, 21);
    List<ExactSum> pieces = new ArrayList<>();
    for (int i = 0; i < k; i++) {
      pieces.add(new ExactSum());
    }
    for (double v : values) {
      pieces.get(random.nextInt(k)).add(v);
    }
    while (pieces.size() > 1) {
      ExactSum into = pieces.remove(random.nextInt(pieces.size()));
      ExactSum from = pieces.remove(random.nextInt(pieces.size()));
      into.merge(from);
      pieces.add(into);
    }
    return pieces.get(0);
  }

  private static double[] randomValues(SplittableRandom random) {
    double[] values = new double[random.nextInt(0, 400)];
    for (int i = 0; i < values.length; i++) {
      int kind = random.nextInt(200);
      values[i] =
          kind == 0 ? Double.NaN : kind == 1 ? INF : kind == 2 ? -INF : randomFiniteDouble(random);
    }
    return values;
  }

  @Test
  void anySplitMergedInAnyOrderEqualsOnePass() {
    forEachSeed(
        0xE5_0005L,
        300,
        random -> {
          double[] values = randomValues(random);
          ExactSum onePass = sumOf(values);
          ExactSum merged = splitAndMerge(values, random);
          assertThat(merged).isEqualTo(onePass);
          assertThat(merged.exact()).isEqualByComparingTo(onePass.exact());
          assertSameDouble(merged.sum(), onePass.sum(), "sum");
          assertSameDouble(merged.mean(values.length), onePass.mean(values.length), "mean");
        });
  }

  @Test
  void equalSumsHaveEqualHashCodes() {
    forEachSeed(
        0xE5_0006L,
        100,
        random -> {
          double[] values = randomValues(random);
          assertThat(splitAndMerge(values, random).hashCode()).isEqualTo(sumOf(values).hashCode());
        });
  }

  @Test
  void aSerializedSumIsRestoredExactly() throws IOException, ClassNotFoundException {
    ExactSum sum = sumOf(1e308, Double.MIN_VALUE, -3.5, INF);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(sum);
    }
    ExactSum copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = (ExactSum) in.readObject();
    }
    assertThat(copy).isEqualTo(sum);
    assertThat(copy.exact()).isEqualByComparingTo(sum.exact());
  }

  private static byte[] written(ExactSum sum) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      sum.writeTo(out);
    }
    return bytes.toByteArray();
  }

  private static ExactSum read(byte[] bytes) throws IOException {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return ExactSum.readFrom(in);
    }
  }

  @Test
  void theCountIncludesZerosNaNsAndInfinitiesAndMergesAdd() {
    ExactSum a = sumOf(0.0, -0.0, Double.NaN, INF, 1.5);
    ExactSum b = sumOf(-INF, 2.0);
    assertThat(a.count()).isEqualTo(5);
    a.merge(b);
    assertThat(a.count()).isEqualTo(7);
    assertThat(new ExactSum().count()).isZero();
  }

  @Test
  void anyWrittenSumIsReadBackExactly() {
    forEachSeed(
        0xE5_0007L,
        300,
        random -> {
          double[] values = randomValues(random);
          ExactSum sum = splitAndMerge(values, random);
          ExactSum copy = read(written(sum));
          assertThat(copy).isEqualTo(sum);
          assertThat(copy.count()).isEqualTo(values.length);
          assertThat(copy.exact()).isEqualByComparingTo(sum.exact());
          assertSameDouble(copy.sum(), sum.sum(), "sum");
          // The copy keeps accumulating like the original.
          copy.add(0.1);
          sum.add(0.1);
          assertThat(copy).isEqualTo(sum);
        });
  }

  @Test
  void aWrittenSumHoldsOnlyTheLimbsInUse() throws IOException {
    // flags (1) + count (8) + limb index and length (2 + 2) + one 32-bit limb (4) = 17 bytes.
    assertThat(written(sumOf(1.0))).hasSize(17);
    assertThat(written(sumOf(-1.0))).as("a negative sum is sign and magnitude").hasSize(17);
    assertThat(written(sumOf(3.0, -3.0))).as("zero").hasSize(13);
    assertThat(written(new ExactSum())).hasSize(13);
    // 0.1 has 53 significant bits: two or three limbs.
    assertThat(written(sumOf(0.1, -0.7, 2.5)).length).isLessThanOrEqualTo(13 + 3 * 4);
    // NaN and ∞ counts cost 8 bytes each, only when present.
    assertThat(written(sumOf(1.0, INF, Double.NaN))).hasSize(17 + 16);
    // The whole range in use: MAX and MIN_VALUE, still restored exactly.
    ExactSum wide = sumOf(Double.MAX_VALUE, -Double.MIN_VALUE);
    assertThat(read(written(wide)).exact()).isEqualByComparingTo(wide.exact());
  }

  @Test
  void malformedInputIsRejected() {
    assertThatThrownBy(() -> read(new byte[] {(byte) 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}))
        .isInstanceOf(IOException.class)
        .hasMessage("Cannot read an exact sum: unknown flags 16");
    // Limb 100 of 68.
    assertThatThrownBy(() -> read(new byte[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 1, 0, 0, 0, 1}))
        .isInstanceOf(IOException.class)
        .hasMessageStartingWith("Cannot read an exact sum: limbs 100");
  }
}
