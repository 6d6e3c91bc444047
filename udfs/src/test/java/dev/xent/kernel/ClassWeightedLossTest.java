package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.assertWithinUlps;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static dev.xent.kernel.KernelTestSupport.oneHot;
import static dev.xent.kernel.KernelTestSupport.randomDistribution;
import static dev.xent.kernel.KernelTestSupport.randomLogits;
import static dev.xent.kernel.KernelTestSupport.toFloats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The class sum {@code S = Σ_c cw_c·(lse − z_c)}, the class-weighted dense and sigmoid losses and
 * label smoothing: the edge matrix of their Javadoc, closed forms, and the identities that tie them
 * to the unweighted kernels bit for bit. High-precision values are in {@link
 * WeightedReferenceTest}.
 */
class ClassWeightedLossTest {
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final double NAN = Double.NaN;
  private static final float FINF = Float.POSITIVE_INFINITY;

  private static double classSum(double[] z, double[] w) {
    int k = Logits.argmax(z);
    return SoftmaxCrossEntropy.classSum(z, k, Log1p.of(Logits.restMass(z, k)), w);
  }

  private static double classSum(float[] z, double[] w) {
    int k = Logits.argmax(z);
    return SoftmaxCrossEntropy.classSum(z, k, Log1p.of(Logits.restMass(z, k)), w);
  }

  private static double[] filled(int n, double v) {
    double[] w = new double[n];
    Arrays.fill(w, v);
    return w;
  }

  // ------------------------------------------------------------------------------------------
  // classSum

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3, 1000, 250_000})
  void nEqualLogitsHaveClassSumNLnN(int n) {
    // Every gap is 0 and lse − z_c = ln n for each of the n classes: S = n·ln n (0 for one class).
    double[] z = filled(n, -3.25);
    double want = n * Math.log(n);
    if (n == 1) {
      assertSameDouble(classSum(z, null), 0.0, "one class");
      assertSameDouble(classSum(toFloats(z), filled(1, 2.5)), 0.0, "one weighted float class");
      return;
    }
    assertWithinUlps(classSum(z, null), want, 4, "double");
    assertWithinUlps(classSum(toFloats(z), null), want, 4, "float");
  }

  @Test
  void aMaskedClassWithPositiveWeightMakesTheClassSumInfinite() {
    // lse − (−∞) = +∞, as PyTorch's smoothing term.
    double[] z = {1, -INF, 1};
    assertSameDouble(classSum(z, null), INF, "null weights");
    assertSameDouble(classSum(z, new double[] {1, Double.MIN_VALUE, 1}), INF, "tiny weight");
    assertSameDouble(classSum(new float[] {1, -FINF, 1}, null), INF, "float");
  }

  @Test
  void aMaskedClassWithZeroWeightContributesExactlyZero() {
    // [1, −∞, 1] with the masked class weighted 0 is [1, 1]: S = 2·ln 2.
    for (double zero : new double[] {0.0, -0.0}) {
      double[] w = {1, zero, 1};
      assertWithinUlps(classSum(new double[] {1, -INF, 1}, w), 2 * Math.log(2), 2, "double");
      assertWithinUlps(classSum(new float[] {1, -FINF, 1}, w), 2 * Math.log(2), 2, "float");
    }
    // [0, −∞] weighted [1, 0]: 1·(0 − 0) + 1·log1p(0) = 0 exactly.
    assertSameDouble(classSum(new double[] {0, -INF}, new double[] {1, 0}), 0.0, "one left");
  }

  @Test
  void theLargestFloatsGiveTheExactGap() {
    // Gaps 0 and 2·MAX (exact in double), rest = e^−6.8e38 = 0: S = 2·Float.MAX_VALUE exactly.
    float[] z = {Float.MAX_VALUE, -Float.MAX_VALUE};
    assertSameDouble(classSum(z, null), 2.0 * Float.MAX_VALUE, "float");
    assertSameDouble(
        classSum(new double[] {Float.MAX_VALUE, -Float.MAX_VALUE}, null),
        2.0 * Float.MAX_VALUE,
        "double");
  }

  @Test
  void aSubnormalGapIsKept() {
    // z = [MIN_VALUE, 0]: gaps 0 and MIN_VALUE, lse − z_c ≈ ln 2 each: S = 2·ln 2 + MIN_VALUE.
    assertWithinUlps(classSum(new double[] {Double.MIN_VALUE, 0}, null), 2 * Math.log(2), 2, "");
    // Weighted [0, 1]: only class 1, whose loss is MIN_VALUE + log1p(e^−MIN_VALUE) ≈ ln 2.
    assertWithinUlps(
        classSum(new double[] {Double.MIN_VALUE, 0}, new double[] {0, 1}), Math.log(2), 1, "");
  }

  @ParameterizedTest
  @ValueSource(doubles = {NAN, -1.0, -Double.MIN_VALUE, INF, Double.NEGATIVE_INFINITY})
  void aNegativeNaNOrInfiniteWeightGivesNaN(double bad) {
    double[] w = {1, bad, 1};
    assertThat(classSum(new double[] {0, 1, 2}, w)).isNaN();
    assertThat(classSum(new float[] {0, 1, 2}, w)).isNaN();
    assertThat(SoftmaxCrossEntropy.dense(new double[] {0, 1, 2}, oneHot(3, 0), 2, w)).isNaN();
    assertThat(SigmoidCrossEntropy.row(new double[] {0, 1, 2}, oneHot(3, 0), w)).isNaN();
  }

  @Test
  void anInvalidRowGivesNaN() {
    // Empty (k = −1), +∞ maximum, only −∞, NaN log1pRest.
    assertThat(SoftmaxCrossEntropy.classSum(new double[0], -1, 0.0, null)).isNaN();
    assertThat(classSum(new double[] {1, INF}, null)).isNaN();
    assertThat(classSum(new double[] {-INF, -INF}, null)).isNaN();
    assertThat(classSum(new float[] {-FINF}, null)).isNaN();
    assertThat(SoftmaxCrossEntropy.classSum(new double[] {1, 2}, 1, NAN, null)).isNaN();
  }

  @Test
  void weightsOfAnotherLengthAreRejectedWithBothLengths() {
    assertThatThrownBy(() -> classSum(new double[] {1, 2, 3}, new double[] {1, 1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute class-weighted cross-entropy: 2 class weights for 3 logits");
    assertThatThrownBy(
            () -> SoftmaxCrossEntropy.dense(new float[] {1, 2}, oneHot(2, 0), 1, new double[3]))
        .hasMessage("Cannot compute class-weighted cross-entropy: 3 class weights for 2 logits");
    assertThatThrownBy(
            () -> SigmoidCrossEntropy.row(new double[] {1}, new double[] {1}, new double[2]))
        .hasMessage("Cannot compute class-weighted cross-entropy: 2 class weights for 1 logits");
  }

  @Test
  void aOneHotWeightGivesTheSparseLossBitForBit() {
    // S with cw = onehot(y) is 1·(z_k − z_y) + 1·log1p(rest), the sparse loss's own operations.
    forEachSeed(
        0xC5_0001L,
        300,
        random -> {
          double[] z = randomLogits(random);
          int y = random.nextInt(z.length);
          float[] f = toFloats(z);
          assertSameDouble(classSum(z, oneHot(z.length, y)), SoftmaxCrossEntropy.sparse(z, y), "");
          assertSameDouble(classSum(f, oneHot(z.length, y)), SoftmaxCrossEntropy.sparse(f, y), "");
        });
  }

  @Test
  void nullWeightsAllOnesAndPowersOfTwoAgreeBitForBit() {
    // A weight of 1 is an exact no-op; 2 scales every rounding exactly (no overflow here).
    forEachSeed(
        0xC5_0002L,
        300,
        random -> {
          double[] z = randomLogits(random);
          int n = z.length;
          float[] f = toFloats(z);
          double[] p = randomDistribution(random, n);
          double[] t = new double[n];
          for (int i = 0; i < n; i++) {
            t[i] = random.nextInt(3) / 2.0;
          }
          int k = Logits.argmax(z);
          int kf = Logits.argmax(f);
          double[] ones = filled(n, 1.0);
          double[] twos = filled(n, 2.0);
          assertSameDouble(classSum(z, ones), classSum(z, null), "classSum ones");
          assertSameDouble(classSum(f, ones), classSum(f, null), "classSum ones float");
          assertSameDouble(classSum(z, twos), 2 * classSum(z, null), "classSum twos");
          double dense = SoftmaxCrossEntropy.dense(z, p);
          assertSameDouble(SoftmaxCrossEntropy.dense(z, p, k, null), dense, "dense null");
          assertSameDouble(SoftmaxCrossEntropy.dense(z, p, k, ones), dense, "dense ones");
          assertSameDouble(SoftmaxCrossEntropy.dense(z, p, k, twos), 2 * dense, "dense twos");
          assertSameDouble(
              SoftmaxCrossEntropy.dense(f, p, kf, ones),
              SoftmaxCrossEntropy.dense(f, p),
              "dense float");
          double row = SigmoidCrossEntropy.row(z, t);
          assertSameDouble(SigmoidCrossEntropy.row(z, t, null), row, "sigmoid null");
          assertSameDouble(SigmoidCrossEntropy.row(z, t, ones), row, "sigmoid ones");
          assertSameDouble(SigmoidCrossEntropy.row(z, t, twos), 2 * row, "sigmoid twos");
          assertSameDouble(
              SigmoidCrossEntropy.row(f, t, ones), SigmoidCrossEntropy.row(f, t), "sigmoid float");
        });
  }

  @Test
  void theClassSumIsTheSumOfEverySparseLoss() {
    // S = Σ_c (lse − z_c) = Σ_c sparse(z, c): each term within a few ulps, all ≥ 0.
    forEachSeed(
        0xC5_0003L,
        200,
        random -> {
          double[] z = randomLogits(random);
          double sum = 0;
          for (int c = 0; c < z.length; c++) {
            sum += SoftmaxCrossEntropy.sparse(z, c);
          }
          double s = classSum(z, null);
          if (Double.isInfinite(sum)) {
            assertSameDouble(s, INF, "masked");
          } else {
            assertThat(Math.abs(s - sum)).isLessThanOrEqualTo(1e-12 * sum + Double.MIN_NORMAL);
          }
        });
  }

  // ------------------------------------------------------------------------------------------
  // Class-weighted dense and sigmoid

  @Test
  void aZeroWeightRemovesAMaskedClassFromTheDenseLoss() {
    // p puts mass on the masked class: +∞, unless its weight is 0 (then [2, 0] weighted [1, 0]
    // over z = [0, −∞] is 1·0.5·(0 − 0 + log1p(0)) = 0 exactly).
    double[] z = {0, -INF};
    double[] p = {0.5, 0.5};
    assertSameDouble(SoftmaxCrossEntropy.dense(z, p, 0, new double[] {1, 1}), INF, "weighted");
    assertSameDouble(SoftmaxCrossEntropy.dense(z, p, 0, new double[] {1, 0}), 0.0, "zero weight");
    assertSameDouble(
        SoftmaxCrossEntropy.dense(new float[] {0, -FINF}, p, 0, new double[] {2, -0.0}),
        0.0,
        "float, −0.0 weight");
  }

  @Test
  void theWeightedDenseLossOfEqualLogitsIsLnNTimesTheWeightedMass() {
    // lse − z_c = ln 4 for every c: Σ cw_c·p_c·ln 4 = (0.25·(1 + 2 + 3 + 4))·ln 4 = 2.5·ln 4.
    double[] z = {7, 7, 7, 7};
    double[] p = {0.25, 0.25, 0.25, 0.25};
    double[] w = {1, 2, 3, 4};
    assertWithinUlps(SoftmaxCrossEntropy.dense(z, p, 0, w), 2.5 * Math.log(4), 3, "double");
    assertWithinUlps(
        SoftmaxCrossEntropy.dense(toFloats(z), p, 0, w), 2.5 * Math.log(4), 3, "float");
  }

  @Test
  void aZeroWeightRemovesAnInfiniteOrNaNSigmoidElement() {
    // z = −∞ with t = 1 costs +∞; weighted 0 it costs nothing, and z = 0, t = 1 costs ln 2.
    double[] z = {-INF, 0, NAN};
    double[] t = {1, 1, 0};
    assertSameDouble(SigmoidCrossEntropy.row(z, t, new double[] {1, 1, 0}), INF, "weighted");
    assertWithinUlps(
        SigmoidCrossEntropy.row(z, t, new double[] {0, 2.5, 0}), 2.5 * Math.log(2), 1, "zero");
    assertWithinUlps(
        SigmoidCrossEntropy.row(new float[] {-FINF, 0}, new double[] {1, 1}, new double[] {0, 1}),
        Math.log(2),
        1,
        "float");
  }

  // ------------------------------------------------------------------------------------------
  // Label smoothing

  @Test
  void zeroSmoothingIsTheUnsmoothedLossBitForBit() {
    forEachSeed(
        0xC5_0004L,
        300,
        random -> {
          double[] z = randomLogits(random);
          float[] f = toFloats(z);
          int y = random.nextInt(z.length);
          double[] p = randomDistribution(random, z.length);
          assertSameDouble(
              SoftmaxCrossEntropy.smoothed(z, y, 0.0), SoftmaxCrossEntropy.sparse(z, y), "sparse");
          assertSameDouble(
              SoftmaxCrossEntropy.smoothed(f, y, -0.0), SoftmaxCrossEntropy.sparse(f, y), "float");
          assertSameDouble(
              SoftmaxCrossEntropy.smoothed(z, p, 0.0), SoftmaxCrossEntropy.dense(z, p), "dense");
          assertThat(Scoring.sparse(z, y, 0.0)).isEqualTo(Scoring.sparse(z, (double) y));
          assertThat(Scoring.dense(f, p, 0.0)).isEqualTo(Scoring.dense(f, p));
        });
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 10, 250_000})
  void smoothingAUniformRowKeepsItsLossLnN(int n) {
    // Every class has lse − z_c = ln n, so (1 − E)·ln n + (E/n)·n·ln n = ln n for every E.
    double[] z = filled(n, 0.5);
    for (double e : new double[] {0.1, 0.5, 0.999}) {
      double got = SoftmaxCrossEntropy.smoothed(z, n - 1, e);
      if (n == 1) {
        assertSameDouble(got, 0.0, "one class");
      } else {
        assertWithinUlps(got, Math.log(n), 4, "E = " + e);
        assertWithinUlps(
            SoftmaxCrossEntropy.smoothed(toFloats(z), oneHot(n, 0), e), Math.log(n), 4, "dense");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(doubles = {Double.MIN_VALUE, 1e-300, 0.1, 0.999})
  void anyPositiveSmoothingOfARowWithAMaskedClassIsInfinite(double e) {
    // The masked class gets target mass E/C > 0 (even when E/C rounds to 0): never 0·∞ = NaN.
    double[] z = {1, -INF, 0};
    assertSameDouble(SoftmaxCrossEntropy.smoothed(z, 0, e), INF, "sparse");
    assertSameDouble(SoftmaxCrossEntropy.smoothed(toFloats(z), 2, e), INF, "float");
    assertSameDouble(SoftmaxCrossEntropy.smoothed(z, oneHot(3, 0), e), INF, "dense");
  }

  @Test
  void smoothingMixesTheHardLossWithTheMeanLossOverClasses() {
    // The defining formula, term by term from the sparse kernel: (1 − E)·ℓ_y + (E/C)·Σ_c ℓ_c.
    forEachSeed(
        0xC5_0005L,
        200,
        random -> {
          double[] z = randomLogits(random);
          int y = random.nextInt(z.length);
          double e = random.nextDouble() * 0.9;
          double sum = 0;
          for (int c = 0; c < z.length; c++) {
            sum += SoftmaxCrossEntropy.sparse(z, c);
          }
          double want = (1 - e) * SoftmaxCrossEntropy.sparse(z, y) + e / z.length * sum;
          double got = SoftmaxCrossEntropy.smoothed(z, y, e);
          if (Double.isInfinite(want)) {
            assertSameDouble(got, INF, "masked");
          } else {
            assertThat(Math.abs(got - want)).isLessThanOrEqualTo(1e-12 * want + Double.MIN_NORMAL);
          }
        });
  }

  @Test
  void smoothingFindsAFiniteLossWhoseClassSumOverflows() {
    // z = [MAX, −MAX, 0]: S = 0 + 2·MAX + MAX overflows, but (E/3)·S = E·MAX is finite; the hard
    // loss of y = 0 is log1p(e^−MAX + e^−2MAX) = 0. E = 0.5: MAX/2 up to the roundings of MAX/3.
    double max = Double.MAX_VALUE;
    double got = SoftmaxCrossEntropy.smoothed(new double[] {max, -max, 0}, 0, 0.5);
    assertThat(got).isCloseTo(max / 2, within(1e-15 * max));
  }
}
