package dev.xent.job;

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
import java.util.SplittableRandom;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --reader auto|page|spark}: which reader runs, what metrics.json says about it, and that
 * the page reader and Spark's give the same metrics to the last bit on the same files.
 */
class ReaderChoiceTest {
  @TempDir Path tmp;

  /** Every number metrics.json derives from the rows. */
  private static final List<String> EXACT_FIELDS =
      List.of(
          "rows",
          "rows_scored",
          "rows_invalid",
          "invalid_by_reason",
          "rows_infinite_loss",
          "mean_loss",
          "accuracy",
          "perplexity",
          "log_mean_true_prob");

  private JsonNode run(Path input, String reader, String... extra) {
    Path out = tmp.resolve("out-" + reader + "-" + input.getFileName());
    List<String> args = new ArrayList<>(List.of("--label", "label", "--output", out.toString()));
    args.add("--reader");
    args.add(reader);
    args.addAll(List.of(extra));
    Run run = evaluate(input, args.toArray(new String[0]));
    assertThat(run.exitCode()).as(run.err()).isZero();
    return readJson(out.resolve("metrics.json"));
  }

  private static void assertSameMetrics(JsonNode page, JsonNode spark) {
    for (String field : EXACT_FIELDS) {
      // JSON text of each double is its shortest round-trip form: equal text, equal bits.
      assertThat(page.get(field)).as(field).isEqualTo(spark.get(field));
    }
  }

  @Test
  void autoReadsParquetPageByPageWithTheSameMetricsAsSpark() {
    Path mixed = JobTestSupport.writeMixedReasons(tmp.resolve("mixed"));
    JsonNode auto = run(mixed, "auto");
    JsonNode spark = run(mixed, "spark");
    assertThat(auto.get("reader").asText()).isEqualTo("page");
    assertThat(auto.get("reader_reason").isNull()).isTrue();
    assertThat(spark.get("reader").asText()).isEqualTo("spark");
    assertThat(spark.get("reader_reason").asText()).isEqualTo("--reader spark");
    assertSameMetrics(auto, spark);
    assertThat(auto.get("invalid_by_reason").get("null_input").asLong()).isEqualTo(2);
  }

  @Test
  void generatedFloatRowsInManyFilesGiveTheSameBitsOnBothReaders() {
    Path input = tmp.resolve("generated");
    Run generated =
        cli(
            "generate",
            "--output",
            input.toString(),
            "--rows",
            "20000",
            "--classes",
            "100",
            "--partitions",
            "3",
            "--seed",
            "9");
    assertThat(generated.exitCode()).as(generated.err()).isZero();
    assertSameMetrics(run(input, "page"), run(input, "spark"));
  }

  @Test
  void floatLogitsWithLongLabelsNullElementsAndWideRowsAgree() {
    StructType schema =
        new StructType()
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType, true))
            .add("label", DataTypes.LongType);
    SplittableRandom random = new SplittableRandom(4);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      int width = i % 50 == 0 ? 5000 : 1 + random.nextInt(40);
      Float[] z = new Float[width];
      for (int j = 0; j < width; j++) {
        z[j] = (float) (random.nextGaussian() * 5);
      }
      if (i % 37 == 0) {
        z[random.nextInt(width)] = null;
      }
      if (i % 41 == 0) {
        z[random.nextInt(width)] = Float.NEGATIVE_INFINITY;
      }
      Long label = i % 53 == 0 ? null : (long) random.nextInt(width + 2) - 1;
      rows.add(RowFactory.create(i % 61 == 0 ? null : z, label));
    }
    Path input = tmp.resolve("floats");
    writeParquet(rows, schema, input);
    JsonNode page = run(input, "page");
    assertSameMetrics(page, run(input, "spark"));
    assertThat(page.get("reader").asText()).isEqualTo("page");
  }

  @Test
  void autoFallsBackToSparkAndSaysWhy() throws IOException {
    Path mixed = JobTestSupport.writeMixedReasons(tmp.resolve("mixed"));
    Path perRow = tmp.resolve("per-row");
    JsonNode withPerRow = run(mixed, "auto", "--per-row", perRow.toString());
    assertThat(withPerRow.get("reader").asText()).isEqualTo("page");
    assertThat(withPerRow.get("reader_reason").isNull()).isTrue();

    // A partition directory named like a column of the files: which value wins is left to Spark's
    // reader, which then writes the per-row output itself.
    Path overlapping = tmp.resolve("overlapping");
    JobTestSupport.writeMixedReasons(overlapping.resolve("id=7"));
    JsonNode overlapped =
        run(overlapping, "auto", "--per-row", tmp.resolve("per-row-overlap").toString());
    assertThat(overlapped.get("reader").asText()).isEqualTo("spark");
    assertThat(overlapped.get("reader_reason").asText())
        .isEqualTo("--per-row: a partition column is also a column of the files");

    // Sigmoid rows are read page by page, but their per-row output is written by Spark's reader.
    Path sigmoid = tmp.resolve("sigmoid");
    spark()
        .sql("SELECT array(1.0D, -2.0D) AS logits, 1.0D AS label")
        .write()
        .parquet(sigmoid.toString());
    assertThat(run(sigmoid, "auto", "--loss", "sigmoid").get("reader").asText()).isEqualTo("page");
    JsonNode sigmoidPerRow =
        run(
            sigmoid,
            "auto",
            "--loss",
            "sigmoid",
            "--per-row",
            tmp.resolve("per-row-sigmoid").toString(),
            "--overwrite");
    assertThat(sigmoidPerRow.get("reader").asText()).isEqualTo("spark");
    assertThat(sigmoidPerRow.get("reader_reason").asText())
        .isEqualTo("--per-row output of dense or sigmoid rows is written by Spark's reader");

    Path json = tmp.resolve("rows.json");
    Files.writeString(json, "{\"logits\":[1.0,2.0],\"label\":1}\n");
    JsonNode fromJson = run(json, "auto", "--format", "json");
    assertThat(fromJson.get("reader_reason").asText())
        .isEqualTo("the input format is json, not parquet");
  }

  @Test
  void pageOnAnInputItCannotReadIsAUsageError() throws IOException {
    Path json = tmp.resolve("rows.json");
    Files.writeString(json, "{\"logits\":[1.0,2.0],\"label\":1}\n");
    Run run = evaluate(json, "--label", "label", "--format", "json", "--reader", "page");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("Cannot evaluate with --reader page: the input format is json, not parquet");

    Run unknown = evaluate(json, "--label", "label", "--reader", "fast");
    assertThat(unknown.exitCode()).isEqualTo(2);
    assertThat(unknown.err()).contains("expected one of auto, page, spark, got 'fast'");
  }

  @Test
  void hiddenFilesAreSkippedAsSparkSkipsThem() throws IOException {
    Path mixed = JobTestSupport.writeMixedReasons(tmp.resolve("mixed"));
    Files.writeString(mixed.resolve("_notes.txt"), "not parquet");
    Files.writeString(mixed.resolve(".draft.parquet"), "not parquet");
    JsonNode page = run(mixed, "page");
    assertThat(page.get("rows").asLong()).isEqualTo(11);
    assertSameMetrics(page, run(mixed, "spark"));
  }

  @Test
  void aDecimalLabelIsReadBySpark() {
    Path input = tmp.resolve("decimal");
    spark()
        .sql("SELECT array(1.0D, 2.0D, 0.5D) AS logits, CAST(1 AS DECIMAL(5,0)) AS label")
        .write()
        .parquet(input.toString());
    JsonNode auto = run(input, "auto");
    assertThat(auto.get("reader").asText()).isEqualTo("spark");
    assertThat(auto.get("reader_reason").asText())
        .startsWith("label column 'label' is required int32 label (DECIMAL(5,0)) in part-");
  }
}
