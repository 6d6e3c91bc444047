package dev.xent.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.xent.kernel.Scored;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code softmax_cross_entropy(logits, label, smoothing)}, {@code label_rank} and {@code
 * softmax_confidence} through a real SparkSession. Expected values are closed forms or the mpmath
 * values of {@code reference/weighted.tsv} (named by their case), never the code under test.
 */
class SmoothingRankConfidenceSqlTest {
  private static final double INF = Double.POSITIVE_INFINITY;
  private final SparkSession spark = TestSpark.session();

  private Row one(String sql) {
    List<Row> rows = spark.sql(sql).collectAsList();
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  private static void assertSameBits(double actual, double expected, String what) {
    assertThat(Double.doubleToRawLongBits(actual))
        .as("%s: expected %s but was %s", what, expected, actual)
        .isEqualTo(Double.doubleToRawLongBits(expected));
  }

  // ------------------------------------------------------------------------------------------
  // softmax_cross_entropy(logits, label, smoothing)

  @Test
  void smoothedLossesMatchTheMpmathReference() {
    Row row =
        one(
            "SELECT softmax_cross_entropy(z, 0, 0.1D), softmax_cross_entropy(z, 1, 0.1),"
                + " softmax_cross_entropy(z, 2, 0.5D), softmax_cross_entropy(z, array(0.1D, 0.2D,"
                + " 0.7D), 0.1D), softmax_cross_entropy(f, 1, 0.1D),"
                + " softmax_cross_entropy(f, array(0.1D, 0.2D, 0.7D), 0.1D)"
                + " FROM VALUES (array(0.5D, 1.5D, 0.1D), array(0.5F, 1.5F, 0.1F)) AS t(z, f)");
    // weighted.tsv: seed3/f64/smoothed_sparse[y=0,E=0.1], [y=1,E=0.1], [y=2,E=0.5],
    // seed3/f64/smoothed_dense[0.1,0.2,0.7,E=0.1], then the f32 cases of the same names.
    double[] want = {
      1.459010696747710358844432,
      0.5590106967477103643955470,
      1.579010696747710356438949,
      1.531010696747710291978207,
      0.5590106969256418588986104,
      1.531010695986868634766071
    };
    for (int i = 0; i < want.length; i++) {
      assertThat(row.getDouble(i)).as("column %d", i).isCloseTo(want[i], within(1e-12 * want[i]));
    }
  }

  @Test
  void smoothingAUniformRowOf250000ClassesKeepsTheLossLn250000() {
    // Every class has lse − z_c = ln C: (1 − E)·ln C + (E/C)·C·ln C = ln C.
    Row row =
        one(
            "SELECT softmax_cross_entropy(array_repeat(0.5F, 250000), 7, 0.1D),"
                + " softmax_cross_entropy(array_repeat(0.5F, 250000), array_repeat(4E-6D, 250000),"
                + " 0.3D)");
    double want = Math.log(250_000);
    assertThat(row.getDouble(0)).isCloseTo(want, within(4 * Math.ulp(want)));
    assertThat(row.getDouble(1)).isCloseTo(want, within(1e-12 * want));
  }

  @Test
  void zeroSmoothingIsTheTwoArgumentLossBitForBit() {
    List<Row> rows =
        spark
            .sql(
                "SELECT softmax_cross_entropy(z, y), softmax_cross_entropy(z, y, 0.0D),"
                    + " softmax_cross_entropy(z, y, 0), softmax_cross_entropy(z, y, -0.0D),"
                    + " softmax_cross_entropy(z, p), softmax_cross_entropy(z, p, 0.0)"
                    + " FROM (SELECT CAST(id % 5 AS int) AS y, transform(sequence(0, 4),"
                    + " i -> CAST(sin(id * 3 + i) * 20 AS float)) AS z, transform(sequence(0, 4),"
                    + " i -> CASE WHEN i = id % 5 THEN 0.75D ELSE 0.0625D END) AS p"
                    + " FROM range(100))")
            .collectAsList();
    assertThat(rows).hasSize(100);
    for (Row row : rows) {
      for (int i = 1; i < 4; i++) {
        assertSameBits(row.getDouble(i), row.getDouble(0), "sparse column " + i);
      }
      assertSameBits(row.getDouble(5), row.getDouble(4), "dense");
    }
  }

  @Test
  void aMaskedClassGivesInfiniteSmoothedLossButNoneUnsmoothed() {
    // Label 0 is the only unmasked class: loss 0; with E > 0 the masked class has target mass E/2.
    Row row =
        one(
            "SELECT softmax_cross_entropy(z, 0), softmax_cross_entropy(z, 0, 0.1D),"
                + " softmax_cross_entropy(z, 0, 4.9E-324D), xent_status(z, 0)"
                + " FROM VALUES (array(1D, double('-Infinity'))) AS t(z)");
    assertSameBits(row.getDouble(0), 0.0, "unsmoothed");
    assertSameBits(row.getDouble(1), INF, "E = 0.1");
    assertSameBits(row.getDouble(2), INF, "E = MIN_VALUE");
    assertThat(row.getString(3)).isEqualTo("ok");
  }

  @Test
  void aSingleClassHasZeroSmoothedLoss() {
    assertSameBits(
        one("SELECT softmax_cross_entropy(array(3.4E38F), 0, 0.9D)").getDouble(0), 0, "");
  }

  @Test
  void anInvalidRowGivesNullWithSmoothing() {
    Row row =
        one(
            "SELECT softmax_cross_entropy(array(1D, double('NaN')), 0, 0.1D),"
                + " softmax_cross_entropy(array(1D, 2D), 2, 0.1D),"
                + " softmax_cross_entropy(array(1D, 2D), 0.5D, 0.1D),"
                + " softmax_cross_entropy(array(1D, 2D), array(0.5D, 0.6D), 0.1D),"
                + " softmax_cross_entropy(array(double('Infinity'), 2D), 0, 0.1D)");
    for (int i = 0; i < row.length(); i++) {
      assertThat(row.isNullAt(i)).as("column %d", i).isTrue();
    }
  }

  @ParameterizedTest(name = "{0} -> got {1}")
  @CsvSource(
      delimiter = '|',
      quoteCharacter = '"',
      value = {
        "1.5D|1.5",
        "1|1.0",
        "1.0D|1.0",
        "-0.1D|-0.1",
        "double('NaN')|NaN",
        "double('Infinity')|Infinity",
        "e|column 'e'",
        "'a'|'a'",
      })
  void aSmoothingOutsideTheUnitIntervalOrNotConstantIsRejectedWithItsValue(
      String smoothing, String shown) {
    assertThatThrownBy(
            () ->
                spark
                    .sql(
                        "SELECT softmax_cross_entropy(array(1D, 2D), 0, "
                            + smoothing
                            + ") FROM VALUES (0.1D) AS t(e)")
                    .collect())
        .hasMessageContaining(
            "Cannot evaluate softmax_cross_entropy: smoothing must be a constant in [0, 1), got "
                + shown);
  }

  @Test
  void moreThanThreeArgumentsNameTheSignature() {
    assertThatThrownBy(() -> spark.sql("SELECT softmax_cross_entropy(array(1D), 0, 0.1D, 1)"))
        .hasMessageContaining(
            "Cannot call softmax_cross_entropy: expected softmax_cross_entropy(logits, label [,"
                + " smoothing]), got 4 arguments");
  }

  @Test
  void aSmoothingRowScorerScoresLikeTheKernelAndSaysItsSmoothing() {
    // The job's scorer: a constant E on every softmax row; the loss is the mpmath value of
    // weighted.tsv seed3/f64/smoothed_sparse[y=1,E=0.1].
    RowScorer scorer =
        new RowScorer(
            DataTypes.createArrayType(DataTypes.DoubleType, false),
            DataTypes.IntegerType,
            false,
            0.1);
    Scored scored =
        scorer.score(UnsafeArrayData.fromPrimitiveArray(new double[] {0.5, 1.5, 0.1}), 1);
    assertThat(scored.isOk()).isTrue();
    assertThat(scored.loss()).isCloseTo(0.5590106967477103643955470, within(1e-12));
    assertThat(scored.predicted()).isEqualTo(1);
    assertThat(scorer.smoothing()).isEqualTo(0.1);
    assertThat(scorer.withoutNullElements().smoothing()).isEqualTo(0.1);
    assertThat(
            new RowScorer(
                    DataTypes.createArrayType(DataTypes.DoubleType), DataTypes.IntegerType, false)
                .smoothing())
        .isZero();
  }

  // ------------------------------------------------------------------------------------------
  // label_rank

  @ParameterizedTest(name = "{0} label {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "array(0.5D, 1.5D, 0.1D)|0|1",
        "array(0.5D, 1.5D, 0.1D)|1|0",
        "array(0.5D, 1.5D, 0.1D)|2L|2",
        "array(1D, 3D, 3D)|2|1",
        "array(-0.0D, 0.0D)|1|1",
        "array(0.0F, -0.0F)|0|0",
        "array(double('-Infinity'), 1D, double('-Infinity'))|2|2",
        "array(4.9E-324D, 0D, -4.9E-324D)|2|2",
        "array(float('3.4028235E38'), float('3.4028235E38'))|1|1",
        "array(-7.5D)|0|0",
        "array(1D, 2D)|1.0D|0",
        "array(1D, 2D)|0.0BD|1",
      })
  void labelRankCountsTheClassesThatRankBeforeTheLabel(String logits, String label, int rank) {
    // By hand from rank = #{z_c > z_y} + #{c < y : z_c = z_y}.
    assertThat(one("SELECT label_rank(" + logits + ", " + label + ")").getInt(0)).isEqualTo(rank);
  }

  @Test
  void labelRankOnWideRowsIsTheClosedForm() {
    // Ascending z_i = i: 249,999 − y classes are above; a constant row: the y before it tie ahead.
    Row row =
        one(
            "SELECT label_rank(transform(sequence(0, 249999), i -> CAST(i AS float)), 17),"
                + " label_rank(array_repeat(0.5D, 250000), 124999)");
    assertThat(row.getInt(0)).isEqualTo(249_999 - 17);
    assertThat(row.getInt(1)).isEqualTo(124_999);
  }

  @Test
  void labelRankIsNullForRowsThatCannotBeScored() {
    Row row =
        one(
            "SELECT label_rank(array(1D, double('NaN')), 0), label_rank(array(1D, 2D), 2),"
                + " label_rank(array(1D, 2D), -1), label_rank(array(1D, 2D), 0.5D),"
                + " label_rank(array(1D, double('Infinity')), 0),"
                + " label_rank(array(double('-Infinity')), 0),"
                + " label_rank(CAST(array() AS array<double>), 0),"
                + " label_rank(array(1D, CAST(NULL AS double)), 0),"
                + " label_rank(array(1D), CAST(NULL AS int))");
    for (int i = 0; i < row.length(); i++) {
      assertThat(row.isNullAt(i)).as("column %d", i).isTrue();
    }
  }

  @Test
  void labelRankZeroIsACorrectPrediction() {
    // The same rows scored by xent_score: correct ⇔ rank 0.
    List<Row> rows =
        spark
            .sql(
                "SELECT label_rank(z, y) = 0, xent_score(z, y).correct FROM (SELECT"
                    + " CAST(id % 6 AS int) AS y, transform(sequence(0, 5), i -> CAST(round(sin(id"
                    + " * 5 + i) * 3) AS float)) AS z FROM range(300))")
            .collectAsList();
    for (Row row : rows) {
      assertThat(row.getBoolean(0)).isEqualTo(row.getBoolean(1));
    }
  }

  @Test
  void labelRankRejectsAProbabilityRowLabel() {
    assertThatThrownBy(() -> spark.sql("SELECT label_rank(array(1D, 2D), array(0.5D, 0.5D))"))
        .hasMessageContaining(
            "Cannot evaluate label_rank: label array(0.5D, 0.5D) is array<double>, expected an"
                + " integer type or float|double holding an integer");
  }

  // ------------------------------------------------------------------------------------------
  // softmax_confidence

  @Test
  void confidenceMatchesClosedFormsAndTheReference() {
    Row row =
        one(
            "SELECT softmax_confidence(array(2D, 2D, 2D, 2D)), softmax_confidence(array(-0.0F,"
                + " 0.0F)), softmax_confidence(array(1.7976931348623157E308D)),"
                + " softmax_confidence(array(double('-Infinity'), 3D)),"
                + " softmax_confidence(array(0.5D, 1.5D, 0.1D)),"
                + " softmax_confidence(array(0.5F, 1.5F, 0.1F)),"
                + " softmax_confidence(array(0.7D, -0.3D)),"
                + " softmax_confidence(array(4.9E-324D, 0D)),"
                + " softmax_confidence(array(float('3.4028235E38'), float('-3.4028235E38')))");
    // 1/4 and 1/2 exactly (rest = n − 1); one (unmasked) class: 1.
    assertSameBits(row.getDouble(0), 0.25, "4 equal");
    assertSameBits(row.getDouble(1), 0.5, "−0.0 and 0.0");
    assertSameBits(row.getDouble(2), 1.0, "one class");
    assertSameBits(row.getDouble(3), 1.0, "one unmasked class");
    // weighted.tsv: seed3/f64/confidence and seed3/f32/confidence.
    assertThat(row.getDouble(4)).isCloseTo(0.6193958591361253380838259, within(1e-16));
    assertThat(row.getDouble(5)).isCloseTo(0.6193958589951495821767501, within(1e-16));
    // Two classes a gap of 1 apart: the logistic 1/(1 + e^−1).
    assertThat(row.getDouble(6)).isCloseTo(1 / (1 + Math.exp(-1)), within(2e-16));
    // A subnormal gap: rest = e^−MIN_VALUE, which is 1 in double, so 1/2 exactly.
    assertSameBits(row.getDouble(7), 0.5, "subnormal gap");
    // The largest floats: rest = e^−6.8e38 = 0, so exactly 1.
    assertSameBits(row.getDouble(8), 1.0, "max float gap");
  }

  @Test
  void confidenceIsNullForInvalidLogits() {
    Row row =
        one(
            "SELECT softmax_confidence(array(1D, double('NaN'))),"
                + " softmax_confidence(array(1F, float('Infinity'))),"
                + " softmax_confidence(array(double('-Infinity'))),"
                + " softmax_confidence(CAST(array() AS array<double>)),"
                + " softmax_confidence(CAST(NULL AS array<double>))");
    for (int i = 0; i < row.length(); i++) {
      assertThat(row.isNullAt(i)).as("column %d", i).isTrue();
    }
  }

  // ------------------------------------------------------------------------------------------

  @Test
  void generatedAndInterpretedEvaluationAgreeBitForBit() {
    String query =
        "SELECT id, softmax_cross_entropy(z, label, 0.2D) AS a, label_rank(z, label) AS b,"
            + " softmax_confidence(z) AS c FROM (SELECT id, CAST(id % 4 AS int) AS label,"
            + " transform(sequence(0, 3), i -> CAST(sin(id * 7 + i) * 30 AS float)) AS z"
            + " FROM range(200))";
    List<Row> generated = spark.sql(query).collectAsList();
    List<Row> interpreted;
    spark.conf().set("spark.sql.codegen.wholeStage", "false");
    spark.conf().set("spark.sql.codegen.factoryMode", "NO_CODEGEN");
    try {
      interpreted = spark.sql(query).collectAsList();
    } finally {
      spark.conf().unset("spark.sql.codegen.wholeStage");
      spark.conf().unset("spark.sql.codegen.factoryMode");
    }
    assertThat(interpreted).hasSize(200).isEqualTo(generated);
  }
}
