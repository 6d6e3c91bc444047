package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

/**
 * {@link RowAuditor}: the per-row definitions of the audit, against closed forms. With logits
 * {@code (0, ln 3)} the softmax is {@code (1/4, 3/4)}, so {@code L_0 = ln 4} and {@code L_1 =
 * ln(4/3)}.
 */
class RowAuditorTest {
  private static final double LN3 = Math.log(3);
  private static final double L0 = Math.log(4);
  private static final double L1 = Math.log(4.0 / 3);

  private static AuditOptions options(
      double smoothing, double[] classWeights, Long ignore, boolean weighted) {
    return new AuditOptions(
        smoothing, classWeights, ignore, weighted, new int[] {1, 2}, true, 4, 0.95);
  }

  private static AuditStats one(AuditOptions options, double[] z, double label, double weight) {
    Evaluation evaluation = new Evaluation(options);
    new RowAuditor(options).sparse(z, label, weight, evaluation);
    return evaluation.result().audit();
  }

  @Test
  void smoothingWithClassWeightsFollowsPyTorch() {
    double e = 0.2;
    double[] cw = {2.0, 0.5};
    // PyTorch: ((1−E)·cw_y·L_y + (E/C)·Σ_c cw_c·L_c) / cw_y, for y = 0.
    double expected = ((1 - e) * 2.0 * L0 + (e / 2) * (2.0 * L0 + 0.5 * L1)) / 2.0;
    AuditStats stats = one(options(e, cw, null, false), new double[] {0, LN3}, 0, Double.NaN);
    assertThat(stats.meanLoss()).isCloseTo(expected, within(4e-16));
    assertThat(stats.weightSum()).isEqualTo(2.0);
  }

  @Test
  void theLastRowsPlainLossAndPredictionAreWhatScoringGivesTheRowAlone() {
    // Smoothing, class weights and a weight change the audit's loss, not the per-row one.
    AuditOptions options = options(0.1, new double[] {2.0, 0.5}, null, true);
    RowAuditor auditor = new RowAuditor(options);
    Evaluation evaluation = new Evaluation(options);
    auditor.sparse(new double[] {0, LN3}, 0, 0.75, evaluation);
    assertThat(auditor.lastPlainLoss()).isCloseTo(L0, within(4e-16));
    assertThat(auditor.lastPredicted()).isEqualTo(1);

    auditor = new RowAuditor(options(0.1, null, null, true));
    evaluation = new Evaluation(options(0.1, null, null, true));
    java.util.SplittableRandom random = new java.util.SplittableRandom(15);
    for (int i = 0; i < 2000; i++) {
      float[] z = new float[1 + random.nextInt(300)];
      for (int c = 0; c < z.length; c++) {
        z[c] =
            random.nextInt(20) == 0 ? Float.NEGATIVE_INFINITY : (float) random.nextGaussian(0, 8);
      }
      int label = random.nextInt(z.length);
      Scored alone = Scoring.sparse(z, label);
      if (auditor.sparse(z, label, 1.0, evaluation) == Reason.OK) {
        assertThat(Double.doubleToRawLongBits(auditor.lastPlainLoss()))
            .as("row %d (seed 15)", i)
            .isEqualTo(Double.doubleToRawLongBits(alone.loss()));
        assertThat(auditor.lastPredicted()).as("row %d (seed 15)", i).isEqualTo(alone.predicted());
      } else {
        assertThat(alone.isOk()).as("row %d (seed 15)", i).isFalse();
      }
    }
  }

  @Test
  void floatAndDoubleLogitsGiveTheSameBits() {
    AuditOptions options = options(0.1, new double[] {1, 2, 3}, null, true);
    float[] f = {0.5f, -1.25f, 2.0f};
    double[] d = {0.5, -1.25, 2.0};
    Evaluation a = new Evaluation(options);
    Evaluation b = new Evaluation(options);
    new RowAuditor(options).sparse(f, 1, 0.75, a);
    new RowAuditor(options).sparse(d, 1, 0.75, b);
    assertThat(Double.doubleToRawLongBits(a.result().audit().meanLoss()))
        .isEqualTo(Double.doubleToRawLongBits(b.result().audit().meanLoss()));
  }

  @Test
  void aMaskedClassWithSmoothingGivesAnInfiniteLossAndWithoutItAFiniteOne() {
    double[] z = {0, LN3, Double.NEGATIVE_INFINITY};
    assertThat(one(options(0.1, null, null, false), z, 1, Double.NaN).meanLoss())
        .isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(one(options(0.0, null, null, false), z, 1, Double.NaN).meanLoss())
        .isCloseTo(L1, within(4e-16));
    // A masked class of weight 0 adds nothing to the smoothing sum.
    double e = 0.1;
    double expected = (1 - e) * L1 + (e / 3) * (L0 + L1);
    assertThat(one(options(e, new double[] {1, 1, 0}, null, false), z, 1, Double.NaN).meanLoss())
        .isCloseTo(expected, within(4e-16));
  }

  @Test
  void theIgnoreIndexWinsOverEveryOtherVerdict() {
    AuditOptions options = options(0, null, -100L, true);
    Evaluation evaluation = new Evaluation(options);
    RowAuditor auditor = new RowAuditor(options);
    auditor.sparse(new double[] {Double.NaN, 1}, -100, Double.NaN, evaluation);
    auditor.sparse(new double[] {}, -100, -1, evaluation);
    auditor.sparse(new double[] {0, 1}, 1, 1, evaluation);
    LossStats base = evaluation.result().audit().lossStats();
    assertThat(base.rowsIgnored()).isEqualTo(2);
    assertThat(base.rowsScored()).isEqualTo(1);
    assertThat(base.rowsInvalid()).isZero();
    assertThat(base.rows()).isEqualTo(3);
  }

  @Test
  void badWeightsAreInvalidAndZeroIsValid() {
    AuditOptions options = options(0, null, null, true);
    Evaluation evaluation = new Evaluation(options);
    RowAuditor auditor = new RowAuditor(options);
    double[] z = {0, LN3};
    for (double w :
        new double[] {
          Double.NaN, -1, -Double.MIN_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY
        }) {
      auditor.sparse(z, 0, w, evaluation);
    }
    auditor.sparse(z, 0, 0.0, evaluation);
    auditor.sparse(z, 0, -0.0, evaluation);
    auditor.sparse(z, 1, 1e-3, evaluation);
    AuditStats stats = evaluation.result().audit();
    assertThat(stats.lossStats().rowsWith(Reason.BAD_WEIGHT)).isEqualTo(5);
    assertThat(stats.lossStats().rowsScored()).isEqualTo(3);
    // Only the row of weight 1e-3 counts: the mean is that row's loss.
    assertThat(stats.meanLoss()).isCloseTo(L1, within(4e-16));
  }

  @Test
  void theLogitsAreJudgedBeforeTheWeight() {
    AuditOptions options = options(0, null, null, true);
    Evaluation evaluation = new Evaluation(options);
    new RowAuditor(options).sparse(new double[] {Double.NaN, 0}, 0, -1, evaluation);
    assertThat(evaluation.result().audit().lossStats().rowsWith(Reason.NAN_LOGIT)).isEqualTo(1);
  }

  @Test
  void classWeightsOfTheWrongLengthAreAnErrorNamingBothCounts() {
    AuditOptions options = options(0, new double[] {1, 2, 3}, null, false);
    assertThatThrownBy(
            () ->
                new RowAuditor(options)
                    .sparse(new double[] {0, 1}, 0, Double.NaN, new Evaluation(options)))
        .hasMessage(
            "Cannot score a row of 2 classes with 3 class weights: give one weight per class");
  }

  @Test
  void denseSmoothingIsTheSmoothedTargetsCrossEntropy() {
    double e = 0.3;
    double[] p = {0.5, 0.5};
    // Target (1−E)·p + E/2 = (0.5, 0.5): the loss is (L0 + L1)/2.
    AuditOptions options = new AuditOptions(e, null, null, false, new int[0], false, 15, 0.95);
    Evaluation evaluation = new Evaluation(options);
    new RowAuditor(options).dense(new double[] {0, LN3}, p, Double.NaN, evaluation);
    assertThat(evaluation.result().audit().meanLoss()).isCloseTo((L0 + L1) / 2, within(4e-16));
  }

  @Test
  void sigmoidSmoothingMovesTargetsHalfwayByEpsilonAndCalibratesOnTheRawTarget() {
    double e = 0.2;
    AuditOptions options = new AuditOptions(e, null, null, false, new int[0], false, 2, 0.95);
    Evaluation evaluation = new Evaluation(options);
    // z = 0: σ = 1/2 and the element loss is ln 2 for any target.
    // z = ln 3: σ = 3/4; target 1 → 0.9: 0.9·ln(4/3) + 0.1·ln 4.
    new RowAuditor(options)
        .sigmoid(new double[] {0, LN3}, new double[] {0, 1}, Double.NaN, evaluation);
    AuditStats stats = evaluation.result().audit();
    assertThat(stats.meanLoss())
        .isCloseTo(Math.log(2) + 0.9 * Math.log(4.0 / 3) + 0.1 * Math.log(4), within(1e-15));
    // Bins (0, 1/2] and (1/2, 1]: σ = 1/2 with target 0, σ = 3/4 with target 1.
    assertThat(stats.calibration().get(0).count()).isEqualTo(1);
    assertThat(stats.calibration().get(0).accuracy()).isEqualTo(0.0);
    assertThat(stats.calibration().get(1).accuracy()).isEqualTo(1.0);
    assertThat(stats.calibration().get(1).meanConfidence()).isCloseTo(0.75, within(1e-16));
  }

  @Test
  void theSigmoidOfLargeLogitsNeitherOverflowsNorLosesTheSmallSide() {
    assertThat(SigmoidCrossEntropy.probability(800)).isEqualTo(1.0);
    assertThat(SigmoidCrossEntropy.probability(-800)).isEqualTo(0.0);
    assertThat(SigmoidCrossEntropy.probability(-40))
        .isCloseTo(Math.exp(-40), within(Math.exp(-40) * 1e-15));
    assertThat(SigmoidCrossEntropy.probability(Double.NEGATIVE_INFINITY)).isEqualTo(0.0);
    assertThat(SigmoidCrossEntropy.probability(0)).isEqualTo(0.5);
  }
}
