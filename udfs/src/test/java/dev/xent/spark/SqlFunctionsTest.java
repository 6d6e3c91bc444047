package dev.xent.spark;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import scala.collection.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The SQL functions through a real local SparkSession (functions injected by {@code
 * spark.sql.extensions}). Expected values are closed forms evaluated with java.lang.Math on inputs
 * small enough that the naive formula is exact to a few ulps.
 */
class SqlFunctionsTest {
  private final SparkSession spark = TestSpark.session();

  private Row one(String sql) {
    List<Row> rows = spark.sql(sql).collectAsList();
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  private static double naiveLogSumExp(double... z) {
    double sum = 0;
    for (double v : z) {
      sum += Math.exp(v);
    }
    return Math.log(sum);
  }

  private static double[] doubles(Row row, int i) {
    Seq<Object> seq = row.getSeq(i);
    return CollectionConverters.asJava(seq).stream().mapToDouble(o -> (Double) o).toArray();
  }

  @Test
  void logsumexpOfDoubleAndFloatArraysMatchesTheClosedForm() {
    Row row = one("SELECT logsumexp(array(0.5D, 1.5D, 0.1D)), logsumexp(array(1.0F, 2.0F))");
    assertThat(row.getDouble(0)).isCloseTo(naiveLogSumExp(0.5, 1.5, 0.1), within(1e-15));
    assertThat(row.getDouble(1)).isCloseTo(naiveLogSumExp(1.0, 2.0), within(1e-15));
  }

  @Test
  void softmaxReproducesTheTensorFlowExampleRows() {
    Row row = one("SELECT softmax(array(0.5D, 1.5D, 0.1D)), log_softmax(array(2.2D, 1.3D, 1.7D))");
    // Printed by tf.nn.softmax in the seed post: [0.227863, 0.61939586, 0.15274114].
    assertThat(doubles(row, 0))
        .containsExactly(new double[] {0.227863, 0.61939586, 0.15274114}, within(5e-7));
    double lse = naiveLogSumExp(2.2, 1.3, 1.7);
    assertThat(doubles(row, 1))
        .containsExactly(new double[] {2.2 - lse, 1.3 - lse, 1.7 - lse}, within(1e-15));
  }

  @Test
  void theSeedsTwoRowExampleHasMeanLoss0_83934333897877944() {
    Row row =
        one(
            "SELECT avg(softmax_cross_entropy(logits, label)), avg(softmax_cross_entropy(logits,"
                + " onehot)) FROM VALUES (array(0.5D, 1.5D, 0.1D), 1, array(0D, 1D, 0D)),"
                + " (array(2.2D, 1.3D, 1.7D), 2, array(0D, 0D, 1D)) AS t(logits, label, onehot)");
    assertThat(row.getDouble(0)).isCloseTo(0.83934333897877944, within(2e-16));
    assertThat(row.getDouble(1)).isCloseTo(0.83934333897877944, within(2e-16));
  }

  @Test
  void labelsOfEveryIntegerTypeAndIntegralDoublesAreSparseLabels() {
    Row row =
        one(
            "SELECT softmax_cross_entropy(z, 1Y), softmax_cross_entropy(z, 1S),"
                + " softmax_cross_entropy(z, 1), softmax_cross_entropy(z, 1L),"
                + " softmax_cross_entropy(z, 1.0D), softmax_cross_entropy(z, 1.0F),"
                + " softmax_cross_entropy(z, 1.0BD)"
                + " FROM VALUES (array(0.5D, 1.5D, 0.1D)) AS t(z)");
    double expected = naiveLogSumExp(0.5, 1.5, 0.1) - 1.5;
    for (int i = 0; i < 7; i++) {
      assertThat(row.getDouble(i)).as("column %d", i).isCloseTo(expected, within(1e-15));
    }
  }

  @Test
  void sigmoidCrossEntropySumsTheElementsOfTheSeedExample() {
    Row row =
        one(
            "SELECT sigmoid_cross_entropy(array(0.2F, 0.2F, 0.2F, 0.2F, 0.2F),"
                + " array(0, 0, 0, 1, 0)), sigmoid_cross_entropy(0.3D, 1.0D)");
    // Per element: −[t·log σ(z) + (1−t)·log(1−σ(z))]; σ(0.2) for the float 0.2.
    double z = 0.2f;
    double sigma = 1 / (1 + Math.exp(-z));
    double expected = 4 * -Math.log(1 - sigma) - Math.log(sigma);
    assertThat(row.getDouble(0)).isCloseTo(expected, within(1e-14));
    // The seed prints 0.7981388 and 0.59813893 for the two kinds of element.
    assertThat(row.getDouble(0)).isCloseTo(4 * 0.7981388 + 0.59813893, within(1e-6));
    assertThat(row.getDouble(1)).isCloseTo(-Math.log(1 / (1 + Math.exp(-0.3))), within(1e-15));
  }

  @Test
  void argmaxTakesTheLowestIndexOfTies() {
    Row row = one("SELECT logits_argmax(array(1D, 3D, 3D)), logits_argmax(array(-0.0D, 0.0D))");
    assertThat(row.getInt(0)).isEqualTo(1);
    assertThat(row.getInt(1)).isEqualTo(0);
  }

  @ParameterizedTest(name = "{0} with {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "array(1D, 2D)|1|ok",
        "CAST(NULL AS array<double>)|1|null_input",
        "array(1D, 2D)|CAST(NULL AS int)|null_input",
        "array(1D, CAST(NULL AS double))|1|null_input",
        "CAST(array() AS array<double>)|0|empty_logits",
        "array(1D, double('NaN'))|0|nan_logit",
        "array(1D, double('Infinity'))|0|posinf_logit",
        "array(double('-Infinity'), double('-Infinity'))|0|all_masked",
        "array(1D, double('-Infinity'))|1|ok",
        "array(1D, 2D)|double('NaN')|nan_label",
        "array(1D, 2D)|1.5D|label_not_integer",
        "array(1D, 2D)|2|label_out_of_range",
        "array(1D, 2D)|-1L|label_out_of_range",
        "array(1D, 2D)|array(1D)|length_mismatch",
        "array(1D, 2D)|array(1.5D, -0.5D)|negative_probability",
        "array(1D, 2D)|array(0.5D, 0.6D)|not_a_distribution",
        "array(1D, 2D)|array(0.5D, 0.5D)|ok",
      })
  void xentStatusNamesTheReasonOfEverySoftmaxRow(String logits, String label, String status) {
    assertThat(one("SELECT xent_status(" + logits + ", " + label + ")").getString(0))
        .isEqualTo(status);
  }

  @ParameterizedTest(name = "{0} with {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "array(1D, 2D)|array(0D, 1D)|ok",
        "array(1D, 2D)|array(0D, 1.5D)|target_out_of_range",
        "array(1D, 2D)|array(0D, double('NaN'))|nan_label",
        "array(1D, 2D)|array(0D)|length_mismatch",
        "array(double('-Infinity'), 2D)|array(0D, 1D)|ok",
        "array(double('Infinity'), 2D)|array(1D, 1D)|posinf_logit",
      })
  void xentStatusNamesTheReasonOfEverySigmoidRow(String logits, String targets, String status) {
    assertThat(one("SELECT xent_status(" + logits + ", " + targets + ", 'sigmoid')").getString(0))
        .isEqualTo(status);
  }

  @Test
  void invalidRowsGiveNullNeverNaN() {
    Row row =
        one(
            "SELECT softmax_cross_entropy(array(1D, double('NaN')), 0),"
                + " logsumexp(array(1D, double('NaN'))), softmax(array(double('Infinity'))),"
                + " logits_argmax(CAST(array() AS array<double>)),"
                + " sigmoid_cross_entropy(array(1D), array(2D))");
    for (int i = 0; i < row.length(); i++) {
      assertThat(row.isNullAt(i)).as("column %d", i).isTrue();
    }
  }

  @Test
  void aMaskedLabelHasAnInfiniteLossAndIsValid() {
    Row row = one("SELECT xent_score(array(1D, double('-Infinity')), 1)");
    Row score = row.getStruct(0);
    assertThat(score.getDouble(0)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(score.getInt(1)).isEqualTo(0);
    assertThat(score.getBoolean(2)).isFalse();
    assertThat(score.getString(3)).isEqualTo("ok");
  }

  @Test
  void xentScoreOfAnInvalidRowHasOnlyItsStatus() {
    Row score = one("SELECT xent_score(array(1D, 2D), 5)").getStruct(0);
    assertThat(score.isNullAt(0)).isTrue();
    assertThat(score.isNullAt(1)).isTrue();
    assertThat(score.isNullAt(2)).isTrue();
    assertThat(score.getString(3)).isEqualTo("label_out_of_range");
  }

  @Test
  void mllibDenseAndSparseVectorsAreLogits() {
    StructType schema =
        new StructType()
            .add("raw", new VectorUDT())
            .add("label", DataTypes.DoubleType)
            .add("probs", new VectorUDT());
    List<Row> rows =
        List.of(
            RowFactory.create(
                Vectors.dense(0.5, 1.5, 0.1),
                1.0,
                Vectors.sparse(3, new int[] {1}, new double[] {1})),
            RowFactory.create(
                Vectors.sparse(3, new int[] {0, 2}, new double[] {2.2, 1.7}),
                1.0,
                Vectors.dense(0, 1, 0)));
    Dataset<Row> df = spark.createDataFrame(rows, schema);
    df.createOrReplaceTempView("vectors");
    List<Row> out =
        spark
            .sql(
                "SELECT softmax_cross_entropy(raw, label), softmax_cross_entropy(raw, probs)"
                    + " FROM vectors")
            .collectAsList();
    double first = naiveLogSumExp(0.5, 1.5, 0.1) - 1.5;
    // The sparse vector's missing entry is a logit of exactly 0.
    double second = naiveLogSumExp(2.2, 0.0, 1.7) - 0.0;
    assertThat(out.get(0).getDouble(0)).isCloseTo(first, within(1e-15));
    assertThat(out.get(0).getDouble(1)).isCloseTo(first, within(1e-15));
    assertThat(out.get(1).getDouble(0)).isCloseTo(second, within(1e-15));
    assertThat(out.get(1).getDouble(1)).isCloseTo(second, within(1e-15));
  }

  @Test
  void aWrongLogitsTypeIsRejectedAtAnalysisWithTheColumnAndTheExpectedTypes() {
    assertThatThrownBy(
            () ->
                spark
                    .sql(
                        "SELECT softmax_cross_entropy(logits, 1) FROM VALUES (array('a')) AS"
                            + " t(logits)")
                    .collectAsList())
        .hasMessageContaining(
            "Cannot evaluate softmax_cross_entropy: logits column 'logits' is array<string>,"
                + " expected array<float|double> or vector");
  }

  @Test
  void aWrongLabelTypeIsRejectedAtAnalysis() {
    assertThatThrownBy(() -> spark.sql("SELECT softmax_cross_entropy(array(1D), 'x')").collect())
        .hasMessageContaining(
            "Cannot evaluate softmax_cross_entropy: label 'x' is string, expected an"
                + " integer type");
  }

  @Test
  void anUnknownModeIsRejected() {
    assertThatThrownBy(() -> spark.sql("SELECT xent_status(array(1D), 0, 'hinge')").collect())
        .hasMessageContaining("mode 'hinge' must be the constant 'softmax' or 'sigmoid'");
  }

  @Test
  void aWrongNumberOfArgumentsNamesTheSignature() {
    assertThatThrownBy(() -> spark.sql("SELECT softmax_cross_entropy(array(1D))").collect())
        .hasMessageContaining(
            "Cannot call softmax_cross_entropy: expected softmax_cross_entropy(logits, label [,"
                + " smoothing]), got 1 argument");
  }

  @Test
  void generatedAndInterpretedEvaluationAgreeBitForBit() {
    String query =
        "SELECT id, softmax_cross_entropy(z, label) AS a, xent_score(z, label) AS b,"
            + " softmax(z) AS c, xent_status(z, label) AS d FROM (SELECT id, CAST(id % 4 AS int)"
            + " AS label, transform(sequence(0, 3), i -> CAST(sin(id * 7 + i) * 30 AS float)) AS"
            + " z FROM range(200))";
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

  @Test
  void logsumexpAggIsTheSameForEveryPartitioning() {
    double[] values = new double[1000];
    StringBuilder rows = new StringBuilder();
    for (int i = 0; i < values.length; i++) {
      values[i] = Math.sin(i * 0.37) * 50 - i * 0.01;
      rows.append(i == 0 ? "" : ",").append('(').append(values[i]).append("D)");
    }
    spark.sql("SELECT * FROM VALUES " + rows + " AS t(x)").createOrReplaceTempView("lse_input");
    double expected = dev.xent.kernel.LogSumExp.logSumExp(values);
    for (int partitions : new int[] {1, 3, 7, 16}) {
      double got =
          spark
              .sql(
                  "SELECT logsumexp_agg(x) FROM (SELECT /*+ REPARTITION("
                      + partitions
                      + ") */ x FROM lse_input)")
              .collectAsList()
              .get(0)
              .getDouble(0);
      assertThat(got).as("%d partitions", partitions).isCloseTo(expected, within(1e-13));
    }
  }

  @Test
  void logsumexpAggSkipsNullsAndIsNullForNoRowsAndForNaN() {
    Row row =
        one(
            "SELECT logsumexp_agg(x), logsumexp_agg(CASE WHEN x > 9 THEN x END),"
                + " logsumexp_agg(CASE WHEN x = 1 THEN double('NaN') ELSE x END),"
                + " logsumexp_agg(double('-Infinity')) FROM VALUES (1D), (2D), (NULL) AS t(x)");
    assertThat(row.getDouble(0)).isCloseTo(naiveLogSumExp(1, 2), within(1e-15));
    assertThat(row.isNullAt(1)).isTrue();
    assertThat(row.isNullAt(2)).isTrue();
    assertThat(row.getDouble(3)).isEqualTo(Double.NEGATIVE_INFINITY);
  }

  @Test
  void logsumexpAggGroupsLikeAnyAggregate() {
    List<Row> rows =
        spark
            .sql(
                "SELECT g, logsumexp_agg(x) FROM VALUES (0, 1D), (0, 2D), (1, 5D) AS t(g, x)"
                    + " GROUP BY g ORDER BY g")
            .collectAsList();
    assertThat(rows.get(0).getDouble(1)).isCloseTo(naiveLogSumExp(1, 2), within(1e-15));
    assertThat(rows.get(1).getDouble(1)).isEqualTo(5.0);
  }

  @Test
  void registerAddsEveryFunctionToASessionAndCanBeRepeated() {
    SparkSession other = spark.newSession();
    XentFunctions.register(other);
    XentFunctions.register(other);
    for (XentFunctions.Definition definition : XentFunctions.ALL) {
      assertThat(other.catalog().functionExists(definition.name())).as(definition.name()).isTrue();
    }
    assertThat(
            Arrays.stream(XentFunctions.ALL.stream().map(XentFunctions.Definition::name).toArray()))
        .containsExactlyInAnyOrder(
            "logsumexp",
            "softmax",
            "log_softmax",
            "logits_argmax",
            "softmax_cross_entropy",
            "sigmoid_cross_entropy",
            "xent_status",
            "xent_score",
            "logsumexp_agg",
            "softmax_confidence",
            "label_rank",
            "exact_sum",
            "exact_avg");
  }
}
