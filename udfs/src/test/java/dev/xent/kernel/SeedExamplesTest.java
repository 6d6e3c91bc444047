package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * The worked numbers of the posts in shared/seeds that motivated xent, reproduced exactly: the
 * TensorFlow two-row example, the five-row float32 example, the sigmoid examples and the overflow
 * example whose naive softmax is NaN. Printed values are compared to the digits they were printed
 * with.
 */
class SeedExamplesTest {
  private static final double[][] TWO_ROWS = {{0.5, 1.5, 0.1}, {2.2, 1.3, 1.7}};
  private static final int[] TWO_ROW_LABELS = {1, 2};

  @Test
  void theTwoRowSoftmaxMatchesTensorFlowsPrint() {
    // tf.nn.softmax printed [0.227863, 0.61939586, 0.15274114], [0.49674623, 0.20196195,
    // 0.30129182].
    assertThat(Softmax.softmax(TWO_ROWS[0]))
        .containsExactly(new double[] {0.227863, 0.61939586, 0.15274114}, within(5e-7));
    assertThat(Softmax.softmax(TWO_ROWS[1]))
        .containsExactly(new double[] {0.49674623, 0.20196195, 0.30129182}, within(5e-9));
  }

  @Test
  void theTwoRowLossesAndMeanMatchTensorFlow() {
    double first = SoftmaxCrossEntropy.sparse(TWO_ROWS[0], TWO_ROW_LABELS[0]);
    double second = SoftmaxCrossEntropy.sparse(TWO_ROWS[1], TWO_ROW_LABELS[1]);
    // Printed per-row losses: [0.4790107, 1.19967598].
    assertThat(first).isCloseTo(0.4790107, within(5e-8));
    assertThat(second).isCloseTo(1.19967598, within(5e-9));
    // The post's means: 0.83934333897877944 (naive) and ...922 (fused); both are within 2 ulps.
    double mean = (first + second) / 2;
    assertThat(mean).isCloseTo(0.83934333897877944, within(2e-16));
    // Closed form through an independent path: ln(Σ e^z) − z_y with java.lang.Math.
    double closedForm =
        (Math.log(Math.exp(0.5) + Math.exp(1.5) + Math.exp(0.1))
                - 1.5
                + Math.log(Math.exp(2.2) + Math.exp(1.3) + Math.exp(1.7))
                - 1.7)
            / 2;
    assertThat(mean).isCloseTo(closedForm, within(4 * Math.ulp(closedForm)));
  }

  @Test
  void theOneHotDenseLossEqualsTheSparseLoss() {
    double[][] oneHot = {{0, 1, 0}, {0, 0, 1}};
    for (int i = 0; i < 2; i++) {
      assertThat(SoftmaxCrossEntropy.dense(TWO_ROWS[i], oneHot[i]))
          .isEqualTo(SoftmaxCrossEntropy.sparse(TWO_ROWS[i], TWO_ROW_LABELS[i]));
    }
  }

  @Test
  void theFiveRowFloatExampleHasMean16_478533() {
    float[][] z = {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}, {7, 4, 5}, {7, 88, 5}};
    int[] labels = {2, 2, 2, 0, 0};
    double sum = 0;
    for (int i = 0; i < z.length; i++) {
      sum += SoftmaxCrossEntropy.sparse(z[i], labels[i]);
    }
    // TensorFlow printed the float32 mean 16.478533.
    assertThat(sum / 5).isCloseTo(16.478533, within(5e-7));
    // Row 5: 88 − 7 + log1p(e^−81 + e^−83) = 81 + ~6.6e-36, which is 81.0 in double.
    assertThat(SoftmaxCrossEntropy.sparse(z[4], 0)).isEqualTo(81.0);
  }

  /**
   * TensorFlow computed these in float32 (eps 6e-8), so its prints carry float32 rounding: agree to
   * 2e-7 relative.
   */
  private static void assertFloat32Print(double actual, double printed) {
    assertThat(actual).isCloseTo(printed, within(2e-7 * Math.abs(printed)));
  }

  @Test
  void theFiveRowSoftmaxMatchesItsFloat32Print() {
    float[][] z = {{1, 2, 3}, {7, 4, 5}, {7, 88, 5}};
    double[][] printed = {
      {9.0030573e-02, 2.4472848e-01, 6.6524094e-01},
      {8.4379470e-01, 4.2010065e-02, 1.1419519e-01},
      {6.6396770e-36, 1.0000000e+00, 8.9858262e-37}
    };
    for (int r = 0; r < z.length; r++) {
      double[] p = Softmax.softmax(z[r]);
      for (int j = 0; j < 3; j++) {
        assertFloat32Print(p[j], printed[r][j]);
      }
    }
  }

  @Test
  void sigmoidElementsMatchTensorFlowsPrint() {
    float[][] z = {{0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, {0.3f, 0.3f, 0.2f, 0.1f, 0.1f}};
    double[][] t = {{0, 0, 0, 1, 0}, {1, 0, 0, 0, 0}};
    // sigmoid_cross_entropy_with_logits printed (float32):
    double[][] printed = {
      {0.7981388, 0.7981388, 0.7981388, 0.59813893, 0.7981388},
      {0.55435514, 0.85435534, 0.7981388, 0.74439663, 0.74439663}
    };
    for (int r = 0; r < 2; r++) {
      double rowSum = 0;
      for (int j = 0; j < 5; j++) {
        double element = SigmoidCrossEntropy.element(z[r][j], t[r][j]);
        assertThat(element).as("row %d element %d", r, j).isCloseTo(printed[r][j], within(2e-7));
        rowSum += printed[r][j];
      }
      // The row loss is the SUM of the elements.
      assertThat(SigmoidCrossEntropy.row(z[r], t[r])).isCloseTo(rowSum, within(1e-6));
    }
  }

  @Test
  void theTwoClassSoftmaxExampleMatchesItsPrint() {
    // tf.float32 placeholders: the inputs are the float32 values of 0.2, 0.8, …
    float[][] z = {{0.2f, 0.8f}, {0.7f, 0.3f}, {0.5f, 0.5f}};
    int[] labels = {1, 0, 0};
    double[] printed = {0.43748799, 0.51301527, 0.69314718};
    for (int i = 0; i < 3; i++) {
      assertFloat32Print(SoftmaxCrossEntropy.sparse(z[i], labels[i]), printed[i]);
    }
    // Equal logits: the loss is exactly ln 2.
    assertThat(SoftmaxCrossEntropy.sparse(z[2], 0)).isEqualTo(Math.log(2));
  }

  @Test
  void theNaiveSoftmaxOfLargeLogitsIsNaNButXentsIsExact() {
    double[] z = {1000, 2000, 3000, 4000, 5000};
    // The post's naive version: exp overflows to ∞ and ∞/∞ is NaN.
    double naiveSum = 0;
    for (double v : z) {
      naiveSum += Math.exp(v);
    }
    assertThat(Math.exp(z[0]) / naiveSum).isNaN();
    // The exact values (bigfloat in the post) are 6.6e-1738 … 5.1e-435 and 1: in double, 0 and 1.
    assertThat(Softmax.softmax(z)).containsExactly(0, 0, 0, 0, 1);
    // log_softmax keeps what softmax cannot: z_i − 5000 − log1p(e^−1000 + …), and the log1p term
    // underflows to 0.
    assertThat(Softmax.logSoftmax(z)).containsExactly(-4000, -3000, -2000, -1000, 0.0);
    assertThat(Softmax.softmax(new double[] {1, 2, 3, 4, 5}))
        .containsExactly(
            new double[] {0.01165623, 0.03168492, 0.08612854, 0.23412166, 0.63640865},
            within(5e-9));
  }
}
