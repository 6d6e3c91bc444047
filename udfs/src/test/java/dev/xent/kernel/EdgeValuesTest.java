package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The edge-value matrix of every kernel, float and double: NaN, ±∞, −0.0, subnormals, the largest
 * finite values, the empty row, one class and 250,000 classes. Each expectation is derived in a
 * comment from the definitions, never from running the kernel.
 */
class EdgeValuesTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final float FNAN = Float.NaN;
  private static final float FINF = Float.POSITIVE_INFINITY;

  @ParameterizedTest
  @ValueSource(
      doubles = {
        0.0,
        -0.0,
        1.5,
        -7.25,
        Double.MIN_VALUE,
        -Double.MIN_VALUE,
        Double.MAX_VALUE,
        -Double.MAX_VALUE,
        1e30,
        -1e30
      })
  void theLogSumExpOfOneValueIsThatValue(double x) {
    // log(exp(x)) = x exactly: the max shift leaves rest = 0 and log1p(0) = 0.
    assertThat(LogSumExp.logSumExp(new double[] {x})).isEqualTo(x == -0.0 ? x + 0.0 : x);
    assertThat(LogSumExp.logSumExp(new float[] {(float) x})).isEqualTo((double) (float) x + 0.0);
  }

  @Test
  void theLogSumExpOfNEqualValuesIsTheValuePlusLogN() {
    // log(n·e^c) = c + ln n.
    for (int n : new int[] {2, 3, 10, 1000}) {
      double[] z = new double[n];
      Arrays.fill(z, 4.5);
      assertThat(LogSumExp.logSumExp(z)).isCloseTo(4.5 + Math.log(n), within(1e-15 * (4.5 + n)));
    }
    double[] huge = {Double.MAX_VALUE, Double.MAX_VALUE};
    // MAX + ln 2 rounds back to MAX: ln 2 is far below half an ulp of MAX (≈ 1e292).
    assertThat(LogSumExp.logSumExp(huge)).isEqualTo(Double.MAX_VALUE);
  }

  @Test
  void theLogSumExpOfNonFiniteRows() {
    // Empty sum: log 0 = −∞; any NaN → NaN; +∞ dominates; −∞ contributes e^−∞ = 0.
    assertThat(LogSumExp.logSumExp(new double[0])).isEqualTo(-INF);
    assertThat(LogSumExp.logSumExp(new float[0])).isEqualTo(-INF);
    assertThat(LogSumExp.logSumExp(new double[] {1, NAN})).isNaN();
    assertThat(LogSumExp.logSumExp(new float[] {FNAN, 1})).isNaN();
    assertThat(LogSumExp.logSumExp(new double[] {INF, NAN})).isNaN();
    assertThat(LogSumExp.logSumExp(new double[] {1, INF})).isEqualTo(INF);
    assertThat(LogSumExp.logSumExp(new float[] {1, FINF})).isEqualTo(INF);
    assertThat(LogSumExp.logSumExp(new double[] {-INF, -INF})).isEqualTo(-INF);
    assertThat(LogSumExp.logSumExp(new double[] {-INF, 2.0})).isEqualTo(2.0);
  }

  @Test
  void argmaxTiesGoToTheLowestIndexAndNaNWins() {
    assertThat(Logits.argmax(new double[] {1, 3, 3})).isEqualTo(1);
    // −0.0 and 0.0 are equal under IEEE comparison: a tie.
    assertThat(Logits.argmax(new double[] {-0.0, 0.0})).isZero();
    assertThat(Logits.argmax(new double[] {0.0, -0.0})).isZero();
    assertThat(Logits.argmax(new float[] {-0.0f, 0.0f})).isZero();
    assertThat(Logits.argmax(new double[] {-INF, -INF})).isZero();
    assertThat(Logits.argmax(new double[] {1, INF, INF})).isEqualTo(1);
    assertThat(Logits.argmax(new double[] {INF, 1, NAN})).isEqualTo(2);
    assertThat(Logits.argmax(new float[] {1, FNAN, FNAN})).isEqualTo(1);
    assertThat(Logits.argmax(new double[0])).isEqualTo(-1);
    assertThat(Logits.argmax(new float[0])).isEqualTo(-1);
    assertThat(Logits.argmax(new double[] {-Double.MAX_VALUE})).isZero();
  }

  @Test
  void softmaxOfEqualValuesIsUniform() {
    assertThat(Softmax.softmax(new double[] {7, 7, 7, 7})).containsOnly(0.25);
    assertThat(Softmax.softmax(new float[] {-2, -2})).containsOnly(0.5);
    assertThat(Softmax.softmax(new double[] {Double.MAX_VALUE, Double.MAX_VALUE}))
        .containsOnly(0.5);
  }

  @Test
  void aMaskedClassHasProbabilityZeroAndLogProbabilityMinusInfinity() {
    double[] z = {1, -INF, 1};
    assertThat(Softmax.softmax(z)).containsExactly(0.5, 0.0, 0.5);
    assertThat(Softmax.logSoftmax(z)).containsExactly(-Math.log(2), -INF, -Math.log(2));
    float[] f = {1, Float.NEGATIVE_INFINITY, 1};
    assertThat(Softmax.softmax(f)).containsExactly(0.5, 0.0, 0.5);
  }

  @Test
  void softmaxOfInvalidRowsIsAllNaNAndOfEmptyRowsIsEmpty() {
    // NaN → undefined; +∞ → undefined in general (two +∞ give ∞/∞); all −∞ → 0/0.
    for (double[] z : new double[][] {{1, NAN}, {INF, 1}, {-INF, -INF}}) {
      assertThat(Softmax.softmax(z)).containsOnly(Double.NaN);
      assertThat(Softmax.logSoftmax(z)).containsOnly(Double.NaN);
    }
    assertThat(Softmax.softmax(new float[] {FINF})).containsOnly(Double.NaN);
    assertThat(Softmax.softmax(new double[0])).isEmpty();
    assertThat(Softmax.logSoftmax(new float[0])).isEmpty();
  }

  @Test
  void oneClassHasProbabilityOneAndLossZero() {
    assertThat(Softmax.softmax(new double[] {-1e30})).containsExactly(1.0);
    assertThat(Softmax.logSoftmax(new float[] {Float.MAX_VALUE})).containsExactly(0.0);
    assertThat(SoftmaxCrossEntropy.sparse(new double[] {Double.MIN_VALUE}, 0)).isZero();
    assertThat(SoftmaxCrossEntropy.sparse(new float[] {-Float.MAX_VALUE}, 0)).isZero();
    assertThat(SoftmaxCrossEntropy.dense(new double[] {3}, new double[] {1})).isZero();
  }

  @Test
  void subnormalLogitsBehaveLikeZeros() {
    // e^(±MIN_VALUE) = 1 to double precision: two classes, loss ln 2.
    double[] z = {Double.MIN_VALUE, -Double.MIN_VALUE};
    assertThat(SoftmaxCrossEntropy.sparse(z, 1)).isEqualTo(Math.log(2));
    float[] f = {Float.MIN_VALUE, 0f};
    assertThat(SoftmaxCrossEntropy.sparse(f, 0)).isCloseTo(Math.log(2), within(1e-16));
  }

  @Test
  void theLargestFloatsDoNotOverflow() {
    // z = [MAX, −MAX] (float): loss of the minimum class = 2·MAX_FLOAT exactly in double.
    float[] f = {Float.MAX_VALUE, -Float.MAX_VALUE};
    assertThat(SoftmaxCrossEntropy.sparse(f, 1)).isEqualTo(2.0 * Float.MAX_VALUE);
    assertThat(SoftmaxCrossEntropy.sparse(f, 0)).isZero();
    // In double, MAX − (−MAX) overflows to +∞: the true loss exceeds every double.
    assertThat(SoftmaxCrossEntropy.sparse(new double[] {Double.MAX_VALUE, -Double.MAX_VALUE}, 1))
        .isEqualTo(INF);
  }

  @Test
  void aMaskedLabelHasInfiniteLossAndAZeroWeightMaskedClassContributesNothing() {
    assertThat(SoftmaxCrossEntropy.sparse(new double[] {0, -INF}, 1)).isEqualTo(INF);
    assertThat(SoftmaxCrossEntropy.sparse(new float[] {0, Float.NEGATIVE_INFINITY}, 1))
        .isEqualTo(INF);
    // p = [1, 0] over z = [0, −∞]: the only term is 1·(lse − 0) = 0, and 0·∞ is never formed.
    assertThat(SoftmaxCrossEntropy.dense(new double[] {0, -INF}, new double[] {1, 0})).isZero();
    assertThat(SoftmaxCrossEntropy.dense(new double[] {0, -INF}, new double[] {1, -0.0})).isZero();
    assertThat(SoftmaxCrossEntropy.dense(new double[] {0, -INF}, new double[] {0.5, 0.5}))
        .isEqualTo(INF);
  }

  @Test
  void lossesOfInvalidLogitsAreNaN() {
    assertThat(SoftmaxCrossEntropy.sparse(new double[] {1, NAN}, 0)).isNaN();
    assertThat(SoftmaxCrossEntropy.sparse(new double[] {1, INF}, 0)).isNaN();
    assertThat(SoftmaxCrossEntropy.sparse(new double[] {-INF, -INF}, 0)).isNaN();
    assertThat(SoftmaxCrossEntropy.dense(new double[] {1, NAN}, new double[] {1, 0})).isNaN();
    assertThat(SoftmaxCrossEntropy.dense(new double[] {1, 2}, new double[] {NAN, 1})).isNaN();
    assertThat(SoftmaxCrossEntropy.dense(new double[0], new double[0])).isNaN();
  }

  @Test
  void aLabelOutsideTheRowOrLabelsOfAnotherLengthThrow() {
    assertThatThrownBy(() -> SoftmaxCrossEntropy.sparse(new double[] {1, 2}, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> SoftmaxCrossEntropy.dense(new double[] {1, 2}, new double[] {1}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Cannot compute cross-entropy: 1 labels for 2 logits");
    assertThatThrownBy(() -> SigmoidCrossEntropy.row(new float[] {1}, new double[] {1, 0}))
        .hasMessage("Cannot compute cross-entropy: 2 labels for 1 logits");
  }

  @Test
  void sigmoidElementsAtTheEdges() {
    // z = −∞ is probability 0: loss 0 for t = 0, +∞ otherwise; z = +∞ mirrors it.
    assertThat(SigmoidCrossEntropy.element(-INF, 0)).isZero();
    assertThat(SigmoidCrossEntropy.element(-INF, 0.5)).isEqualTo(INF);
    assertThat(SigmoidCrossEntropy.element(INF, 1)).isZero();
    assertThat(SigmoidCrossEntropy.element(INF, 0)).isEqualTo(INF);
    assertThat(SigmoidCrossEntropy.element(NAN, 0)).isNaN();
    assertThat(SigmoidCrossEntropy.element(0, NAN)).isNaN();
    // z = 0: σ = 1/2, loss ln 2 whatever t.
    assertThat(SigmoidCrossEntropy.element(0, 0.3)).isEqualTo(Math.log(2));
    assertThat(SigmoidCrossEntropy.element(-0.0, 1)).isEqualTo(Math.log(2));
    // t = 1, z = 50: −log σ(50) = log1p(e^−50) ≈ e^−50, not 0 and not rounding noise.
    assertThat(SigmoidCrossEntropy.element(50, 1)).isCloseTo(Math.exp(-50), within(1e-36));
    // t = 0, z = −MAX: log1p(e^−MAX) = 0; t = 1: MAX.
    assertThat(SigmoidCrossEntropy.element(-Double.MAX_VALUE, 0)).isZero();
    assertThat(SigmoidCrossEntropy.element(-Double.MAX_VALUE, 1)).isEqualTo(Double.MAX_VALUE);
    assertThat(SigmoidCrossEntropy.row(new double[0], new double[0])).isZero();
  }

  @Test
  void aRowOf250000ClassesIsAccurate() {
    // 250,000 equal logits but one larger by ln 2: rest = 249,999/2, loss of the top class
    // = log1p(124,999.5) = ln(125,000.5).
    double[] z = new double[250_000];
    Arrays.fill(z, -3.0);
    z[123_456] = -3.0 + Math.log(2);
    double expected = Math.log(125_000.5);
    assertThat(SoftmaxCrossEntropy.sparse(z, 123_456)).isCloseTo(expected, within(1e-14));
    float[] f = new float[250_000];
    Arrays.fill(f, 2.0f);
    // Uniform over 250,000: every loss is ln 250,000.
    assertThat(SoftmaxCrossEntropy.sparse(f, 249_999)).isCloseTo(Math.log(250_000), within(1e-14));
    assertThat(Arrays.stream(Softmax.softmax(f)).sum()).isCloseTo(1.0, within(1e-12));
  }
}
