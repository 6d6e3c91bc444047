package dev.xent.job;

import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xent.job.JobTestSupport.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The quarantine (invalid rows kept whole, with their status) and the gates ({@code
 * --max-invalid-fraction}, {@code --strict}), on both readers.
 */
class QuarantineTest {
  @TempDir Path tmp;

  private static final StructType WEIGHTED =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("logits", DataTypes.createArrayType(DataTypes.FloatType))
          .add("label", DataTypes.IntegerType)
          .add("w", DataTypes.DoubleType)
          .add("note", DataTypes.StringType);

  /**
   * Rows whose status the test states by hand from docs/audit.md (ignore index 1, weights on): the
   * id → expected status, "ok" and "ignored" included.
   */
  private static final Map<Long, String> EXPECTED = new HashMap<>();

  private static List<Row> weightedRows() {
    float nan = Float.NaN;
    float inf = Float.POSITIVE_INFINITY;
    List<Row> rows = new ArrayList<>();
    add(rows, 0, new float[] {1, 2, 3}, 2, 1.0, "ok");
    add(rows, 1, new float[] {1, nan, 3}, 0, 1.0, "nan_logit");
    add(rows, 2, new float[] {1, nan, 3}, 1, 1.0, "ignored"); // ignored before its logits
    add(rows, 3, new float[] {inf, 0}, 0, 2.0, "posinf_logit");
    add(rows, 4, new float[] {-inf, -inf}, 0, 1.0, "all_masked");
    add(rows, 5, new float[] {}, 0, 1.0, "empty_logits");
    add(rows, 6, new float[] {1, 2}, 7, 1.0, "label_out_of_range");
    add(rows, 7, new float[] {1, 2}, -3, 1.0, "label_out_of_range");
    add(rows, 8, null, 0, 1.0, "null_input");
    add(rows, 9, new float[] {1, 2}, null, 1.0, "null_input");
    add(rows, 10, new float[] {1, 2}, 0, -1.0, "bad_weight");
    add(rows, 11, new float[] {1, 2}, 0, null, "bad_weight");
    add(rows, 12, new float[] {1, 2}, 0, Double.NaN, "bad_weight");
    add(rows, 13, new float[] {1, 2}, 0, 0.0, "ok");
    add(rows, 14, new float[] {0, -inf}, 1, 1.0, "ignored");
    add(rows, 15, new float[] {5, 1, 0}, 0, 3.0, "ok");
    return rows;
  }

  private static void add(
      List<Row> rows, long id, float[] logits, Integer label, Double w, String status) {
    rows.add(RowFactory.create(id, logits, label, w, "n" + id));
    EXPECTED.put(id, status);
  }

  private Path weightedInput() {
    Path dir = tmp.resolve("in put"); // a space: file paths are compared in their URI form
    spark()
        .createDataFrame(weightedRows(), WEIGHTED)
        .repartition(3)
        .write()
        .parquet(dir.toString());
    return dir;
  }

  private static Set<String> rowSet(Dataset<Row> rows) {
    Set<String> set = new HashSet<>();
    for (Row row : rows.collectAsList()) {
      set.add(row.toString());
    }
    return set;
  }

  @Test
  void countsAddUpAndBothReadersQuarantineTheSameRowsWhole() {
    Path input = weightedInput();
    Map<String, Set<String>> byReader = new HashMap<>();
    for (String reader : List.of("page", "spark")) {
      Path out = tmp.resolve("out-" + reader);
      Run run =
          evaluate(
              input,
              "--label",
              "label",
              "--weight",
              "w",
              "--ignore-index",
              "1",
              "--reader",
              reader,
              "--output",
              out.toString());
      assertThat(run.exitCode()).as(run.err()).isZero();
      JsonNode metrics = readJson(out.resolve("metrics.json"));
      assertThat(metrics.get("reader").asText()).isEqualTo(reader);
      long rows = metrics.get("rows").asLong();
      long invalid = metrics.get("rows_invalid").asLong();
      assertThat(rows).isEqualTo(EXPECTED.size());
      assertThat(
              metrics.get("rows_scored").asLong() + invalid + metrics.get("rows_ignored").asLong())
          .isEqualTo(rows);
      long expectedInvalid =
          EXPECTED.values().stream().filter(s -> !s.equals("ok") && !s.equals("ignored")).count();
      assertThat(invalid).isEqualTo(expectedInvalid);
      assertThat(metrics.get("rows_ignored").asLong()).isEqualTo(2);
      assertThat(metrics.get("quarantine").asText()).isEqualTo(out.resolve("invalid").toString());

      Dataset<Row> quarantined = spark().read().parquet(out.resolve("invalid").toString());
      // Every input column with its type, then status.
      assertThat(quarantined.schema().fieldNames())
          .containsExactly("id", "logits", "label", "w", "note", "status");
      assertThat(quarantined.schema().apply("logits").dataType())
          .isEqualTo(DataTypes.createArrayType(DataTypes.FloatType));
      assertThat(quarantined.schema().apply("label").dataType()).isEqualTo(DataTypes.IntegerType);
      assertThat(quarantined.count()).isEqualTo(invalid);
      Map<Long, String> statuses = new HashMap<>();
      for (Row row : quarantined.collectAsList()) {
        statuses.put(row.getLong(0), row.getString(5));
        assertThat(row.getString(4)).isEqualTo("n" + row.getLong(0));
      }
      Map<Long, String> expected = new HashMap<>(EXPECTED);
      expected.values().removeIf(s -> s.equals("ok") || s.equals("ignored"));
      assertThat(statuses).isEqualTo(expected);
      assertThat(out.resolve("_SUCCESS")).exists();
      assertThat(out.resolve("invalid/_SUCCESS")).exists();
      byReader.put(reader, rowSet(quarantined));
    }
    assertThat(byReader.get("page")).isEqualTo(byReader.get("spark"));
  }

  @Test
  void quarantineGoesWhereToldAndNowhereWithNoQuarantine() {
    Path input = weightedInput();
    Path out = tmp.resolve("out");
    Path elsewhere = tmp.resolve("bad-rows");
    Run run =
        evaluate(
            input,
            "--label",
            "label",
            "--output",
            out.toString(),
            "--quarantine",
            elsewhere.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(readJson(out.resolve("metrics.json")).get("quarantine").asText())
        .isEqualTo(elsewhere.toString());
    assertThat(out.resolve("invalid")).doesNotExist();
    assertThat(spark().read().parquet(elsewhere.toString()).count())
        .isEqualTo(readJson(out.resolve("metrics.json")).get("rows_invalid").asLong());
    assertThat(run.out()).contains("invalid rows written to " + elsewhere);

    Path none = tmp.resolve("none");
    run = evaluate(input, "--label", "label", "--output", none.toString(), "--no-quarantine");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(readJson(none.resolve("metrics.json")).get("quarantine").isNull()).isTrue();
    assertThat(none.resolve("invalid")).doesNotExist();
  }

  @Test
  void cleanDataWritesNoQuarantineAndAnOverwriteRemovesThePreviousOne() throws IOException {
    Path input = weightedInput();
    Path out = tmp.resolve("out");
    assertThat(evaluate(input, "--label", "label", "--output", out.toString()).exitCode()).isZero();
    assertThat(out.resolve("invalid")).isDirectory();
    Path clean = tmp.resolve("clean");
    spark()
        .createDataFrame(weightedRows().subList(0, 1), WEIGHTED)
        .write()
        .parquet(clean.toString());
    Run run = evaluate(clean, "--label", "label", "--output", out.toString(), "--overwrite");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(readJson(out.resolve("metrics.json")).get("quarantine").isNull()).isTrue();
    assertThat(out.resolve("invalid")).doesNotExist();
    try (Stream<Path> files = Files.list(out)) {
      // Hadoop's local file system adds hidden .crc files beside each file.
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")))
          .containsExactlyInAnyOrder("metrics.json", "report.html", "_SUCCESS");
    }
  }

  @Test
  void anInputColumnNamedStatusIsAUsageErrorUnlessTheQuarantineIsOff() {
    Path input = tmp.resolve("status-input");
    StructType schema =
        new StructType()
            .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.IntegerType)
            .add("status", DataTypes.StringType);
    spark()
        .createDataFrame(List.of(RowFactory.create(new double[] {1, 2}, 5, "x")), schema)
        .write()
        .parquet(input.toString());
    for (String reader : List.of("page", "spark")) {
      Run run =
          evaluate(
              input,
              "--label",
              "label",
              "--reader",
              reader,
              "--output",
              tmp.resolve("o-" + reader).toString());
      assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
      assertThat(run.err())
          .contains(
              "xent: Cannot write the quarantine: input column 'status' has the name of the column"
                  + " xent adds; rename it, or add --no-quarantine");
      // Found before anything was read or written.
      assertThat(tmp.resolve("o-" + reader)).doesNotExist();
    }
    Run run =
        evaluate(
            input, "--label", "label", "--output", tmp.resolve("o").toString(), "--no-quarantine");
    assertThat(run.exitCode()).as(run.err()).isZero();
  }

  /** 1,000 rows of 5 classes, 12 of them with label 7. */
  private Path twelveBadOfAThousand() {
    StructType schema =
        new StructType()
            .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
            .add("label", DataTypes.IntegerType);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < 1000; i++) {
      rows.add(RowFactory.create(new double[] {i % 5, 1, 2, 3, 0.5}, i % 83 == 17 ? 7 : i % 5));
    }
    assertThat(rows.stream().filter(r -> r.getInt(1) == 7).count()).isEqualTo(12);
    Path dir = tmp.resolve("thousand");
    spark().createDataFrame(rows, schema).coalesce(1).write().parquet(dir.toString());
    return dir;
  }

  @Test
  void aFractionAboveTheGateFailsWithExitThreeAfterWritingEverything() {
    Path input = twelveBadOfAThousand();
    for (String reader : List.of("page", "spark")) {
      Path out = tmp.resolve("gate-" + reader);
      Run run =
          evaluate(
              input,
              "--label",
              "label",
              "--reader",
              reader,
              "--output",
              out.toString(),
              "--max-invalid-fraction",
              "0.01");
      assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
      assertThat(run.err().strip())
          .isEqualTo(
              "xent: Gate failed: 12 of 1,000 rows invalid (1.2%), above --max-invalid-fraction"
                  + " 0.01 (1%)");
      assertThat(run.out()).contains("rows_invalid         12");
      assertThat(out.resolve("_SUCCESS")).exists();
      assertThat(readJson(out.resolve("metrics.json")).get("rows_invalid").asLong()).isEqualTo(12);
      assertThat(spark().read().parquet(out.resolve("invalid").toString()).count()).isEqualTo(12);
    }
    // 12/1000 is exactly 0.012: not above a gate of 0.012.
    Run run =
        evaluate(
            input,
            "--label",
            "label",
            "--output",
            tmp.resolve("pass").toString(),
            "--max-invalid-fraction",
            "0.012");
    assertThat(run.exitCode()).as(run.err()).isZero();
  }

  @Test
  void aGateOutsideZeroToOneIsAUsageError() {
    Run run = evaluate(tmp, "--label", "label", "--max-invalid-fraction", "1.5");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("xent: Cannot evaluate: --max-invalid-fraction must be in [0, 1], got 1.5");
  }

  @Test
  void strictStopsAtTheFirstInvalidRowByFileThenRowIndexAndWritesNothing() throws IOException {
    Path input = twelveBadOfAThousand();
    String file;
    try (Stream<Path> files = Files.list(input)) {
      file =
          files
              .filter(p -> p.getFileName().toString().endsWith(".parquet"))
              .findFirst()
              .orElseThrow()
              .toUri()
              .toString()
              .replaceFirst("^file:///", "file:/");
    }
    for (String reader : List.of("page", "spark")) {
      Path out = tmp.resolve("strict-" + reader);
      Run run =
          evaluate(
              input,
              "--label",
              "label",
              "--reader",
              reader,
              "--output",
              out.toString(),
              "--strict");
      assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
      // Row 17 is the first with i % 83 == 17.
      assertThat(run.err().strip())
          .isEqualTo(
              "xent: Gate failed (--strict): row 17 of "
                  + file
                  + " is invalid: label_out_of_range (label 7 outside [0, 5))");
      assertThat(out).doesNotExist();
    }
  }

  @Test
  void strictNamesTheSameFirstRowWhateverTheReaderAndPartitioning() {
    // Invalid rows in several files and row groups: the first is the least file path, then row.
    Path input = weightedInput();
    String first = null;
    for (String reader : List.of("page", "spark")) {
      for (String split : List.of("134217728", "1024")) {
        Run run =
            evaluate(
                input,
                "--label",
                "label",
                "--weight",
                "w",
                "--reader",
                reader,
                "--strict",
                "--conf",
                "spark.sql.files.maxPartitionBytes=" + split);
        assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
        assertThat(run.err()).contains("%20put/part-"); // Spark's URI form of "in put"
        if (first == null) {
          first = run.err();
        }
        assertThat(run.err()).as(reader + " " + split).isEqualTo(first);
      }
    }
  }

  @Test
  void beyondThePositionLimitThePageReaderScoresTheRowsAgainWithTheSameQuarantine() {
    Path input = weightedInput();
    Map<String, Set<String>> quarantines = new HashMap<>();
    for (int limit : new int[] {Quarantine.MAX_POSITIONS, 0}) {
      Path out = tmp.resolve("limit-" + limit);
      Quarantine.maxPositions = limit;
      try {
        Run run =
            evaluate(
                input,
                "--label",
                "label",
                "--weight",
                "w",
                "--reader",
                "page",
                "--output",
                out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
      } finally {
        Quarantine.maxPositions = Quarantine.MAX_POSITIONS;
      }
      Dataset<Row> rows = spark().read().parquet(out.resolve("invalid").toString());
      assertThat(rows.count())
          .isEqualTo(readJson(out.resolve("metrics.json")).get("rows_invalid").asLong());
      quarantines.put(limit == 0 ? "rescored" : "listed", rowSet(rows));
    }
    assertThat(quarantines.get("rescored")).isNotEmpty().isEqualTo(quarantines.get("listed"));
  }

  @Test
  void strictOnJsonNamesTheRowByItsPlaceInTheFile() throws IOException {
    Path input = tmp.resolve("rows.json");
    Files.writeString(
        input,
        String.join(
            "\n",
            "{\"logits\":[0.5,1.5],\"label\":1}",
            "{\"logits\":[0.5,1.5],\"label\":0}",
            "{\"logits\":[0.5,1.5],\"label\":2.5}",
            "{\"logits\":[0.5,NaN],\"label\":0}"));
    Run run = evaluate(input, "--format", "json", "--label", "label", "--strict");
    assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
    assertThat(run.err().strip())
        .isEqualTo(
            "xent: Gate failed (--strict): row 2 of "
                + input.toUri().toString().replaceFirst("^file:///", "file:/")
                + " is invalid: label_not_integer (label 2.5 is not an integer)");
  }
}
