package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.assertWithinUlps;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LogSumExp}: the edge-value matrix for both overloads (every sentence of the "Non-finite
 * behaviour" paragraph, subnormals, the largest values, 1 and 250,000 classes) and seeded
 * properties. Expectations are derived in the comments from log Σ e^z, never from a run.
 */
class LogSumExpTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final float FNAN = Float.NaN;
  private static final float FINF = Float.POSITIVE_INFINITY;

  @ParameterizedTest
  @ValueSource(
      doubles = {
        0.0,
        1.5,
        -7.25,
        Double.MIN_VALUE,
        -Double.MIN_VALUE,
        Double.MIN_NORMAL,
        Double.MAX_VALUE,
        -Double.MAX_VALUE,
        1e30,
        -1e30
      })
  void theLogSumExpOfOneValueIsThatValue(double x) {
    // log e^x = x: the max shift leaves no other class, and log1p(0) = 0.
    assertSameDouble(LogSumExp.logSumExp(new double[] {x}), x, "double");
  }

  @ParameterizedTest
  @ValueSource(
      floats = {
        0.0f,
        1.5f,
        -7.25f,
        Float.MIN_VALUE,
        -Float.MIN_VALUE,
        Float.MAX_VALUE,
        -Float.MAX_VALUE
      })
  void theLogSumExpOfOneFloatIsThatFloatWidened(float x) {
    assertSameDouble(LogSumExp.logSumExp(new float[] {x}), x, "float");
  }

  @Test
  void theLogSumExpOfMinusZeroIsPlusZero() {
    // log e^−0 = log 1 = +0.0, the IEEE result of log(1).
    assertSameDouble(LogSumExp.logSumExp(new double[] {-0.0}), 0.0, "double");
    assertSameDouble(LogSumExp.logSumExp(new float[] {-0.0f}), 0.0, "float");
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 10, 1000, 250_000})
  void theLogSumExpOfNEqualValuesIsTheValuePlusLnN(int n) {
    // log(n·e^c) = c + ln n. The kernel rounds log1p(n − 1) and one addition, the expectation
    // Math.log(n) and one addition: each is within an ulp of ln n.
    for (double c : new double[] {0.0, 4.5, -1000.0}) {
      double[] z = new double[n];
      Arrays.fill(z, c);
      double expected = c + Math.log(n);
      double tolerance = Math.ulp(expected) + 2 * Math.ulp(Math.log(n));
      assertThat(LogSumExp.logSumExp(z))
          .as("n=%d c=%s double", n, c)
          .isCloseTo(expected, within(tolerance));
      assertThat(LogSumExp.logSumExp(KernelTestSupport.toFloats(z)))
          .as("n=%d c=%s float", n, c)
          .isCloseTo(expected, within(tolerance));
    }
  }

  @Test
  void theLogSumExpOfTwoLargestDoublesIsTheLargestDouble() {
    // MAX + ln 2: ln 2 is far below half an ulp of MAX (2^970), so the sum rounds to MAX; the
    // naive log(e^MAX + e^MAX) would be log(∞) = ∞.
    assertSameDouble(
        LogSumExp.logSumExp(new double[] {Double.MAX_VALUE, Double.MAX_VALUE}),
        Double.MAX_VALUE,
        "double");
  }

  @Test
  void theLogSumExpOfTwoLargestFloatsIsTheLargestFloatInDouble() {
    // Computed in double: (double) Float.MAX + ln 2 rounds to (double) Float.MAX (ulp 2^75).
    assertSameDouble(
        LogSumExp.logSumExp(new float[] {Float.MAX_VALUE, Float.MAX_VALUE}),
        Float.MAX_VALUE,
        "float");
  }

  @Test
  void theLargestValueOutweighsItsNegation() {
    // log(e^MAX + e^−MAX) = MAX + log1p(e^−2MAX) and e^−2MAX = 0: exactly MAX.
    assertSameDouble(
        LogSumExp.logSumExp(new double[] {-Double.MAX_VALUE, Double.MAX_VALUE}),
        Double.MAX_VALUE,
        "double");
    assertSameDouble(
        LogSumExp.logSumExp(new float[] {-Float.MAX_VALUE, Float.MAX_VALUE}),
        Float.MAX_VALUE,
        "float");
  }

  @Test
  void twoSubnormalsGiveLn2() {
    // log(e^ε + e^ε) = ln 2 + ε with ε ≤ 1.4e-45, far below half an ulp of ln 2 (5.6e-17).
    assertWithinUlps(
        LogSumExp.logSumExp(new double[] {Double.MIN_VALUE, Double.MIN_VALUE}),
        Math.log(2),
        1,
        "double");
    assertWithinUlps(
        LogSumExp.logSumExp(new float[] {Float.MIN_VALUE, Float.MIN_VALUE}),
        Math.log(2),
        1,
        "float");
  }

  @Test
  void anEmptyRowGivesMinusInfinity() {
    // The log of an empty sum: log 0 = −∞.
    assertSameDouble(LogSumExp.logSumExp(new double[0]), -INF, "double");
    assertSameDouble(LogSumExp.logSumExp(new float[0]), -INF, "float");
  }

  @Test
  void aRowOfOnlyMinusInfinityGivesMinusInfinity() {
    assertSameDouble(LogSumExp.logSumExp(new double[] {-INF, -INF, -INF}), -INF, "double");
    assertSameDouble(LogSumExp.logSumExp(new float[] {-FINF}), -INF, "float");
  }

  @Test
  void aNaNAnywhereGivesNaN() {
    for (double[] z :
        new double[][] {
          {NAN}, {NAN, 1}, {1, NAN}, {1, NAN, 2}, {INF, NAN}, {NAN, INF}, {-INF, NAN}
        }) {
      assertThat(LogSumExp.logSumExp(z)).as(Arrays.toString(z)).isNaN();
      assertThat(LogSumExp.logSumExp(KernelTestSupport.toFloats(z))).as(Arrays.toString(z)).isNaN();
    }
  }

  @Test
  void aPlusInfinityWithoutNaNGivesPlusInfinity() {
    for (double[] z : new double[][] {{INF}, {1, INF}, {INF, 1}, {INF, INF}, {-INF, INF}}) {
      assertSameDouble(LogSumExp.logSumExp(z), INF, "double " + Arrays.toString(z));
      assertSameDouble(
          LogSumExp.logSumExp(KernelTestSupport.toFloats(z)), INF, "float " + Arrays.toString(z));
    }
  }

  @Test
  void minusInfinityEntriesContributeNothing() {
    // e^−∞ = 0: [−∞, 2, −∞] is the row [2], whose lse is 2 exactly.
    assertSameDouble(LogSumExp.logSumExp(new double[] {-INF, 2.0, -INF}), 2.0, "double");
    assertSameDouble(LogSumExp.logSumExp(new float[] {-FINF, 2.0f, -FINF}), 2.0, "float");
    // [2, −∞, 2] is [2, 2]: 2 + ln 2.
    assertWithinUlps(
        LogSumExp.logSumExp(new double[] {2.0, -INF, 2.0}), 2.0 + Math.log(2), 1, "double");
  }

  @Test
  void aDominantClassKeepsFullRelativePrecision() {
    // log(e^0 + e^−50) = log1p(e^−50) = e^−50·(1 − e^−50/2 + …), and e^−50 ≈ 2e-22 is below eps:
    // the nearest double is the nearest double of e^−50, within an ulp of Math.exp(−50).
    assertWithinUlps(LogSumExp.logSumExp(new double[] {0.0, -50.0}), Math.exp(-50), 1, "double");
    assertWithinUlps(LogSumExp.logSumExp(new float[] {-50.0f, 0.0f}), Math.exp(-50), 1, "float");
  }

  @Test
  void aRowOf250000ClassesMatchesItsClosedForm() {
    // 249,999 logits of −3 and one of −3 + ln 2: log(e^−3·(249,999 + 2)) = −3 + ln 250,001.
    // Rounding −3 + ln 2 moves the result by p_k·ulp ≈ 1e-21. The rest mass is accurate to
    // (BLOCK − 1)·u relative (Logits.BLOCK), which log1p passes on as an absolute error.
    double[] z = new double[250_000];
    Arrays.fill(z, -3.0);
    z[123_456] = -3.0 + Math.log(2);
    double expected = -3.0 + Math.log(250_001);
    double tolerance = (Logits.BLOCK - 1) * 0x1p-53 + 4 * Math.ulp(expected);
    assertThat(LogSumExp.logSumExp(z)).isCloseTo(expected, within(tolerance));
  }

  // ---- seeded properties ----

  /**
   * A row on a binary grid, z_i = k_i·2^-s with |k_i| < 2^40, and a shift c = j·2^-3 with |j| <
   * 2^12: z_i + c = (k_i + j·2^(s−3))·2^-s with an integer below 2^50 in magnitude, so every
   * shifted logit is exact and lse(z + c) = lse(z) + c holds in exact arithmetic.
   */
  @Test
  void shiftingEveryLogitByCShiftsTheLogSumExpByC() {
    forEachSeed(
        0x15E_0001L,
        200,
        random -> {
          int width = random.nextInt(1, 301);
          int s = random.nextInt(3, 41);
          double[] z = new double[width];
          for (int i = 0; i < width; i++) {
            z[i] = Math.scalb((double) random.nextLong(-(1L << 40), 1L << 40), -s);
          }
          double c = random.nextInt(-(1 << 12), 1 << 12) / 8.0;
          double[] shifted = Arrays.stream(z).map(v -> v + c).toArray();
          for (int i = 0; i < width; i++) {
            // The premise: the shift is exact.
            assertThat(shifted[i] - c).isEqualTo(z[i]);
          }
          double lse = LogSumExp.logSumExp(z);
          double expected = lse + c;
          // The restMass of both rows is bit-identical (the same exact differences), so they
          // differ only in the final additions: half an ulp of lse, an ulp of lse + c each.
          double tolerance = Math.ulp(lse) + 2 * Math.ulp(expected);
          assertThat(LogSumExp.logSumExp(shifted))
              .as("c=%s lse=%s", c, lse)
              .isCloseTo(expected, within(tolerance));
        });
  }

  @Test
  void theLogSumExpLiesBetweenTheMaximumAndTheMaximumPlusLnN() {
    // e^m ≤ Σ e^z_i ≤ n·e^m.
    forEachSeed(
        0x15E_0002L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          double max = Arrays.stream(z).max().orElseThrow();
          double lse = LogSumExp.logSumExp(z);
          assertThat(lse).isGreaterThanOrEqualTo(max);
          assertThat(lse).isLessThanOrEqualTo(max + Math.log(z.length) + 2 * Math.ulp(lse));
        });
  }

  @Test
  void theLogSumExpDoesNotDependOnTheOrderOfTheClasses() {
    forEachSeed(
        0x15E_0003L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          double[] permuted = z.clone();
          for (int i = permuted.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            double t = permuted[i];
            permuted[i] = permuted[j];
            permuted[j] = t;
          }
          double lse = LogSumExp.logSumExp(z);
          double max = Arrays.stream(z).max().orElseThrow();
          // The same exp terms summed in another order: each rest mass is within (n − 1)·u
          // relative of the exact one (plain summation within a block, Logits.BLOCK), so the
          // two log1p differ by at most 2(n − 1)·u absolute; the final m + log1p adds ulps.
          double tolerance =
              2 * (z.length - 1) * 0x1p-53 + 4 * Math.ulp(Math.max(Math.abs(lse), Math.abs(max)));
          assertThat(LogSumExp.logSumExp(permuted)).isCloseTo(lse, within(tolerance));
        });
  }

  @Test
  void theFloatOverloadEqualsTheDoubleOverloadOnWidenedFloats() {
    forEachSeed(
        0x15E_0004L,
        200,
        random -> {
          float[] f = KernelTestSupport.toFloats(KernelTestSupport.randomLogits(random));
          assertSameDouble(
              LogSumExp.logSumExp(f),
              LogSumExp.logSumExp(KernelTestSupport.widen(f)),
              "float vs widened");
        });
  }
}
