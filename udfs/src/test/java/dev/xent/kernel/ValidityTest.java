package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link Validity}: every {@link Reason} from the input that causes it, OK for valid rows, and the
 * precedence when a row has several problems (the first in declaration order, per the Reason
 * javadoc: null input, then the logits, then the labels). {@code null_input} is not produced here:
 * the kernels take non-null arrays, and the Spark adapter reports null columns.
 */
class ValidityTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final float FINF = Float.POSITIVE_INFINITY;

  /** One input per reason, each with exactly one problem. */
  private static final Map<Reason, Supplier<Reason>> ONE_PROBLEM = new EnumMap<>(Reason.class);

  static {
    ONE_PROBLEM.put(Reason.OK, () -> Validity.logits(new double[] {1, -INF}, true));
    ONE_PROBLEM.put(Reason.EMPTY_LOGITS, () -> Validity.logits(new double[0], true));
    ONE_PROBLEM.put(Reason.NAN_LOGIT, () -> Validity.logits(new double[] {1, NAN}, true));
    ONE_PROBLEM.put(Reason.POSINF_LOGIT, () -> Validity.logits(new double[] {INF, 1}, true));
    ONE_PROBLEM.put(Reason.ALL_MASKED, () -> Validity.logits(new double[] {-INF, -INF}, true));
    ONE_PROBLEM.put(Reason.LENGTH_MISMATCH, () -> Validity.denseLabels(new double[] {1.0}, 2));
    ONE_PROBLEM.put(Reason.NAN_LABEL, () -> Validity.sparseLabel(NAN, 3));
    ONE_PROBLEM.put(Reason.LABEL_NOT_INTEGER, () -> Validity.sparseLabel(1.5, 3));
    ONE_PROBLEM.put(Reason.LABEL_OUT_OF_RANGE, () -> Validity.sparseLabel(3.0, 3));
    ONE_PROBLEM.put(
        Reason.NEGATIVE_PROBABILITY, () -> Validity.denseLabels(new double[] {1.5, -0.5}, 2));
    ONE_PROBLEM.put(
        Reason.NOT_A_DISTRIBUTION, () -> Validity.denseLabels(new double[] {0.5, 0.6}, 2));
    ONE_PROBLEM.put(
        Reason.TARGET_OUT_OF_RANGE, () -> Validity.sigmoidTargets(new double[] {0, 2}, 2));
    ONE_PROBLEM.put(Reason.BAD_WEIGHT, () -> audited(null, true, 1, -1.0));
    ONE_PROBLEM.put(Reason.IGNORED, () -> audited(2L, false, 2, Double.NaN));
  }

  /** The verdict RowAuditor records for one row of logits (1, −∞, 0). */
  private static Reason audited(Long ignoreIndex, boolean weighted, double label, double weight) {
    AuditOptions options =
        new AuditOptions(0, null, ignoreIndex, weighted, new int[0], false, 15, 0.95);
    Evaluation evaluation = new Evaluation(options);
    new RowAuditor(options).sparse(new double[] {1, -INF, 0}, label, weight, evaluation);
    LossStats stats = evaluation.result().audit().lossStats();
    for (Reason reason : Reason.values()) {
      if (stats.rowsWith(reason) == 1) {
        return reason;
      }
    }
    throw new AssertionError("no verdict recorded");
  }

  // NULL_INPUT is decided by the adapters (a null column); BAD_WEIGHT and IGNORED by RowAuditor.
  @ParameterizedTest
  @EnumSource(value = Reason.class, mode = EnumSource.Mode.EXCLUDE, names = "NULL_INPUT")
  void everyReasonButNullInputIsProducedByItsInput(Reason reason) {
    assertThat(ONE_PROBLEM).as("an input for %s", reason).containsKey(reason);
    assertThat(ONE_PROBLEM.get(reason).get()).isEqualTo(reason);
  }

  @Test
  void reasonCodesAreTheLowerCaseNames() {
    for (Reason reason : Reason.values()) {
      assertThat(reason.code()).isEqualTo(reason.name().toLowerCase(Locale.ROOT));
    }
  }

  @Test
  void ofOrdinalInvertsOrdinal() {
    for (Reason reason : Reason.values()) {
      assertThat(Reason.ofOrdinal(reason.ordinal())).isSameAs(reason);
    }
  }

  @Test
  void onlyOkIsOk() {
    assertThat(Arrays.stream(Reason.values()).filter(Reason::isOk)).containsExactly(Reason.OK);
  }

  // ---- logits ----

  @Test
  void finiteLogitsWithMaskedClassesAreValid() {
    double[] z = {-INF, 0.0, -0.0, Double.MIN_VALUE, Double.MAX_VALUE, -Double.MAX_VALUE};
    float[] f = {-FINF, 0.0f, -0.0f, Float.MIN_VALUE, Float.MAX_VALUE, -Float.MAX_VALUE};
    assertThat(Validity.logits(z, true)).isEqualTo(Reason.OK);
    assertThat(Validity.logits(z, false)).isEqualTo(Reason.OK);
    assertThat(Validity.logits(f, true)).isEqualTo(Reason.OK);
    assertThat(Validity.logits(f, false)).isEqualTo(Reason.OK);
  }

  @Test
  void emptyLogitsAreEmptyForSoftmaxAndSigmoid() {
    assertThat(Validity.logits(new double[0], true)).isEqualTo(Reason.EMPTY_LOGITS);
    assertThat(Validity.logits(new double[0], false)).isEqualTo(Reason.EMPTY_LOGITS);
    assertThat(Validity.logits(new float[0], true)).isEqualTo(Reason.EMPTY_LOGITS);
    assertThat(Validity.logits(new float[0], false)).isEqualTo(Reason.EMPTY_LOGITS);
  }

  @Test
  void aNaNLogitAnywhereIsNanLogit() {
    for (double[] z : new double[][] {{NAN}, {NAN, 1}, {1, 2, NAN}}) {
      assertThat(Validity.logits(z, true)).as(Arrays.toString(z)).isEqualTo(Reason.NAN_LOGIT);
      assertThat(Validity.logits(KernelTestSupport.toFloats(z), false))
          .as(Arrays.toString(z))
          .isEqualTo(Reason.NAN_LOGIT);
    }
  }

  @Test
  void aPlusInfinityLogitIsPosinfLogitForSoftmaxAndSigmoid() {
    assertThat(Validity.logits(new double[] {1, INF}, true)).isEqualTo(Reason.POSINF_LOGIT);
    assertThat(Validity.logits(new double[] {INF}, false)).isEqualTo(Reason.POSINF_LOGIT);
    assertThat(Validity.logits(new float[] {FINF, 1}, true)).isEqualTo(Reason.POSINF_LOGIT);
  }

  @Test
  void onlyMinusInfinityIsAllMaskedForSoftmaxButValidForSigmoid() {
    // Softmax has no class left to normalise over; sigmoid elements are independent certain
    // negatives.
    assertThat(Validity.logits(new double[] {-INF, -INF}, true)).isEqualTo(Reason.ALL_MASKED);
    assertThat(Validity.logits(new float[] {-FINF}, true)).isEqualTo(Reason.ALL_MASKED);
    assertThat(Validity.logits(new double[] {-INF, -INF}, false)).isEqualTo(Reason.OK);
    assertThat(Validity.logits(new float[] {-FINF}, false)).isEqualTo(Reason.OK);
  }

  @Test
  void aNaNLogitOutranksAPlusInfinityWhereverEitherStands() {
    assertThat(Validity.logits(new double[] {INF, NAN}, true)).isEqualTo(Reason.NAN_LOGIT);
    assertThat(Validity.logits(new double[] {NAN, INF}, true)).isEqualTo(Reason.NAN_LOGIT);
    assertThat(Validity.logits(new float[] {FINF, Float.NaN}, false)).isEqualTo(Reason.NAN_LOGIT);
  }

  @Test
  void aPlusInfinityAmongMaskedClassesIsPosinfLogit() {
    assertThat(Validity.logits(new double[] {-INF, INF, -INF}, true))
        .isEqualTo(Reason.POSINF_LOGIT);
  }

  // ---- sparse labels ----

  @Test
  void anIntegralDoubleLabelInsideTheRowIsValid() {
    assertThat(Validity.sparseLabel(2.0, 3)).isEqualTo(Reason.OK);
    assertThat(Validity.sparseLabel(0.0, 3)).isEqualTo(Reason.OK);
    // −0.0 is the integer 0.
    assertThat(Validity.sparseLabel(-0.0, 3)).isEqualTo(Reason.OK);
  }

  @Test
  void aNaNLabelIsNanLabel() {
    assertThat(Validity.sparseLabel(NAN, 3)).isEqualTo(Reason.NAN_LABEL);
  }

  @Test
  void aFractionalLabelIsNotAnInteger() {
    assertThat(Validity.sparseLabel(2.5, 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
    assertThat(Validity.sparseLabel(Math.nextUp(1.0), 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
    assertThat(Validity.sparseLabel(Double.MIN_VALUE, 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
  }

  @Test
  void anInfiniteLabelIsNotAnIntegerRatherThanOutOfRange() {
    // ±∞ is also outside the row, but label_not_integer comes first in declaration order.
    assertThat(Validity.sparseLabel(INF, 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
    assertThat(Validity.sparseLabel(-INF, 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
  }

  @Test
  void aFractionalLabelOutsideTheRowIsNotAnInteger() {
    assertThat(Validity.sparseLabel(-1.5, 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
    assertThat(Validity.sparseLabel(7.25, 3)).isEqualTo(Reason.LABEL_NOT_INTEGER);
  }

  @Test
  void anIntegralDoubleLabelOutsideTheRowIsOutOfRange() {
    assertThat(Validity.sparseLabel(-1.0, 3)).isEqualTo(Reason.LABEL_OUT_OF_RANGE);
    assertThat(Validity.sparseLabel(3.0, 3)).isEqualTo(Reason.LABEL_OUT_OF_RANGE);
    assertThat(Validity.sparseLabel(0.0, 0)).isEqualTo(Reason.LABEL_OUT_OF_RANGE);
    // Beyond int: must not wrap around when cast.
    assertThat(Validity.sparseLabel(0x1p31, Integer.MAX_VALUE))
        .isEqualTo(Reason.LABEL_OUT_OF_RANGE);
    assertThat(Validity.sparseLabel(1e300, 3)).isEqualTo(Reason.LABEL_OUT_OF_RANGE);
  }

  @Test
  void theLastClassIsInRange() {
    assertThat(Validity.sparseLabel(249_999.0, 250_000)).isEqualTo(Reason.OK);
    assertThat(Validity.sparseLabel(249_999L, 250_000)).isEqualTo(Reason.OK);
  }

  @Test
  void aLongLabelInsideTheRowIsValid() {
    assertThat(Validity.sparseLabel(0L, 3)).isEqualTo(Reason.OK);
    assertThat(Validity.sparseLabel(2L, 3)).isEqualTo(Reason.OK);
  }

  @Test
  void aLongLabelOutsideTheRowIsOutOfRange() {
    for (long label : new long[] {-1, 3, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32}) {
      assertThat(Validity.sparseLabel(label, 3))
          .as("label %s", label)
          .isEqualTo(Reason.LABEL_OUT_OF_RANGE);
    }
  }

  // ---- dense labels ----

  @Test
  void aProbabilityRowIsValid() {
    assertThat(Validity.denseLabels(new double[] {0.25, 0.25, 0.5}, 3)).isEqualTo(Reason.OK);
    assertThat(Validity.denseLabels(new double[] {0, 1, 0}, 3)).isEqualTo(Reason.OK);
  }

  @Test
  void aUniformRowOf250000ClassesIsValid() {
    double[] p = new double[250_000];
    Arrays.fill(p, 1.0 / 250_000);
    assertThat(Validity.denseLabels(p, 250_000)).isEqualTo(Reason.OK);
  }

  @Test
  void minusZeroIsNotANegativeProbability() {
    assertThat(Validity.denseLabels(new double[] {1.0, -0.0}, 2)).isEqualTo(Reason.OK);
  }

  @Test
  void aProbabilityRowOfAnotherLengthIsLengthMismatch() {
    assertThat(Validity.denseLabels(new double[] {1.0}, 2)).isEqualTo(Reason.LENGTH_MISMATCH);
    assertThat(Validity.denseLabels(new double[] {0.5, 0.5, 0}, 2))
        .isEqualTo(Reason.LENGTH_MISMATCH);
  }

  @Test
  void aNaNProbabilityIsNanLabel() {
    assertThat(Validity.denseLabels(new double[] {NAN, 1.0}, 2)).isEqualTo(Reason.NAN_LABEL);
  }

  @Test
  void aNegativeProbabilityIsNegativeProbability() {
    assertThat(Validity.denseLabels(new double[] {1.5, -0.5}, 2))
        .isEqualTo(Reason.NEGATIVE_PROBABILITY);
    assertThat(Validity.denseLabels(new double[] {1.0, -Double.MIN_VALUE}, 2))
        .isEqualTo(Reason.NEGATIVE_PROBABILITY);
    assertThat(Validity.denseLabels(new double[] {1.0, -INF}, 2))
        .isEqualTo(Reason.NEGATIVE_PROBABILITY);
  }

  @Test
  void aRowNotSummingToOneIsNotADistribution() {
    assertThat(Validity.denseLabels(new double[] {0.5, 0.6}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
    assertThat(Validity.denseLabels(new double[] {0, 0}, 2)).isEqualTo(Reason.NOT_A_DISTRIBUTION);
  }

  @Test
  void anInfiniteOrOverflowingProbabilityIsNotADistribution() {
    assertThat(Validity.denseLabels(new double[] {INF, 0}, 2)).isEqualTo(Reason.NOT_A_DISTRIBUTION);
    // MAX + MAX overflows to +∞: off 1 by more than the tolerance either way.
    assertThat(Validity.denseLabels(new double[] {Double.MAX_VALUE, Double.MAX_VALUE}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
  }

  /**
   * The largest double above 1 whose distance to 1 is at most the tolerance: distances from 1 in
   * [1, 2) are the multiples of 2^-52, so it is 1 + ⌊tol·2^52⌋·2^-52 (every step exact). 1e-4 is
   * not such a multiple (nor one of 2^-53 below 1), so no row sums to exactly 1 ± 1e-4 and an
   * inclusive bound cannot be told from a strict one: these are the two sums closest to it.
   */
  private static final double HIGHEST_ACCEPTED =
      1.0 + Math.floor(Validity.DISTRIBUTION_TOLERANCE * 0x1p52) * 0x1p-52;

  /** The same below 1, where the distances are multiples of 2^-53. */
  private static final double LOWEST_ACCEPTED =
      1.0 - Math.floor(Validity.DISTRIBUTION_TOLERANCE * 0x1p53) * 0x1p-53;

  @Test
  void aSumOffOneByTheToleranceToTheLastBitIsAccepted() {
    assertThat(Validity.denseLabels(new double[] {HIGHEST_ACCEPTED, 0}, 2)).isEqualTo(Reason.OK);
    assertThat(Validity.denseLabels(new double[] {0, LOWEST_ACCEPTED}, 2)).isEqualTo(Reason.OK);
  }

  @Test
  void aSumOffOneByOneUlpMoreThanTheToleranceIsRejected() {
    assertThat(Validity.denseLabels(new double[] {Math.nextUp(HIGHEST_ACCEPTED), 0}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
    assertThat(Validity.denseLabels(new double[] {0, Math.nextDown(LOWEST_ACCEPTED)}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
  }

  @Test
  void aSumOffOneByHalfTheToleranceIsAccepted() {
    // 0.5 + 0.49995 and 0.5 + 0.50005: off by 5e-5.
    assertThat(Validity.denseLabels(new double[] {0.5, 0.49995}, 2)).isEqualTo(Reason.OK);
    assertThat(Validity.denseLabels(new double[] {0.5, 0.50005}, 2)).isEqualTo(Reason.OK);
  }

  @Test
  void aSumOffOneByTwiceTheToleranceIsRejected() {
    // 0.5 + 0.4998 and 0.5 + 0.5002: off by 2e-4.
    assertThat(Validity.denseLabels(new double[] {0.5, 0.4998}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
    assertThat(Validity.denseLabels(new double[] {0.5, 0.5002}, 2))
        .isEqualTo(Reason.NOT_A_DISTRIBUTION);
  }

  @Test
  void aLengthMismatchOutranksANaNProbability() {
    assertThat(Validity.denseLabels(new double[] {NAN}, 2)).isEqualTo(Reason.LENGTH_MISMATCH);
  }

  @Test
  void aNaNProbabilityOutranksAnEarlierNegativeOne() {
    assertThat(Validity.denseLabels(new double[] {-1, NAN}, 2)).isEqualTo(Reason.NAN_LABEL);
  }

  @Test
  void aNegativeProbabilityOutranksAWrongSum() {
    // Sum 2.5, and a negative entry: negative_probability comes first.
    assertThat(Validity.denseLabels(new double[] {3, -0.5}, 2))
        .isEqualTo(Reason.NEGATIVE_PROBABILITY);
    // +∞ and −∞: the sum is NaN, but the row has a negative entry.
    assertThat(Validity.denseLabels(new double[] {INF, -INF}, 2))
        .isEqualTo(Reason.NEGATIVE_PROBABILITY);
  }

  // ---- sigmoid targets ----

  @Test
  void targetsInTheClosedUnitIntervalAreValid() {
    assertThat(Validity.sigmoidTargets(new double[] {0, 1.0, 0.5, -0.0, Double.MIN_VALUE}, 5))
        .isEqualTo(Reason.OK);
    assertThat(Validity.sigmoidTargets(new double[0], 0)).isEqualTo(Reason.OK);
  }

  @Test
  void aTargetAboveOneOrBelowZeroIsOutOfRange() {
    for (double t : new double[] {1.0000001, Math.nextUp(1.0), -Double.MIN_VALUE, INF, -INF}) {
      assertThat(Validity.sigmoidTargets(new double[] {0.5, t}, 2))
          .as("t = %s", t)
          .isEqualTo(Reason.TARGET_OUT_OF_RANGE);
    }
  }

  @Test
  void aNaNTargetIsNanLabel() {
    assertThat(Validity.sigmoidTargets(new double[] {0.5, NAN}, 2)).isEqualTo(Reason.NAN_LABEL);
  }

  @Test
  void aNaNTargetOutranksAnEarlierOutOfRangeOne() {
    assertThat(Validity.sigmoidTargets(new double[] {2, NAN}, 2)).isEqualTo(Reason.NAN_LABEL);
  }

  @Test
  void targetsOfAnotherLengthAreLengthMismatchEvenWithANaN() {
    assertThat(Validity.sigmoidTargets(new double[] {1}, 2)).isEqualTo(Reason.LENGTH_MISMATCH);
    assertThat(Validity.sigmoidTargets(new double[] {NAN, 0, 0}, 2))
        .isEqualTo(Reason.LENGTH_MISMATCH);
  }

  // ---- precedence across logits and labels (Scoring applies the checks in order) ----

  @Test
  void aLogitsProblemOutranksEveryLabelProblem() {
    assertThat(Scoring.sparse(new double[] {NAN}, NAN).reason()).isEqualTo(Reason.NAN_LOGIT);
    assertThat(Scoring.sparse(new float[] {FINF, 1}, 2.5).reason()).isEqualTo(Reason.POSINF_LOGIT);
    assertThat(Scoring.dense(new double[] {-INF}, new double[] {NAN, 1}).reason())
        .isEqualTo(Reason.ALL_MASKED);
    assertThat(Scoring.dense(new float[0], new double[] {-1}).reason())
        .isEqualTo(Reason.EMPTY_LOGITS);
    assertThat(Scoring.sigmoid(new double[0], new double[] {5}).reason())
        .isEqualTo(Reason.EMPTY_LOGITS);
    assertThat(Scoring.sigmoid(new float[] {Float.NaN}, new double[] {2}).reason())
        .isEqualTo(Reason.NAN_LOGIT);
  }

  @Test
  void scoringGivesTheLogitsTheSameVerdictAsValidity() {
    double[][] rows = {
      {}, {1}, {NAN}, {1, NAN, INF}, {INF, NAN}, {INF, -INF}, {-INF, -INF}, {-INF, 0}, {-0.0}
    };
    for (double[] z : rows) {
      // A valid label, so any problem is the logits'.
      assertThat(Scoring.sparse(z, 0).reason())
          .as("sparse %s", Arrays.toString(z))
          .isEqualTo(Validity.logits(z, true));
      double[] p = z.length == 0 ? new double[0] : KernelTestSupport.oneHot(z.length, 0);
      assertThat(Scoring.dense(KernelTestSupport.toFloats(z), p).reason())
          .as("dense float %s", Arrays.toString(z))
          .isEqualTo(Validity.logits(z, true));
      assertThat(Scoring.sigmoid(z, new double[z.length]).reason())
          .as("sigmoid %s", Arrays.toString(z))
          .isEqualTo(Validity.logits(z, false));
    }
  }
}
