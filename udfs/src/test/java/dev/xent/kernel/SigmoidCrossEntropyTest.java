package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.EPS;
import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.assertWithinUlps;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SigmoidCrossEntropy}: per element −t·log σ(z) − (1 − t)·log(1 − σ(z)), and the row loss is
 * the SUM over elements. The edge-value matrix follows the "Non-finite behaviour" paragraph
 * sentence by sentence; the properties check the loss against the binary entropy H(t).
 */
class SigmoidCrossEntropyTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final double LN2 = Math.log(2);

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.5, 1.0, -3.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void aNaNLogitGivesNaN(double t) {
    assertThat(SigmoidCrossEntropy.element(NAN, t)).isNaN();
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 5.0, -5.0, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY})
  void aNaNTargetGivesNaN(double z) {
    assertThat(SigmoidCrossEntropy.element(z, NAN)).isNaN();
  }

  @Test
  void aMinusInfinityLogitWithTargetZeroCostsNothing() {
    // σ(−∞) = 0 and t = 0: −0·log 0 − 1·log 1 = 0, with 0·log 0 = 0 by continuity.
    assertSameDouble(SigmoidCrossEntropy.element(-INF, 0.0), 0.0, "t = 0");
    // −0.0 == 0.0: the same target.
    assertSameDouble(SigmoidCrossEntropy.element(-INF, -0.0), 0.0, "t = -0.0");
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.MIN_VALUE, 1e-300, 0.5, 1.0})
  void aMinusInfinityLogitWithAPositiveTargetCostsInfinity(double t) {
    // −t·log σ(−∞) = −t·log 0 = +∞ for any t > 0.
    assertSameDouble(SigmoidCrossEntropy.element(-INF, t), INF, "t = " + t);
  }

  @Test
  void aPlusInfinityLogitWithTargetOneCostsNothing() {
    assertSameDouble(SigmoidCrossEntropy.element(INF, 1.0), 0.0, "t = 1");
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, -0.0, 0.5, 0.9999999999999999})
  void aPlusInfinityLogitWithATargetBelowOneCostsInfinity(double t) {
    // −(1 − t)·log(1 − σ(+∞)) = −(1 − t)·log 0 = +∞ for any t < 1.
    assertSameDouble(SigmoidCrossEntropy.element(INF, t), INF, "t = " + t);
  }

  @ParameterizedTest
  @ValueSource(doubles = {0.0, 0.3, 1.0})
  void aZeroLogitCostsLn2WhateverTheTarget(double t) {
    // σ(0) = 1/2: −t·log ½ − (1 − t)·log ½ = ln 2.
    assertWithinUlps(SigmoidCrossEntropy.element(0.0, t), LN2, 1, "z = 0");
    assertWithinUlps(SigmoidCrossEntropy.element(-0.0, t), LN2, 1, "z = -0.0");
  }

  @Test
  void subnormalLogitsCostLn2() {
    // log(1 + e^∓ε) = ln 2 ∓ ε/2 for ε ≤ 1.4e-45, far below half an ulp of ln 2.
    assertWithinUlps(SigmoidCrossEntropy.element(Double.MIN_VALUE, 0.0), LN2, 1, "MIN, t = 0");
    assertWithinUlps(SigmoidCrossEntropy.element(-Double.MIN_VALUE, 1.0), LN2, 1, "-MIN, t = 1");
    assertWithinUlps(SigmoidCrossEntropy.element(Float.MIN_VALUE, 1.0), LN2, 1, "float MIN");
  }

  @Test
  void theLargestLogitCostsItselfAgainstTargetZeroAndNothingAgainstTargetOne() {
    // −log(1 − σ(z)) = z + log1p(e^−z) = MAX + 0; −log σ(MAX) = log1p(e^−MAX) = 0.
    assertSameDouble(SigmoidCrossEntropy.element(Double.MAX_VALUE, 0.0), Double.MAX_VALUE, "t=0");
    assertSameDouble(SigmoidCrossEntropy.element(Double.MAX_VALUE, 1.0), 0.0, "t=1");
    // t = ½: MAX·½, an exact halving.
    assertSameDouble(
        SigmoidCrossEntropy.element(Double.MAX_VALUE, 0.5), Double.MAX_VALUE / 2, "t=0.5");
  }

  @Test
  void theSmallestLogitCostsNothingAgainstTargetZeroAndItsMagnitudeAgainstTargetOne() {
    assertSameDouble(SigmoidCrossEntropy.element(-Double.MAX_VALUE, 0.0), 0.0, "t=0");
    assertSameDouble(SigmoidCrossEntropy.element(-Double.MAX_VALUE, 1.0), Double.MAX_VALUE, "t=1");
  }

  @Test
  void aConfidentCorrectLogitKeepsItsTinyLossToFullPrecision() {
    // −log σ(50) = log1p(e^−50) = e^−50·(1 − e^−50/2 …): within an ulp of e^−50. The textbook
    // max(z, 0) − z·t form would add it to 50 − 50 only after cancellation.
    assertWithinUlps(SigmoidCrossEntropy.element(50, 1.0), Math.exp(-50), 1, "z = 50, t = 1");
    assertWithinUlps(SigmoidCrossEntropy.element(-50, 0.0), Math.exp(-50), 1, "z = -50, t = 0");
  }

  @Test
  void aConfidentWrongLogitCostsItsMagnitude() {
    // −log σ(−50) = 50 + log1p(e^−50), and e^−50 is far below half an ulp of 50.
    assertSameDouble(SigmoidCrossEntropy.element(-50, 1.0), 50.0, "z = -50, t = 1");
  }

  @Test
  void anEmptyRowCostsNothing() {
    // The empty sum.
    assertSameDouble(SigmoidCrossEntropy.row(new double[0], new double[0]), 0.0, "double");
    assertSameDouble(SigmoidCrossEntropy.row(new float[0], new double[0]), 0.0, "float");
  }

  @Test
  void theRowLossIsTheSumNotTheMeanOfItsElements() {
    // Two elements of ln 2 (z = 0): the row costs 2·ln 2.
    assertWithinUlps(
        SigmoidCrossEntropy.row(new double[] {0, 0}, new double[] {1, 0}), 2 * LN2, 1, "double");
    assertWithinUlps(
        SigmoidCrossEntropy.row(new float[] {0, 0}, new double[] {0.3, 0.9}), 2 * LN2, 1, "float");
  }

  @Test
  void theRowSumKeepsElementsThatPlainSummationWouldDrop() {
    // ln 2 (z = 0) plus 100,000 elements of log1p(e^−40) ≈ 4.2e-18 each, every one below half an
    // ulp of ln 2 (5.6e-17): a plain sum stays at ln 2, the row is ln 2 + 4.2e-13.
    double[] z = new double[100_001];
    double[] t = new double[z.length];
    Arrays.fill(z, -40.0);
    z[0] = 0.0;
    double expected = LN2 + 100_000 * Math.exp(-40);
    assertWithinUlps(SigmoidCrossEntropy.row(z, t), expected, 2, "double");
    assertWithinUlps(
        SigmoidCrossEntropy.row(KernelTestSupport.toFloats(z), t), expected, 2, "float");
  }

  @Test
  void aRowWithANaNElementIsNaNWhereverItStands() {
    // An infinite element before or after does not hide the NaN.
    double[] t = {1, 0.5, 0};
    assertThat(SigmoidCrossEntropy.row(new double[] {-INF, NAN, 0}, t)).isNaN();
    assertThat(SigmoidCrossEntropy.row(new double[] {NAN, -INF, 0}, t)).isNaN();
    assertThat(SigmoidCrossEntropy.row(new float[] {0, 0, 0}, new double[] {0, 0, NAN})).isNaN();
  }

  @Test
  void aRowWithAnInfiniteElementIsInfinite() {
    // z = −∞ with t = 1 costs +∞; the finite elements around it do not matter.
    assertSameDouble(
        SigmoidCrossEntropy.row(new double[] {1, -INF, 2}, new double[] {0, 1, 0}), INF, "double");
    assertSameDouble(
        SigmoidCrossEntropy.row(new float[] {Float.POSITIVE_INFINITY}, new double[] {0}),
        INF,
        "float");
  }

  @Test
  void aRowWhoseExactSumExceedsTheDoubleRangeIsInfinite() {
    // MAX + MAX = 2·MAX: beyond every double, so +∞ is its rounding.
    assertSameDouble(
        SigmoidCrossEntropy.row(
            new double[] {Double.MAX_VALUE, Double.MAX_VALUE}, new double[] {0, 0}),
        INF,
        "2·MAX");
  }

  @Test
  void theLargestFloatRowCostsTheLargestFloatInDouble() {
    assertSameDouble(
        SigmoidCrossEntropy.row(new float[] {Float.MAX_VALUE}, new double[] {0}),
        Float.MAX_VALUE,
        "float");
  }

  @Test
  void targetsOfAnotherLengthThrowIllegalArgument() {
    assertThatThrownBy(() -> SigmoidCrossEntropy.row(new float[] {1}, new double[] {1, 0}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute cross-entropy: 2 labels for 1 logits");
    assertThatThrownBy(() -> SigmoidCrossEntropy.row(new double[] {1, 2}, new double[0]))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute cross-entropy: 0 labels for 2 logits");
  }

  // ---- seeded properties ----

  /** z with magnitudes from 1e-3 to 1e3 and either sign. */
  private static double randomLogit(SplittableRandom random) {
    return random.nextGaussian() * Math.pow(10, random.nextInt(-3, 4));
  }

  /** The binary entropy −t·ln t − (1 − t)·ln(1 − t), for 0 < t < 1. */
  private static double binaryEntropy(double t) {
    return -t * Math.log(t) - (1 - t) * Math.log1p(-t);
  }

  @Test
  void everyElementIsNonNegativeForTargetsInTheUnitInterval() {
    forEachSeed(
        0x516_0001L,
        200,
        random -> {
          double z = randomLogit(random);
          double t = random.nextInt(4) == 0 ? random.nextInt(2) : random.nextDouble();
          assertThat(SigmoidCrossEntropy.element(z, t))
              .as("z=%s t=%s", z, t)
              .isGreaterThanOrEqualTo(0.0);
        });
  }

  @Test
  void everyElementAgreesWithTheTextbookForm() {
    forEachSeed(
        0x516_0002L,
        200,
        random -> {
          double z = randomLogit(random);
          double t = random.nextDouble();
          // max(z, 0) − z·t + log1p(e^−|z|): the same value, evaluated with one cancellation;
          // both sides are within a few eps of |z| + 1.
          double textbook = Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
          assertThat(SigmoidCrossEntropy.element(z, t))
              .as("z=%s t=%s", z, t)
              .isCloseTo(textbook, within(4 * EPS * (Math.abs(z) + 1)));
        });
  }

  @Test
  void flippingTheLogitAndTheTargetLeavesTheLossUnchanged() {
    // σ(−z) = 1 − σ(z), so the loss of (z, t) is the loss of (−z, 1 − t). For z > 0 the kernel
    // computes z·(1 − t) + log1p(e^−z) for both, bit for bit.
    forEachSeed(
        0x516_0003L,
        200,
        random -> {
          double z = Math.abs(randomLogit(random));
          double t = random.nextDouble();
          assertSameDouble(
              SigmoidCrossEntropy.element(-z, 1 - t),
              SigmoidCrossEntropy.element(z, t),
              "z=" + z + " t=" + t);
        });
  }

  @Test
  void theLossNeverFallsBelowTheEntropyOfTheTarget() {
    // loss − H(t) is the Kullback-Leibler divergence of σ(z) from t, which is ≥ 0.
    forEachSeed(
        0x516_0004L,
        200,
        random -> {
          double z = randomLogit(random);
          double t = random.nextDouble();
          double entropy = binaryEntropy(t);
          double slack = 8 * EPS * (Math.abs(z) + 1 + entropy);
          assertThat(SigmoidCrossEntropy.element(z, t))
              .as("z=%s t=%s", z, t)
              .isGreaterThanOrEqualTo(entropy - slack);
        });
  }

  @Test
  void theLossEqualsTheEntropyOfTheTargetWhenTheTargetIsSigmaOfZ() {
    // The divergence vanishes at t = σ(z): the minimum over t of loss − H(t). t is a double, so
    // z is taken as the logit of that double, ln t − ln(1 − t): rounding t instead would leave a
    // divergence of (Δt)²/(2t(1 − t)), up to 1e-21 for |z| = 27. For |z| ≤ 30 both t and 1 − t
    // are far from 0, and both sides carry a few eps relative.
    forEachSeed(
        0x516_0005L,
        200,
        random -> {
          double t = 1 / (1 + Math.exp(-random.nextDouble(-30, 30)));
          double z = Math.log(t) - Math.log1p(-t);
          double entropy = binaryEntropy(t);
          assertThat(SigmoidCrossEntropy.element(z, t))
              .as("z=%s t=%s", z, t)
              .isCloseTo(entropy, within(1e-13 * entropy));
        });
  }

  @Test
  void theRowLossIsTheExactSumOfTheElementsToTwoUlps() {
    forEachSeed(
        0x516_0006L,
        200,
        random -> {
          int width = random.nextInt(1, 301);
          double[] z = new double[width];
          double[] t = new double[width];
          BigDecimal exact = BigDecimal.ZERO;
          for (int i = 0; i < width; i++) {
            z[i] = randomLogit(random);
            t[i] = random.nextDouble();
            exact = exact.add(new BigDecimal(SigmoidCrossEntropy.element(z[i], t[i])));
          }
          // Non-negative terms summed with compensation: within an ulp or two of the exact sum.
          assertWithinUlps(SigmoidCrossEntropy.row(z, t), exact.doubleValue(), 2, "row");
        });
  }

  @Test
  void theFloatRowEqualsTheDoubleRowOnWidenedFloats() {
    forEachSeed(
        0x516_0007L,
        200,
        random -> {
          int width = random.nextInt(1, 301);
          float[] f = new float[width];
          double[] t = new double[width];
          for (int i = 0; i < width; i++) {
            f[i] = (float) randomLogit(random);
            t[i] = random.nextInt(3) == 0 ? random.nextInt(2) : random.nextDouble();
          }
          assertSameDouble(
              SigmoidCrossEntropy.row(f, t),
              SigmoidCrossEntropy.row(KernelTestSupport.widen(f), t),
              "row");
        });
  }
}
