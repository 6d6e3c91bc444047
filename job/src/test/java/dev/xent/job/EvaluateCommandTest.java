package dev.xent.job;

import static dev.xent.job.JobTestSupport.assertMatchesGolden;
import static dev.xent.job.JobTestSupport.cli;
import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static dev.xent.job.JobTestSupport.writeParquet;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xent.job.JobTestSupport.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code xent evaluate} end to end on small inputs, against golden metrics from mpmath. */
class EvaluateCommandTest {
  @TempDir Path tmp;

  private static final StructType DOUBLE_ROWS = JobTestSupport.DOUBLE_ROWS;

  private Path seedTwoRows() {
    Path input = tmp.resolve("seed2");
    writeParquet(
        List.of(
            RowFactory.create(0L, new double[] {0.5, 1.5, 0.1}, 1),
            RowFactory.create(1L, new double[] {2.2, 1.3, 1.7}, 2)),
        DOUBLE_ROWS,
        input);
    return input;
  }

  private Path mixedReasons() {
    return JobTestSupport.writeMixedReasons(tmp.resolve("mixed"));
  }

  @Test
  void theSeedTwoRowExampleMatchesItsGoldenMetrics() {
    Path input = seedTwoRows();
    Path out = tmp.resolve("out");
    Run run = evaluate(input.toString(), "--label", "label", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertMatchesGolden(out.resolve("metrics.json"), "seed-two-rows");
    // The TensorFlow post prints 0.83934333897877944 for this mean.
    assertThat(readJson(out.resolve("metrics.json")).get("mean_loss").doubleValue())
        .isEqualTo(0.83934333897877944, org.assertj.core.api.Assertions.within(2e-16));
    assertThat(run.out()).contains("mean_loss").contains("accuracy             0.5");
  }

  @Test
  void theSeedFiveRowFloatExampleMatchesItsGoldenMetrics() {
    Path input = tmp.resolve("seed5");
    StructType floats =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType))
            .add("label", DataTypes.IntegerType);
    float[][] z = {{1, 2, 3}, {1, 2, 3}, {1, 2, 3}, {7, 4, 5}, {7, 88, 5}};
    int[] labels = {2, 2, 2, 0, 0};
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < z.length; i++) {
      rows.add(RowFactory.create((long) i, z[i], labels[i]));
    }
    writeParquet(rows, floats, input);
    Path out = tmp.resolve("out");
    Run run = evaluate(input.toString(), "--label", "label", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertMatchesGolden(out.resolve("metrics.json"), "seed-five-rows");
    // TensorFlow's float32 print of this mean: 16.478533.
    assertThat(readJson(out.resolve("metrics.json")).get("mean_loss").doubleValue())
        .isCloseTo(16.478533, org.assertj.core.api.Assertions.within(5e-7));
  }

  @Test
  void everyInvalidRowIsCountedByItsReasonAndAMaskedLabelMakesTheMeanInfinite() {
    Path out = tmp.resolve("out");
    Run run = evaluate(mixedReasons().toString(), "--label", "label", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertMatchesGolden(out.resolve("metrics.json"), "mixed-reasons");
    assertThat(JobTestSupport.read(out.resolve("metrics.json")))
        .contains("\"mean_loss\": \"Infinity\"");
  }

  @Test
  void jsonInputAcceptsNaNAndInfinityTokens() throws IOException {
    Path input = tmp.resolve("input.json");
    Files.writeString(
        input,
        String.join(
            "\n",
            "{\"id\":0,\"logits\":[0.5,1.5,0.1],\"label\":1}",
            "{\"id\":1,\"logits\":[2.2,1.3,1.7],\"label\":2}",
            "{\"id\":2,\"logits\":[1.0,NaN,0.0],\"label\":0}",
            "{\"id\":3,\"logits\":[-Infinity,2.0,1.0],\"label\":1}",
            "{\"id\":4,\"logits\":[1,2,3],\"label\":2}"));
    Path out = tmp.resolve("out");
    Run run =
        cli(
            "evaluate",
            "--input",
            input.toString(),
            "--format",
            "json",
            "--logits",
            "logits",
            "--label",
            "label",
            "--output",
            out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertMatchesGolden(out.resolve("metrics.json"), "json-non-numeric");
  }

  @Test
  void jsonLogitsOfOnlyIntegersAreWidenedToDoubles() throws IOException {
    Path input = tmp.resolve("ints.json");
    Files.writeString(input, "{\"logits\":[1,2,3],\"label\":2}\n{\"logits\":[0,0],\"label\":1}");
    Path out = tmp.resolve("out");
    Run run =
        cli(
            "evaluate",
            "--input",
            input.toString(),
            "--format",
            "json",
            "--logits",
            "logits",
            "--label",
            "label",
            "--output",
            out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode metrics = readJson(out.resolve("metrics.json"));
    assertThat(metrics.get("rows_scored").asLong()).isEqualTo(2);
  }

  @Test
  void denseSoftLabelsMatchTheirGoldenMetrics() {
    Path input = tmp.resolve("dense");
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("labels", DataTypes.createArrayType(DataTypes.DoubleType));
    writeParquet(
        List.of(
            RowFactory.create(0L, new double[] {0.5, 1.5, 0.1}, new double[] {0.25, 0.5, 0.25}),
            RowFactory.create(1L, new double[] {2.2, 1.3, 1.7}, new double[] {0, 0, 1})),
        schema,
        input);
    Path out = tmp.resolve("out");
    Run run = evaluate(input.toString(), "--labels", "labels", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertMatchesGolden(out.resolve("metrics.json"), "dense-soft-labels");
  }

  @Test
  void sigmoidRowsSumTheirElementsAndReportNoAccuracy() {
    Path input = tmp.resolve("sigmoid");
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType))
            .add("labels", DataTypes.createArrayType(DataTypes.DoubleType));
    writeParquet(
        List.of(
            RowFactory.create(
                0L, new float[] {0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, new double[] {0, 0, 0, 1, 0}),
            RowFactory.create(
                1L, new float[] {0.3f, 0.3f, 0.2f, 0.1f, 0.1f}, new double[] {1, 0, 0, 0, 0})),
        schema,
        input);
    Path out = tmp.resolve("out");
    Path perRow = tmp.resolve("per-row");
    Run run =
        evaluate(
            input.toString(),
            "--labels",
            "labels",
            "--loss",
            "sigmoid",
            "--output",
            out.toString(),
            "--per-row",
            perRow.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertMatchesGolden(out.resolve("metrics.json"), "sigmoid-seed");
    assertThat(spark().read().parquet(perRow.toString()).columns())
        .containsExactly("id", "loss", "status");
  }

  @Test
  void perRowOutputKeepsEveryRowWithItsStatus() {
    Path perRow = tmp.resolve("per-row");
    Run run =
        evaluate(mixedReasons().toString(), "--label", "label", "--per-row", perRow.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<Row> rows = spark().read().parquet(perRow.toString()).orderBy("id").collectAsList();
    assertThat(spark().read().parquet(perRow.toString()).columns())
        .containsExactly("id", "loss", "predicted", "correct", "status");
    assertThat(rows)
        .extracting(r -> r.getString(4))
        .containsExactly(
            "ok",
            "nan_logit",
            "posinf_logit",
            "all_masked",
            "empty_logits",
            "label_out_of_range",
            "label_out_of_range",
            "null_input",
            "ok",
            "ok",
            "null_input");
    Row masked = rows.get(8);
    assertThat(masked.getDouble(1)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(masked.getInt(2)).isZero();
    assertThat(masked.getBoolean(3)).isFalse();
    assertThat(rows.get(1).isNullAt(1)).isTrue();
    // loss of row 0: lse(1,2,3) − 3 = log(1 + e^-1 + e^-2).
    assertThat(rows.get(0).getDouble(1))
        .isCloseTo(
            Math.log1p(Math.exp(-1) + Math.exp(-2)), org.assertj.core.api.Assertions.within(1e-15));
  }

  @Test
  void perRowJsonIsReadBackWithItsInfiniteLoss() {
    Path perRow = tmp.resolve("per-row-json");
    Path out = tmp.resolve("out");
    Run run =
        evaluate(
            mixedReasons().toString(),
            "--label",
            "label",
            "--per-row",
            perRow.toString(),
            "--per-row-format",
            "json",
            "--output",
            out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertMatchesGolden(out.resolve("metrics.json"), "mixed-reasons");
    assertThat(spark().read().json(perRow.toString()).count()).isEqualTo(11);
  }

  @Test
  void metricsDoNotDependOnThePartitioning() {
    Path input = tmp.resolve("generated");
    Run generated =
        cli(
            "generate",
            "--output",
            input.toString(),
            "--rows",
            "3000",
            "--classes",
            "17",
            "--partitions",
            "1",
            "--seed",
            "5");
    assertThat(generated.exitCode()).as(generated.err()).isZero();
    Path split = tmp.resolve("split");
    spark().read().parquet(input.toString()).repartition(7).write().parquet(split.toString());
    JsonNode one = evaluateToJson(input, "one");
    JsonNode seven = evaluateToJson(split, "seven");
    for (String exact :
        List.of(
            "rows",
            "rows_scored",
            "rows_invalid",
            "rows_infinite_loss",
            "mean_loss",
            "accuracy",
            "perplexity",
            "log_mean_true_prob")) {
      assertThat(seven.get(exact)).as(exact).isEqualTo(one.get(exact));
    }
  }

  private JsonNode evaluateToJson(Path input, String name) {
    Path out = tmp.resolve("out-" + name);
    Run run = evaluate(input.toString(), "--label", "label", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    return readJson(out.resolve("metrics.json"));
  }

  @Test
  void aMissingColumnIsAUsageErrorNamingTheColumns() {
    Run run =
        cli(
            "evaluate",
            "--input",
            seedTwoRows().toString(),
            "--logits",
            "scores",
            "--label",
            "label");
    assertThat(run.exitCode()).isEqualTo(2);
    // The first file without it is named (its columns from its own footer).
    assertThat(run.err())
        .contains("Cannot evaluate: column 'scores' given by --logits does not exist in '")
        .contains(".parquet'; it has [id, logits, label]");
  }

  @Test
  void aLogitsColumnOfStringsIsAUsageErrorWithTheExpectedTypes() {
    Path input = tmp.resolve("strings");
    StructType schema =
        new StructType()
            .add("logits", DataTypes.createArrayType(DataTypes.StringType))
            .add("label", DataTypes.IntegerType);
    writeParquet(List.of(RowFactory.create(new String[] {"a"}, 0)), schema, input);
    Run run = evaluate(input.toString(), "--label", "label");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err().strip())
        .isEqualTo(
            "xent: Cannot evaluate: column 'logits' is array<string>, expected array<float|double>"
                + " or vector");
  }

  @Test
  void anArrayGivenAsLabelPointsToLabels() {
    Path input = tmp.resolve("dense-as-label");
    StructType schema =
        new StructType()
            .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("p", DataTypes.createArrayType(DataTypes.DoubleType));
    writeParquet(List.of(RowFactory.create(new double[] {1}, new double[] {1})), schema, input);
    Run run = evaluate(input.toString(), "--label", "p");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains(
            "Cannot evaluate: column 'p' is array<double>, expected an integer type or"
                + " float|double holding an integer (use --labels for probability rows)");
  }

  @Test
  void anUnknownLossListsTheChoices() {
    Run run = evaluate("x", "--label", "label", "--loss", "hinge");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("expected one of softmax, sigmoid, got 'hinge'");
  }

  @Test
  void labelAndLabelsTogetherAreRejected() {
    Run run = evaluate("x", "--label", "a", "--labels", "b");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("mutually exclusive");
  }

  @Test
  void aNonEmptyOutputIsRefusedWithoutOverwrite() throws IOException {
    Path out = Files.createDirectories(tmp.resolve("out"));
    Files.writeString(out.resolve("keep.txt"), "x");
    String[] args = {
      "evaluate",
      "--input",
      seedTwoRows().toString(),
      "--logits",
      "logits",
      "--label",
      "label",
      "--output",
      out.toString()
    };
    Run refused = cli(args);
    assertThat(refused.exitCode()).isEqualTo(2);
    assertThat(refused.err())
        .contains(
            "Cannot write --output: directory '"
                + out
                + "' exists and is not empty"
                + " (add --overwrite to replace it)");
    assertThat(out.resolve("metrics.json")).doesNotExist();
    List<String> withOverwrite = new ArrayList<>(List.of(args));
    withOverwrite.add("--overwrite");
    assertThat(cli(withOverwrite.toArray(new String[0])).exitCode()).isZero();
    assertThat(out.resolve("metrics.json")).exists();
  }

  @Test
  void perRowOutputInsideTheInputIsRefusedEvenWithOverwrite() {
    Path input = seedTwoRows();
    Run run =
        evaluate(
            input.toString(),
            "--label",
            "label",
            "--per-row",
            input.resolve("scores").toString(),
            "--overwrite");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot write --per-row").contains("overlaps the input");
  }

  @Test
  void anInputColumnNamedLikeAScoreColumnIsRefusedForPerRowOutput() {
    Path input = tmp.resolve("clash");
    StructType schema =
        new StructType()
            .add("status", DataTypes.StringType)
            .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.IntegerType);
    writeParquet(List.of(RowFactory.create("x", new double[] {1, 2}, 0)), schema, input);
    Run run =
        evaluate(input.toString(), "--label", "label", "--per-row", tmp.resolve("pr").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot write --per-row: input column 'status'");
  }
}
