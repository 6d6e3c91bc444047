package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.assertSameDoubles;
import static dev.xent.kernel.KernelTestSupport.assertWithinUlps;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The worked numbers of the blog posts that motivated xent, reproduced: the TensorFlow two-row
 * example, the five-row float32 example, the sigmoid examples and the overflow example whose naive
 * softmax is NaN. A printed value is compared to the digits it was printed with: numpy's eight
 * decimals (±5e-9) for float64 prints, a few float32 ulps for float32 prints (TensorFlow computed
 * those in float32, so the print carries float32 rounding, not only print rounding).
 */
class SeedExamplesTest {
  /** Half a unit in the eighth decimal: the resolution of numpy's default float64 print. */
  private static final double EIGHT_DECIMALS = 5e-9;

  private static final double[][] TWO_ROWS = {{0.5, 1.5, 0.1}, {2.2, 1.3, 1.7}};
  private static final int[] TWO_ROW_LABELS = {1, 2};

  /** The two ways the labels of the two-row example were given to TensorFlow. */
  enum LabelForm {
    SPARSE,
    DENSE_ONE_HOT
  }

  private static double twoRowLoss(int row, LabelForm form) {
    double[] z = TWO_ROWS[row];
    int label = TWO_ROW_LABELS[row];
    if (form == LabelForm.SPARSE) {
      return SoftmaxCrossEntropy.sparse(z, label);
    }
    return SoftmaxCrossEntropy.dense(z, KernelTestSupport.oneHot(z.length, label));
  }

  /** The mean as the job computes it: through the exact loss accumulator. */
  private static double twoRowMean(LabelForm form) {
    LossStatsAccumulator stats = new LossStatsAccumulator();
    for (int row = 0; row < TWO_ROWS.length; row++) {
      stats.add(Reason.OK, twoRowLoss(row, form), true);
    }
    return stats.result().meanLoss();
  }

  @Test
  void theTwoRowSoftmaxMatchesTheEightDecimalPrint() {
    // tf.nn.softmax (float64) printed [0.227863, 0.61939586, 0.15274114] and
    // [0.49674623, 0.20196195, 0.30129182]; 0.227863 is 0.22786300 with the zeros dropped.
    assertThat(Softmax.softmax(TWO_ROWS[0]))
        .containsExactly(new double[] {0.227863, 0.61939586, 0.15274114}, within(EIGHT_DECIMALS));
    assertThat(Softmax.softmax(TWO_ROWS[1]))
        .containsExactly(new double[] {0.49674623, 0.20196195, 0.30129182}, within(EIGHT_DECIMALS));
  }

  @ParameterizedTest
  @EnumSource(LabelForm.class)
  void theTwoRowLossesMatchTheEightDecimalPrint(LabelForm form) {
    // Printed per-row losses: [0.4790107, 1.19967598] (0.4790107 is 0.47901070).
    assertThat(twoRowLoss(0, form)).isCloseTo(0.4790107, within(EIGHT_DECIMALS));
    assertThat(twoRowLoss(1, form)).isCloseTo(1.19967598, within(EIGHT_DECIMALS));
  }

  @ParameterizedTest
  @EnumSource(LabelForm.class)
  void theTwoRowMeanIsWithin1e15OfBothTensorFlowMeans(LabelForm form) {
    double mean = twoRowMean(form);
    // TensorFlow printed 0.83934333897877944 (naive softmax then log) and 0.83934333897877922
    // (fused softmax_cross_entropy_with_logits); the exact mean lies between them.
    assertThat(mean).isCloseTo(0.83934333897877944, within(1e-15 * 0.83934333897877944));
    assertThat(mean).isCloseTo(0.83934333897877922, within(1e-15 * 0.83934333897877922));
  }

  @ParameterizedTest
  @EnumSource(LabelForm.class)
  void theTwoRowMeanIsWithinTwoUlpsOfTheClosedForm(LabelForm form) {
    // (ln(e^0.5 + e^1.5 + e^0.1) − 1.5 + ln(e^2.2 + e^1.3 + e^1.7) − 1.7) / 2, evaluated directly
    // with java.lang.Math: no max shift and no log1p, so a path independent of the kernel. The
    // values are small, so nothing overflows and each step costs at most an ulp or so.
    double closedForm =
        (Math.log(Math.exp(0.5) + Math.exp(1.5) + Math.exp(0.1))
                - 1.5
                + Math.log(Math.exp(2.2) + Math.exp(1.3) + Math.exp(1.7))
                - 1.7)
            / 2;
    assertWithinUlps(twoRowMean(form), closedForm, 2, "two-row mean (" + form + ")");
  }

  private static final float[][] FIVE_ROWS = {
    {1, 2, 3}, {1, 2, 3}, {1, 2, 3}, {7, 4, 5}, {7, 88, 5}
  };
  private static final int[] FIVE_ROW_LABELS = {2, 2, 2, 0, 0};

  @Test
  void theFiveRowFloatMeanRoundsTo16_478533() {
    LossStatsAccumulator stats = new LossStatsAccumulator();
    for (int row = 0; row < FIVE_ROWS.length; row++) {
      stats.add(Reason.OK, SoftmaxCrossEntropy.sparse(FIVE_ROWS[row], FIVE_ROW_LABELS[row]), true);
    }
    // TensorFlow printed the float32 mean 16.478533; the float32 print has 8 significant digits,
    // so agreement is to half a unit in its last digit.
    assertThat(Math.abs(stats.result().meanLoss() - 16.478533)).isLessThan(5e-7);
  }

  @Test
  void theFiveRowLastRowLossIsExactly81() {
    // lse(7, 88, 5) − 7 = 81 + ln(1 + e^−81 + e^−83) = 81 + 7.5e-36, and 7.5e-36 is far below half
    // an ulp of 81 (7.1e-15): the double nearest the loss is 81.0 itself.
    assertThat(SoftmaxCrossEntropy.sparse(FIVE_ROWS[4], 0)).isEqualTo(81.0);
  }

  @Test
  void theFiveRowSoftmaxMatchesItsFloat32PrintToRelative1e7() {
    float[][] rows = {{1, 2, 3}, {7, 4, 5}, {7, 88, 5}};
    double[][] printed = {
      {9.0030573e-02, 2.4472848e-01, 6.6524094e-01},
      {8.4379470e-01, 4.2010065e-02, 1.1419519e-01},
      {6.6396770e-36, 1.0000000e+00, 8.9858262e-37}
    };
    for (int row = 0; row < rows.length; row++) {
      double[] p = Softmax.softmax(rows[row]);
      for (int j = 0; j < 3; j++) {
        assertThat(p[j])
            .as("row %d class %d", row, j)
            .isCloseTo(printed[row][j], within(1e-7 * printed[row][j]));
      }
    }
  }

  private static final float[][] SIGMOID_LOGITS = {
    {0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, {0.3f, 0.3f, 0.2f, 0.1f, 0.1f}
  };
  private static final double[][] SIGMOID_TARGETS = {{0, 0, 0, 1, 0}, {1, 0, 0, 0, 0}};

  /** tf.nn.sigmoid_cross_entropy_with_logits on float32 inputs, as printed (float32). */
  private static final double[][] SIGMOID_PRINTED = {
    {0.7981388, 0.7981388, 0.7981388, 0.59813893, 0.7981388},
    {0.55435514, 0.85435534, 0.7981388, 0.74439663, 0.74439663}
  };

  @Test
  void theSigmoidElementsMatchTheirFloat32PrintToRelative1e6() {
    for (int row = 0; row < 2; row++) {
      for (int j = 0; j < 5; j++) {
        // The logits are float32 as TensorFlow had them; the kernel widens them exactly.
        double element =
            SigmoidCrossEntropy.element(SIGMOID_LOGITS[row][j], SIGMOID_TARGETS[row][j]);
        double printed = SIGMOID_PRINTED[row][j];
        assertThat(element)
            .as("row %d element %d", row, j)
            .isCloseTo(printed, within(1e-6 * printed));
      }
    }
  }

  @Test
  void theSigmoidRowLossIsTheSumOfItsElements() {
    for (int row = 0; row < 2; row++) {
      // reduce_sum of the printed elements: 3.79069413 for row 1, 3.69564254 for row 2. Each
      // printed element is within 1e-6 relative of the exact one, so the sum is within 1e-6 of
      // Σ|element|; the mean (≈ 0.76) would be far outside.
      double sum = 0.0;
      for (double element : SIGMOID_PRINTED[row]) {
        sum += element;
      }
      assertThat(SigmoidCrossEntropy.row(SIGMOID_LOGITS[row], SIGMOID_TARGETS[row]))
          .as("row %d", row)
          .isCloseTo(sum, within(1e-6 * sum));
    }
  }

  @Test
  void theTwoClassSoftmaxLossesMatchTheirFloat32Print() {
    float[][] z = {{0.2f, 0.8f}, {0.7f, 0.3f}, {0.5f, 0.5f}};
    int[] labels = {1, 0, 0};
    double[] printed = {0.43748799, 0.51301527, 0.69314718};
    for (int row = 0; row < 3; row++) {
      // TensorFlow's float32 result is within a couple of float32 ulps of the exact loss (the
      // first print is 1.4 float32 ulps from it), so allow two float32 ulps of the print.
      double twoFloatUlps = 2 * Math.ulp((float) printed[row]);
      assertThat(SoftmaxCrossEntropy.sparse(z[row], labels[row]))
          .as("row %d", row)
          .isCloseTo(printed[row], within(twoFloatUlps));
    }
  }

  @Test
  void twoEqualLogitsGiveExactlyLn2() {
    // softmax(0.5, 0.5) = (1/2, 1/2), so the loss is ln 2: the correctly rounded ln 2 is at most
    // an ulp from Math.log(2).
    assertWithinUlps(
        SoftmaxCrossEntropy.sparse(new float[] {0.5f, 0.5f}, 0), Math.log(2), 1, "loss");
  }

  @Test
  void softmaxOfLogitsWhoseNaiveFormIsNaNIsOneHot() {
    double[] z = {1000, 2000, 3000, 4000, 5000};
    // The post's naive softmax: e^1000 already overflows to ∞, and ∞/∞ is NaN.
    double naiveSum = 0;
    for (double v : z) {
      naiveSum += Math.exp(v);
    }
    assertThat(Math.exp(z[4]) / naiveSum).isNaN();
    // The exact probabilities (mpmath in the post) are 6.6e-1738, 1.3e-1303, 2.6e-869, 5.1e-435
    // and 1 − 5.1e-435: the first four are below MIN_VALUE/2, so their nearest double is +0.0,
    // and the last is within half an ulp of 1.
    assertSameDoubles(Softmax.softmax(z), 0.0, 0.0, 0.0, 0.0, 1.0);
  }

  @Test
  void logSoftmaxOfLargeLogitsKeepsWhatSoftmaxLoses() {
    double[] logP = Softmax.logSoftmax(new double[] {1000, 2000, 3000, 4000, 5000});
    // log p_i = z_i − 5000 − log1p(e^−1000 + e^−2000 + …); the log1p term is 5.1e-435, far below
    // half an ulp of 1000, so the first four are the integers exactly.
    assertSameDoubles(
        new double[] {logP[0], logP[1], logP[2], logP[3]}, -4000, -3000, -2000, -1000);
    // The last is −5.1e-435, which rounds to a zero (its sign is not part of the example).
    assertThat(logP[4]).isZero();
  }

  @Test
  void softmaxOfOneToFiveMatchesTheEightDecimalPrint() {
    assertThat(Softmax.softmax(new double[] {1, 2, 3, 4, 5}))
        .containsExactly(
            new double[] {0.01165623, 0.03168492, 0.08612854, 0.23412166, 0.63640865},
            within(EIGHT_DECIMALS));
  }

  @Test
  void theFloatOverloadGivesTheLargestOfTheFiveLogitsProbabilityExactlyOne() {
    // p_5 = 1 / (1 + e^−1000 + …): e^−1000 underflows to 0, so the denominator is 1 exactly.
    assertSameDouble(
        Softmax.softmax(new float[] {1000, 2000, 3000, 4000, 5000})[4], 1.0, "float overload");
  }
}
