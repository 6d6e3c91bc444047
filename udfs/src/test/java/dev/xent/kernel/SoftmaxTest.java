package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.assertSameDoubles;
import static dev.xent.kernel.KernelTestSupport.assertWithinUlps;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Softmax}: the edge-value matrix for softmax and log-softmax, float and double (every
 * sentence of the "Non-finite behaviour" paragraph), and seeded properties.
 */
class SoftmaxTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final double LN2 = Math.log(2);

  @Test
  void anEmptyRowGivesAnEmptyResult() {
    assertThat(Softmax.softmax(new double[0])).isEmpty();
    assertThat(Softmax.softmax(new float[0])).isEmpty();
    assertThat(Softmax.logSoftmax(new double[0])).isEmpty();
    assertThat(Softmax.logSoftmax(new float[0])).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      doubles = {
        0.0,
        -0.0,
        3.5,
        Double.MIN_VALUE,
        -Double.MIN_VALUE,
        Double.MAX_VALUE,
        -Double.MAX_VALUE
      })
  void aSingleFiniteClassHasProbabilityOneAndLogProbabilityPlusZero(double x) {
    // e^(x − x) / 1 = 1, and log 1 = +0.0 (the kernel writes 0.0 − 0.0, never −0.0).
    assertSameDoubles(Softmax.softmax(new double[] {x}), 1.0);
    assertSameDoubles(Softmax.logSoftmax(new double[] {x}), 0.0);
  }

  @ParameterizedTest
  @ValueSource(
      floats = {
        0.0f,
        -0.0f,
        3.5f,
        Float.MIN_VALUE,
        -Float.MIN_VALUE,
        Float.MAX_VALUE,
        -Float.MAX_VALUE
      })
  void aSingleFiniteFloatClassHasProbabilityOneAndLogProbabilityPlusZero(float x) {
    assertSameDoubles(Softmax.softmax(new float[] {x}), 1.0);
    assertSameDoubles(Softmax.logSoftmax(new float[] {x}), 0.0);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 7, 1000, 250_000})
  void nEqualValuesGiveExactlyOneOverN(int n) {
    // e^0 / (1 + (n − 1)): the rest mass is the integer n − 1 exactly, so p = 1.0 / n, one
    // correctly rounded division.
    double[] z = new double[n];
    Arrays.fill(z, -2.75);
    double[] p = Softmax.softmax(z);
    double[] pf = Softmax.softmax(KernelTestSupport.toFloats(z));
    for (int i = 0; i < n; i += Math.max(1, n / 10)) {
      assertSameDouble(p[i], 1.0 / n, "double entry " + i);
      assertSameDouble(pf[i], 1.0 / n, "float entry " + i);
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 7, 1000, 250_000})
  void nEqualValuesHaveLogProbabilityMinusLnN(int n) {
    // −log1p(n − 1) against −Math.log(n): each within an ulp of −ln n.
    double[] z = new double[n];
    Arrays.fill(z, 11.0);
    double[] logP = Softmax.logSoftmax(z);
    double[] logPf = Softmax.logSoftmax(KernelTestSupport.toFloats(z));
    for (int i = 0; i < n; i += Math.max(1, n / 10)) {
      assertWithinUlps(logP[i], -Math.log(n), 2, "double entry " + i);
      assertWithinUlps(logPf[i], -Math.log(n), 2, "float entry " + i);
    }
  }

  @Test
  void minusZeroAndZeroAreTheSameLogit() {
    assertSameDoubles(Softmax.softmax(new double[] {-0.0, 0.0}), 0.5, 0.5);
    assertSameDoubles(Softmax.softmax(new float[] {0.0f, -0.0f}), 0.5, 0.5);
  }

  @Test
  void aMaskedClassHasProbabilityExactlyZero() {
    // e^−∞ = 0, and the other classes share the mass as if it were absent.
    assertSameDoubles(Softmax.softmax(new double[] {1, -INF, 1}), 0.5, 0.0, 0.5);
    assertSameDoubles(Softmax.softmax(new float[] {1, Float.NEGATIVE_INFINITY, 1}), 0.5, 0.0, 0.5);
  }

  @Test
  void aMaskedClassHasLogProbabilityMinusInfinity() {
    double[] logP = Softmax.logSoftmax(new double[] {1, -INF, 1});
    double[] logPf = Softmax.logSoftmax(new float[] {1, Float.NEGATIVE_INFINITY, 1});
    assertSameDouble(logP[1], -INF, "double");
    assertSameDouble(logPf[1], -INF, "float");
    // The others: log(1/2).
    assertWithinUlps(logP[0], -LN2, 1, "double entry 0");
    assertWithinUlps(logPf[2], -LN2, 1, "float entry 2");
  }

  @Test
  void aNaNAnywhereMakesEveryEntryNaN() {
    for (double[] z : new double[][] {{NAN}, {NAN, 1, 2}, {1, 2, NAN}, {INF, NAN}, {-INF, NAN}}) {
      float[] f = KernelTestSupport.toFloats(z);
      assertThat(Softmax.softmax(z)).as(Arrays.toString(z)).hasSize(z.length).containsOnly(NAN);
      assertThat(Softmax.logSoftmax(z)).as(Arrays.toString(z)).containsOnly(NAN);
      assertThat(Softmax.softmax(f)).as(Arrays.toString(z)).containsOnly(NAN);
      assertThat(Softmax.logSoftmax(f)).as(Arrays.toString(z)).containsOnly(NAN);
    }
  }

  @Test
  void aPlusInfinityMakesEveryEntryNaN() {
    // One +∞ is a degenerate distribution, two are ∞/∞: both undefined.
    for (double[] z : new double[][] {{INF}, {INF, 1}, {1, INF, INF}, {-INF, INF}}) {
      float[] f = KernelTestSupport.toFloats(z);
      assertThat(Softmax.softmax(z)).as(Arrays.toString(z)).hasSize(z.length).containsOnly(NAN);
      assertThat(Softmax.logSoftmax(z)).as(Arrays.toString(z)).containsOnly(NAN);
      assertThat(Softmax.softmax(f)).as(Arrays.toString(z)).containsOnly(NAN);
      assertThat(Softmax.logSoftmax(f)).as(Arrays.toString(z)).containsOnly(NAN);
    }
  }

  @Test
  void aRowOfOnlyMinusInfinityMakesEveryEntryNaN() {
    // 0/0.
    double[] z = {-INF, -INF};
    float[] f = {Float.NEGATIVE_INFINITY};
    assertThat(Softmax.softmax(z)).hasSize(2).containsOnly(NAN);
    assertThat(Softmax.logSoftmax(z)).hasSize(2).containsOnly(NAN);
    assertThat(Softmax.softmax(f)).hasSize(1).containsOnly(NAN);
    assertThat(Softmax.logSoftmax(f)).hasSize(1).containsOnly(NAN);
  }

  @Test
  void twoLargestDoublesShareTheMassEvenly() {
    // The naive e^MAX overflows; after the max shift both terms are e^0 = 1.
    assertSameDoubles(Softmax.softmax(new double[] {Double.MAX_VALUE, Double.MAX_VALUE}), 0.5, 0.5);
  }

  @Test
  void theLargestDoubleAgainstItsNegationIsCertain() {
    // −MAX − MAX overflows to −∞: e^−∞ = 0 and log p = −∞, the double nearest −2·MAX.
    double[] z = {Double.MAX_VALUE, -Double.MAX_VALUE};
    assertSameDoubles(Softmax.softmax(z), 1.0, 0.0);
    assertSameDoubles(Softmax.logSoftmax(z), 0.0, -INF);
  }

  @Test
  void theLargestFloatAgainstItsNegationHasLogProbabilityMinusTwiceTheLargestFloat() {
    // In double, −Float.MAX − Float.MAX = −2·Float.MAX exactly (a power-of-two scaling): the
    // probability underflows but its log does not.
    float[] z = {Float.MAX_VALUE, -Float.MAX_VALUE};
    assertSameDoubles(Softmax.softmax(z), 1.0, 0.0);
    assertSameDoubles(Softmax.logSoftmax(z), 0.0, -2.0 * Float.MAX_VALUE);
  }

  @Test
  void subnormalLogitsAreIndistinguishableFromZero() {
    // e^±ε rounds to 1 for ε ≤ 1.4e-45, so both classes get 1/(1 + 1).
    assertSameDoubles(Softmax.softmax(new double[] {Double.MIN_VALUE, 0.0}), 0.5, 0.5);
    assertSameDoubles(Softmax.softmax(new double[] {-Double.MIN_VALUE, 0.0}), 0.5, 0.5);
    assertSameDoubles(Softmax.softmax(new float[] {Float.MIN_VALUE, 0.0f}), 0.5, 0.5);
  }

  @Test
  void logSoftmaxKeepsClassesWhoseProbabilityUnderflows() {
    // p = e^−800 / (1 + e^−800): e^−800 is below MIN_VALUE, so p = 0, but log p = −800 −
    // log1p(e^−800) is −800 to the last bit.
    double[] z = {0.0, -800.0};
    assertSameDoubles(Softmax.softmax(z), 1.0, 0.0);
    assertSameDoubles(Softmax.logSoftmax(z), 0.0, -800.0);
  }

  @Test
  void aSubnormalProbabilityIsTheSubnormalExponential() {
    // p = e^−740 / (1 + e^−740) and 1 + 4e-322 = 1: p is Math.exp(−740), a subnormal.
    assertSameDouble(Softmax.softmax(new double[] {0.0, -740.0})[1], Math.exp(-740), "p");
  }

  @Test
  void theSecondClassOfZeroAndMinusOneHasProbabilityOneOverOnePlusE() {
    // softmax(0, −1) = (1, e^−1) / (1 + e^−1).
    double[] p = Softmax.softmax(new double[] {0.0, -1.0});
    assertWithinUlps(p[0], 1 / (1 + Math.exp(-1)), 2, "class 0");
    assertWithinUlps(p[1], Math.exp(-1) / (1 + Math.exp(-1)), 3, "class 1");
  }

  // ---- seeded properties ----

  @Test
  void softmaxSumsToOneWithin1e12() {
    forEachSeed(
        0x50F7_0001L,
        200,
        random -> {
          double[] p = Softmax.softmax(KernelTestSupport.randomLogits(random));
          assertThat(Arrays.stream(p).sum()).isCloseTo(1.0, within(1e-12));
        });
  }

  @Test
  void everyProbabilityLiesInTheUnitInterval() {
    forEachSeed(
        0x50F7_0002L,
        200,
        random -> {
          double[] p = Softmax.softmax(KernelTestSupport.randomLogits(random));
          for (int i = 0; i < p.length; i++) {
            assertThat(p[i]).as("entry %d", i).isBetween(0.0, 1.0);
          }
        });
  }

  @Test
  void everyLogProbabilityIsAtMostZero() {
    forEachSeed(
        0x50F7_0003L,
        200,
        random -> {
          double[] logP = Softmax.logSoftmax(KernelTestSupport.randomLogits(random));
          for (int i = 0; i < logP.length; i++) {
            assertThat(logP[i]).as("entry %d", i).isLessThanOrEqualTo(0.0);
          }
        });
  }

  @Test
  void theExponentialOfLogSoftmaxIsSoftmax() {
    forEachSeed(
        0x50F7_0004L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          double[] p = Softmax.softmax(z);
          double[] logP = Softmax.logSoftmax(z);
          for (int i = 0; i < z.length; i++) {
            // log p carries a relative error of a few eps, i.e. an absolute one of a few
            // eps·|log p|, which exp turns into a relative error of p; below MIN_NORMAL both
            // sides lose relative precision, hence the absolute few MIN_VALUE.
            // A masked class has p = 0 and log p = −∞, and e^−∞ must be 0 exactly.
            double tolerance =
                p[i] == 0.0 ? 0.0 : 16 * KernelTestSupport.EPS * (1 + Math.abs(logP[i])) * p[i];
            assertThat(Math.exp(logP[i]))
                .as("entry %d, log p %s", i, logP[i])
                .isCloseTo(p[i], within(tolerance + 4 * Double.MIN_VALUE));
          }
        });
  }

  @Test
  void softmaxPreservesTheOrderOfTheLogits() {
    // z_i ≤ z_j ⇒ e^(z_i − m) ≤ e^(z_j − m): exp, subtraction and division by the same positive
    // denominator are all monotone under rounding.
    forEachSeed(
        0x50F7_0005L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          double[] p = Softmax.softmax(z);
          for (int n = 0; n < 50; n++) {
            int i = random.nextInt(z.length);
            int j = random.nextInt(z.length);
            if (z[i] <= z[j]) {
              assertThat(p[i]).as("p[%d] vs p[%d]", i, j).isLessThanOrEqualTo(p[j]);
            }
          }
        });
  }

  @Test
  void theFloatOverloadsEqualTheDoubleOverloadsOnWidenedFloats() {
    forEachSeed(
        0x50F7_0006L,
        200,
        random -> {
          float[] f = KernelTestSupport.toFloats(KernelTestSupport.randomLogits(random));
          double[] widened = KernelTestSupport.widen(f);
          assertThat(Arrays.equals(Softmax.softmax(f), Softmax.softmax(widened)))
              .as("softmax")
              .isTrue();
          assertThat(Arrays.equals(Softmax.logSoftmax(f), Softmax.logSoftmax(widened)))
              .as("logSoftmax")
              .isTrue();
        });
  }

  @Test
  void theConfidenceOfEqualLogitsIsOneOverN() {
    // rest = n − 1 exactly: 1/n, correctly rounded by the one division.
    assertSameDouble(Softmax.confidence(new double[] {2, 2, 2, 2}), 0.25, "4 classes");
    assertSameDouble(Softmax.confidence(new float[] {-0.0f, 0.0f}), 0.5, "−0.0 and 0.0");
    assertSameDouble(Softmax.confidence(new double[] {Double.MAX_VALUE}), 1.0, "one class");
  }

  @Test
  void theConfidenceIgnoresMaskedClassesAndRejectsInvalidRows() {
    double inf = Double.POSITIVE_INFINITY;
    assertSameDouble(Softmax.confidence(new double[] {-inf, 3, -inf}), 1.0, "one unmasked");
    assertThat(Softmax.confidence(new double[0])).isNaN();
    assertThat(Softmax.confidence(new double[] {1, Double.NaN})).isNaN();
    assertThat(Softmax.confidence(new float[] {1, Float.POSITIVE_INFINITY})).isNaN();
    assertThat(Softmax.confidence(new double[] {-inf, -inf})).isNaN();
  }

  @Test
  void theConfidenceOfTwoClassesIsTheLogisticOfTheirGap() {
    // p = 1/(1 + e^−d); for d = 40 that is 1 − 4.2e-18, which rounds to 1.
    assertThat(Softmax.confidence(new double[] {0.7, -0.3}))
        .isCloseTo(1 / (1 + Math.exp(-1.0)), within(2e-16));
    assertSameDouble(Softmax.confidence(new double[] {40, 0}), 1.0, "d = 40");
  }
}
