package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every reason code from the input that causes it, and the precedence between them. */
class ValidityTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;

  @Test
  void logitsReasons() {
    assertThat(Validity.logits(new double[0], true)).isEqualTo(Reason.EMPTY_LOGITS);
    assertThat(Validity.logits(new float[0], false)).isEqualTo(Reason.EMPTY_LOGITS);
    assertThat(Validity.logits(new double[] {1, NAN}, true)).isEqualTo(Reason.NAN_LOGIT);
    assertThat(Validity.logits(new float[] {Float.NaN}, false)).isEqualTo(Reason.NAN_LOGIT);
    assertThat(Validity.logits(new double[] {INF, 1}, true)).isEqualTo(Reason.POSINF_LOGIT);
    assertThat(Validity.logits(new double[] {INF}, false)).isEqualTo(Reason.POSINF_LOGIT);
    assertThat(Validity.logits(new double[] {-INF, -INF}, true)).isEqualTo(Reason.ALL_MASKED);
    assertThat(Validity.logits(new float[] {Float.NEGATIVE_INFINITY}, true))
        .isEqualTo(Reason.ALL_MASKED);
    // Sigmoid elements are independent: all −∞ is a valid row of certain negatives.
    assertThat(Validity.logits(new double[] {-INF, -INF}, false)).isEqualTo(Reason.OK);
    assertThat(Validity.logits(new double[] {-INF, 0, -0.0, Double.MAX_VALUE}, true))
        .isEqualTo(Reason.OK);
  }

  @Test
  void aNaNOutranksAnInfinityWhereverItStands() {
    assertThat(Validity.logits(new double[] {INF, NAN}, true)).isEqualTo(Reason.NAN_LOGIT);
    assertThat(Validity.logits(new double[] {NAN, INF}, true)).isEqualTo(Reason.NAN_LOGIT);
  }

  @Test
  void sparseLabelReasons() {
    assertThat(Validity.sparseLabel(2.0, 3)).isEqualTo(Reason.OK);
    assertThat(Validity.sparseLabel(-0.0, 3)).isEqualTo(Reason.OK);
    assertThat(Validity.sparseLabel(2.5, 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
    assertThat(Validity.sparseLabel(INF, 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
    assertThat(Validity.sparseLabel(-INF, 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
    assertThat(Validity.sparseLabel(NAN, 3)).isEqualTo(Reason.NAN_LABEL);
    assertThat(Validity.sparseLabel(3.0, 3)).isEqualTo(Reason.LABEL_OUT_OF_RANGE);
    assertThat(Validity.sparseLabel(-1.0, 3)).isEqualTo(Reason.LABEL_OUT_OF_RANGE);
    assertThat(Validity.sparseLabel(1e300, 3)).isEqualTo(Reason.LABEL_OUT_OF_RANGE);
    assertThat(Validity.sparseLabel(2L, 3)).isEqualTo(Reason.OK);
    assertThat(Validity.sparseLabel(Long.MIN_VALUE, 3)).isEqualTo(Reason.LABEL_OUT_OF_RANGE);
    assertThat(Validity.sparseLabel(3L, 3)).isEqualTo(Reason.LABEL_OUT_OF_RANGE);
  }

  @Test
  void denseLabelReasons() {
    assertThat(Validity.denseLabels(new double[] {0.5, 0.5}, 2)).isEqualTo(Reason.OK);
    assertThat(Validity.denseLabels(new double[] {1.0}, 2)).isEqualTo(Reason.LENGTH_MISMATCH);
    assertThat(Validity.denseLabels(new double[] {NAN, 1.0}, 2)).isEqualTo(Reason.NAN_LABEL);
    assertThat(Validity.denseLabels(new double[] {1.5, -0.5}, 2))
        .isEqualTo(Reason.NEGATIVE_PROBABILITY);
    // −0.0 is not negative.
    assertThat(Validity.denseLabels(new double[] {1.0, -0.0}, 2)).isEqualTo(Reason.OK);
    assertThat(Validity.denseLabels(new double[] {-INF, 1.0}, 2))
        .isEqualTo(Reason.NEGATIVE_PROBABILITY);
    assertThat(Validity.denseLabels(new double[] {INF, 1.0}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
    assertThat(Validity.denseLabels(new double[] {0.5, 0.6}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
  }

  @Test
  void theDistributionToleranceIs1e4() {
    // 0.5 + 0.49995 = 0.99995: off by 5e-5, accepted; 0.4998: off by 2e-4, rejected.
    assertThat(Validity.denseLabels(new double[] {0.5, 0.49995}, 2)).isEqualTo(Reason.OK);
    assertThat(Validity.denseLabels(new double[] {0.5, 0.50009}, 2)).isEqualTo(Reason.OK);
    assertThat(Validity.denseLabels(new double[] {0.5, 0.4998}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
    assertThat(Validity.denseLabels(new double[] {0.5, 0.5002}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
  }

  @Test
  void sigmoidTargetReasons() {
    assertThat(Validity.sigmoidTargets(new double[] {0, 1, 0.5, -0.0}, 4)).isEqualTo(Reason.OK);
    assertThat(Validity.sigmoidTargets(new double[] {1.0000001}, 1))
        .isEqualTo(Reason.TARGET_OUT_OF_RANGE);
    assertThat(Validity.sigmoidTargets(new double[] {-1e-300}, 1))
        .isEqualTo(Reason.TARGET_OUT_OF_RANGE);
    assertThat(Validity.sigmoidTargets(new double[] {2, NAN}, 2)).isEqualTo(Reason.NAN_LABEL);
    assertThat(Validity.sigmoidTargets(new double[] {1}, 2)).isEqualTo(Reason.LENGTH_MISMATCH);
  }

  @Test
  void scoringReportsLogitsProblemsBeforeLabelProblems() {
    assertThat(Scoring.sparse(new double[] {NAN}, 7).reason()).isEqualTo(Reason.NAN_LOGIT);
    assertThat(Scoring.dense(new float[] {Float.POSITIVE_INFINITY}, new double[] {2, 3}).reason())
        .isEqualTo(Reason.POSINF_LOGIT);
    assertThat(Scoring.sigmoid(new double[0], new double[] {5}).reason())
        .isEqualTo(Reason.EMPTY_LOGITS);
    assertThat(Scoring.sparse(new float[] {1, 2}, 1.5).reason())
        .isEqualTo(Reason.LABEL_NOT_INTEGER);
  }

  @Test
  void scoringAValidRowGivesLossPredictionAndCorrectness() {
    Scored sparse = Scoring.sparse(new double[] {0, 3, 1}, 1);
    assertThat(sparse.isOk()).isTrue();
    assertThat(sparse.predicted()).isEqualTo(1);
    assertThat(sparse.correct()).isTrue();
    assertThat(sparse.loss()).isEqualTo(SoftmaxCrossEntropy.sparse(new double[] {0, 3, 1}, 1));
    Scored dense = Scoring.dense(new double[] {0, 3, 1}, new double[] {0.5, 0.25, 0.25});
    assertThat(dense.correct()).isFalse();
    Scored sigmoid = Scoring.sigmoid(new float[] {1, -1}, new double[] {1, 0});
    assertThat(sigmoid.hasPrediction()).isFalse();
    assertThat(sigmoid.loss()).isEqualTo(2 * Math.log1p(Math.exp(-1)));
  }

  @Test
  void reasonCodesAreStableLowerCaseNames() {
    for (Reason reason : Reason.values()) {
      assertThat(reason.code()).isEqualTo(reason.name().toLowerCase(java.util.Locale.ROOT));
      assertThat(Reason.ofOrdinal(reason.ordinal())).isSameAs(reason);
    }
  }
}
