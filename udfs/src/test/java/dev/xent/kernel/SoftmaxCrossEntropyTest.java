package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.assertWithinUlps;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static dev.xent.kernel.KernelTestSupport.oneHot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link SoftmaxCrossEntropy}, sparse and dense, float and double: the edge-value matrix (every
 * sentence of the "Non-finite behaviour" paragraph) and seeded properties. The loss of label y is
 * lse(z) − z_y; the dense loss is Σ p_j·(lse(z) − z_j).
 */
class SoftmaxCrossEntropyTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final float FINF = Float.POSITIVE_INFINITY;
  private static final double LN2 = Math.log(2);

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
  void aSingleClassHasLossExactlyZero(double x) {
    // lse([x]) − x = (x − x) + log1p(0) = +0.0.
    assertSameDouble(SoftmaxCrossEntropy.sparse(new double[] {x}, 0), 0.0, "sparse");
    assertSameDouble(SoftmaxCrossEntropy.dense(new double[] {x}, new double[] {1}), 0.0, "dense");
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
  void aSingleFloatClassHasLossExactlyZero(float x) {
    assertSameDouble(SoftmaxCrossEntropy.sparse(new float[] {x}, 0), 0.0, "sparse");
    assertSameDouble(SoftmaxCrossEntropy.dense(new float[] {x}, new double[] {1}), 0.0, "dense");
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 10, 1000, 250_000})
  void nEqualLogitsGiveLossLnN(int n) {
    // Uniform over n classes: −log(1/n) = ln n; log1p(n − 1) and Math.log(n) are each within an
    // ulp of it.
    double[] z = new double[n];
    Arrays.fill(z, 2.0);
    float[] f = KernelTestSupport.toFloats(z);
    int label = n - 1;
    assertWithinUlps(SoftmaxCrossEntropy.sparse(z, label), Math.log(n), 2, "sparse double");
    assertWithinUlps(SoftmaxCrossEntropy.sparse(f, label), Math.log(n), 2, "sparse float");
    assertWithinUlps(
        SoftmaxCrossEntropy.dense(z, oneHot(n, label)), Math.log(n), 2, "dense double");
    assertWithinUlps(SoftmaxCrossEntropy.dense(f, oneHot(n, label)), Math.log(n), 2, "dense float");
  }

  @Test
  void minusZeroAndZeroLogitsGiveLn2ForEitherLabel() {
    double[] z = {-0.0, 0.0};
    assertWithinUlps(SoftmaxCrossEntropy.sparse(z, 0), LN2, 1, "label 0");
    assertWithinUlps(SoftmaxCrossEntropy.sparse(z, 1), LN2, 1, "label 1");
  }

  @Test
  void aMaskedLabelHasInfiniteLoss() {
    // p_y = 0 exactly, −log 0 = +∞.
    assertSameDouble(SoftmaxCrossEntropy.sparse(new double[] {0, -INF}, 1), INF, "double");
    assertSameDouble(SoftmaxCrossEntropy.sparse(new float[] {0, -FINF}, 1), INF, "float");
  }

  @Test
  void aMaskedClassThatIsNotTheLabelIsIgnored() {
    // [1, −∞, 1] is [1, 1] for every unmasked label: ln 2. [0, −∞] with label 0 is one class.
    assertWithinUlps(SoftmaxCrossEntropy.sparse(new double[] {1, -INF, 1}, 2), LN2, 1, "double");
    assertWithinUlps(SoftmaxCrossEntropy.sparse(new float[] {1, -FINF, 1}, 0), LN2, 1, "float");
    assertSameDouble(SoftmaxCrossEntropy.sparse(new double[] {0, -INF}, 0), 0.0, "one left");
  }

  @Test
  void aZeroLabelProbabilityOnAMaskedClassContributesNothing() {
    // p = [1, 0] over z = [0, −∞]: the only term is 1·(lse − 0) = 0; 0·∞ is never formed.
    double[] z = {0, -INF};
    assertSameDouble(SoftmaxCrossEntropy.dense(z, new double[] {1, 0}), 0.0, "p_j = 0");
    assertSameDouble(SoftmaxCrossEntropy.dense(z, new double[] {1, -0.0}), 0.0, "p_j = -0.0");
    assertSameDouble(
        SoftmaxCrossEntropy.dense(new float[] {0, -FINF}, new double[] {1, 0}), 0.0, "float");
  }

  @Test
  void denseMassOnAMaskedClassGivesInfiniteLoss() {
    double[] z = {0, -INF};
    assertSameDouble(SoftmaxCrossEntropy.dense(z, new double[] {0.5, 0.5}), INF, "double");
    assertSameDouble(
        SoftmaxCrossEntropy.dense(new float[] {0, -FINF}, new double[] {1e-300, 1}), INF, "float");
  }

  @Test
  void aNaNLogitGivesNaN() {
    for (double[] z : new double[][] {{NAN}, {1, NAN}, {NAN, 1}, {INF, NAN}, {-INF, NAN, 1}}) {
      float[] f = KernelTestSupport.toFloats(z);
      double[] p = oneHot(z.length, 0);
      for (int label = 0; label < z.length; label++) {
        assertThat(SoftmaxCrossEntropy.sparse(z, label))
            .as("%s %d", Arrays.toString(z), label)
            .isNaN();
        assertThat(SoftmaxCrossEntropy.sparse(f, label))
            .as("%s %d", Arrays.toString(z), label)
            .isNaN();
      }
      assertThat(SoftmaxCrossEntropy.dense(z, p)).as(Arrays.toString(z)).isNaN();
      assertThat(SoftmaxCrossEntropy.dense(f, p)).as(Arrays.toString(z)).isNaN();
    }
  }

  @Test
  void aNaNLabelProbabilityGivesNaN() {
    assertThat(SoftmaxCrossEntropy.dense(new double[] {1, 2}, new double[] {NAN, 1})).isNaN();
    assertThat(SoftmaxCrossEntropy.dense(new float[] {1, 2}, new double[] {1, NAN})).isNaN();
    // Even on a masked class, where p_j·∞ would otherwise be +∞.
    assertThat(SoftmaxCrossEntropy.dense(new double[] {1, -INF}, new double[] {1, NAN})).isNaN();
  }

  @Test
  void aPlusInfinityLogitGivesNaN() {
    for (double[] z : new double[][] {{INF}, {1, INF}, {INF, 1}, {INF, -INF}}) {
      float[] f = KernelTestSupport.toFloats(z);
      double[] p = oneHot(z.length, 0);
      for (int label = 0; label < z.length; label++) {
        assertThat(SoftmaxCrossEntropy.sparse(z, label))
            .as("%s %d", Arrays.toString(z), label)
            .isNaN();
        assertThat(SoftmaxCrossEntropy.sparse(f, label))
            .as("%s %d", Arrays.toString(z), label)
            .isNaN();
      }
      assertThat(SoftmaxCrossEntropy.dense(z, p)).as(Arrays.toString(z)).isNaN();
      assertThat(SoftmaxCrossEntropy.dense(f, p)).as(Arrays.toString(z)).isNaN();
    }
  }

  @Test
  void aRowOfOnlyMinusInfinityGivesNaN() {
    // No class has any mass: 0/0, even for a masked label.
    assertThat(SoftmaxCrossEntropy.sparse(new double[] {-INF, -INF}, 1)).isNaN();
    assertThat(SoftmaxCrossEntropy.sparse(new float[] {-FINF}, 0)).isNaN();
    assertThat(SoftmaxCrossEntropy.dense(new double[] {-INF, -INF}, new double[] {0.5, 0.5}))
        .isNaN();
    assertThat(SoftmaxCrossEntropy.dense(new float[] {-FINF}, new double[] {1})).isNaN();
  }

  @Test
  void aLabelOutsideTheRowThrowsIndexOutOfBounds() {
    assertThatThrownBy(() -> SoftmaxCrossEntropy.sparse(new double[] {1, 2}, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> SoftmaxCrossEntropy.sparse(new float[] {1, 2}, -1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> SoftmaxCrossEntropy.sparse(new double[0], 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void denseLabelsOfAnotherLengthThrowIllegalArgument() {
    assertThatThrownBy(() -> SoftmaxCrossEntropy.dense(new double[] {1, 2}, new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute cross-entropy: 1 labels for 2 logits");
    assertThatThrownBy(() -> SoftmaxCrossEntropy.dense(new float[] {1}, new double[] {0.5, 0.5}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute cross-entropy: 2 labels for 1 logits");
  }

  @Test
  void theLossOfTheMinimumAgainstTheLargestDoubleOverflowsToInfinity() {
    // The exact loss is MAX − (−MAX) + log1p(e^−2MAX) = 2·MAX, beyond every double: +∞ is its
    // rounding. The maximum's own loss is 0.
    double[] z = {Double.MAX_VALUE, -Double.MAX_VALUE};
    assertSameDouble(SoftmaxCrossEntropy.sparse(z, 1), INF, "minimum");
    assertSameDouble(SoftmaxCrossEntropy.sparse(z, 0), 0.0, "maximum");
  }

  @Test
  void theLossOfTheMinimumAgainstTheLargestFloatIsTwiceTheLargestFloat() {
    // In double, Float.MAX − (−Float.MAX) = 2·Float.MAX exactly.
    float[] z = {Float.MAX_VALUE, -Float.MAX_VALUE};
    assertSameDouble(SoftmaxCrossEntropy.sparse(z, 1), 2.0 * Float.MAX_VALUE, "minimum");
    assertSameDouble(
        SoftmaxCrossEntropy.dense(z, new double[] {0, 1}), 2.0 * Float.MAX_VALUE, "dense");
  }

  @Test
  void subnormalLogitsGiveLn2() {
    // ln(1 + e^∓2ε) = ln 2 ∓ ε: ε ≤ 1.4e-45 is far below half an ulp of ln 2.
    assertWithinUlps(
        SoftmaxCrossEntropy.sparse(new double[] {Double.MIN_VALUE, -Double.MIN_VALUE}, 1),
        LN2,
        1,
        "double");
    assertWithinUlps(
        SoftmaxCrossEntropy.sparse(new float[] {Float.MIN_VALUE, 0f}, 0), LN2, 1, "float");
  }

  @Test
  void aTinyLossKeepsEverySignificantDigit() {
    // Label = maximum: loss = log1p(e^−50) = e^−50·(1 − e^−50/2 …), within an ulp of e^−50;
    // 1 − softmax would give 0.
    assertWithinUlps(
        SoftmaxCrossEntropy.sparse(new double[] {0, -50}, 0), Math.exp(-50), 1, "sparse double");
    assertWithinUlps(
        SoftmaxCrossEntropy.sparse(new float[] {0, -50}, 0), Math.exp(-50), 1, "sparse float");
    assertWithinUlps(
        SoftmaxCrossEntropy.dense(new double[] {0, -50}, new double[] {1, 0}),
        Math.exp(-50),
        1,
        "dense");
  }

  @Test
  void aHugeLossIsTheLogitGapExactly() {
    // (0 − (−1e30)) + log1p(e^−1e30) = 1e30 + 0.
    assertSameDouble(SoftmaxCrossEntropy.sparse(new double[] {0, -1e30}, 1), 1e30, "double");
  }

  @Test
  void denseLabelsAreUsedAsGivenNotRenormalised() {
    // Σ (2·p_j)·(lse − z_j) = 2·Σ p_j·(lse − z_j); doubling is exact.
    double[] z = {0.5, -1.25, 2.0};
    double single = SoftmaxCrossEntropy.dense(z, new double[] {0, 1, 0});
    assertSameDouble(SoftmaxCrossEntropy.dense(z, new double[] {0, 2, 0}), 2 * single, "2·p");
    assertSameDouble(SoftmaxCrossEntropy.dense(z, new double[] {0, 0, 0}), 0.0, "p = 0");
  }

  @Test
  void softLabelsOverEqualLogitsGiveLn2() {
    // z = [0, 0]: lse − z_j = ln 2 for both, and 0.25·ln 2 + 0.75·ln 2 = ln 2.
    assertWithinUlps(
        SoftmaxCrossEntropy.dense(new double[] {0, 0}, new double[] {0.25, 0.75}), LN2, 2, "loss");
  }

  @Test
  void aRowOf250000ClassesMatchesItsClosedForm() {
    // 249,999 logits of −3, one of −3 + ln 2: total mass e^−3·250,001. The top class has
    // probability 2/250,001 (loss ln 125,000.5); any other 1/250,001 (loss ln 250,001).
    double[] z = new double[250_000];
    Arrays.fill(z, -3.0);
    z[123_456] = -3.0 + LN2;
    // The rest mass is accurate to (BLOCK − 1)·u relative (Logits.BLOCK), which log1p passes on
    // as an absolute error.
    double blockBound = (Logits.BLOCK - 1) * 0x1p-53;
    double top = Math.log(125_000.5);
    double other = Math.log(250_001);
    assertThat(SoftmaxCrossEntropy.sparse(z, 123_456))
        .as("top")
        .isCloseTo(top, within(blockBound + 4 * Math.ulp(top)));
    assertThat(SoftmaxCrossEntropy.sparse(z, 7))
        .as("other")
        .isCloseTo(other, within(blockBound + 4 * Math.ulp(other)));
  }

  // ---- seeded properties ----

  @Test
  void everyLossIsNonNegative() {
    forEachSeed(
        0x5CE_0001L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          int label = random.nextInt(z.length);
          assertThat(SoftmaxCrossEntropy.sparse(z, label)).as("sparse").isGreaterThanOrEqualTo(0);
          double[] p = KernelTestSupport.randomDistribution(random, z.length);
          assertThat(SoftmaxCrossEntropy.dense(z, p)).as("dense").isGreaterThanOrEqualTo(0);
        });
  }

  @Test
  void theSparseLossEqualsTheDenseLossOfTheOneHotRow() {
    // The dense sum has the single term 1·((m − z_y) + log1p(rest)): the same value exactly.
    forEachSeed(
        0x5CE_0002L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          int label = random.nextInt(z.length);
          assertSameDouble(
              SoftmaxCrossEntropy.dense(z, oneHot(z.length, label)),
              SoftmaxCrossEntropy.sparse(z, label),
              "label " + label);
        });
  }

  @Test
  void theSparseLossIsTheLogSumExpMinusTheLabelLogit() {
    forEachSeed(
        0x5CE_0003L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          int label = random.nextInt(z.length);
          if (z[label] == Double.NEGATIVE_INFINITY) {
            label = Logits.argmax(z);
          }
          double lse = LogSumExp.logSumExp(z);
          double max = z[Logits.argmax(z)];
          // lse − z_y cancels when z_y ≈ lse, and the kernel's m − z_y when z_y ≈ m: the error
          // of either side is a few ulps of the largest of |lse|, |m| and |z_y|.
          double scale = Math.max(Math.abs(lse), Math.max(Math.abs(max), Math.abs(z[label])));
          double tolerance = 4 * Math.ulp(scale);
          assertThat(SoftmaxCrossEntropy.sparse(z, label))
              .as("label %d", label)
              .isCloseTo(lse - z[label], within(tolerance));
        });
  }

  @Test
  void theLogSoftmaxOfTheLabelIsMinusTheSparseLossExactly() {
    // Both are (m − z_y) + log1p(rest); log-softmax writes 0.0 minus it.
    forEachSeed(
        0x5CE_0004L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          int label = random.nextInt(z.length);
          assertSameDouble(
              Softmax.logSoftmax(z)[label],
              0.0 - SoftmaxCrossEntropy.sparse(z, label),
              "label " + label);
        });
  }

  @Test
  void theDenseLossAgainstItsOwnSoftmaxIsTheEntropyBetweenZeroAndLnC() {
    // H(p, softmax(z)) with p = softmax(z) is the entropy H(p) ∈ [0, ln C]; every term
    // p_j·(lse − z_j) is ≥ 0, so the computed sum is ≥ 0 exactly.
    forEachSeed(
        0x5CE_0005L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          double entropy = SoftmaxCrossEntropy.dense(z, Softmax.softmax(z));
          assertThat(entropy).isGreaterThanOrEqualTo(0.0);
          assertThat(entropy).isLessThanOrEqualTo(Math.log(z.length) * (1 + 1e-12) + 1e-15);
        });
  }

  @Test
  void noOtherModelHasALowerCrossEntropyThanTheLabelsOwnSoftmax() {
    // Gibbs' inequality: H(p, q) ≥ H(p, p) for any distribution q.
    forEachSeed(
        0x5CE_0006L,
        200,
        random -> {
          double[] z = KernelTestSupport.randomLogits(random);
          double[] p = Softmax.softmax(z);
          double entropy = SoftmaxCrossEntropy.dense(z, p);
          double[] other = Arrays.stream(z).map(v -> v + random.nextGaussian()).toArray();
          double slack = 1e-12 * (1 + entropy);
          assertThat(SoftmaxCrossEntropy.dense(other, p)).isGreaterThanOrEqualTo(entropy - slack);
        });
  }

  @Test
  void theFloatOverloadsEqualTheDoubleOverloadsOnWidenedFloats() {
    forEachSeed(
        0x5CE_0007L,
        200,
        random -> {
          float[] f = KernelTestSupport.toFloats(KernelTestSupport.randomLogits(random));
          double[] widened = KernelTestSupport.widen(f);
          int label = random.nextInt(f.length);
          double[] p = KernelTestSupport.randomDistribution(random, f.length);
          assertSameDouble(
              SoftmaxCrossEntropy.sparse(f, label),
              SoftmaxCrossEntropy.sparse(widened, label),
              "sparse");
          assertSameDouble(
              SoftmaxCrossEntropy.dense(f, p), SoftmaxCrossEntropy.dense(widened, p), "dense");
        });
  }
}
