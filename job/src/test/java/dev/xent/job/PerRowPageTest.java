package dev.xent.job;

import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xent.job.JobTestSupport.Run;
import dev.xent.job.page.PagePlan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --per-row} on the page reader: the rows it writes are those of Spark's path (which scores
 * with {@code xent_score} and writes every input column but the logits and label), column for
 * column and loss bit for bit, and its metrics.json is Spark's path's.
 */
class PerRowPageTest {
  @TempDir Path tmp;

  private static final StructType META =
      new StructType().add("a", DataTypes.IntegerType).add("tag", DataTypes.StringType);

  private static final StructType ROWS =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("name", DataTypes.StringType)
          .add("meta", META)
          .add("w", DataTypes.DoubleType)
          .add("logits", DataTypes.createArrayType(DataTypes.FloatType, true))
          .add("label", DataTypes.IntegerType)
          .add("part", DataTypes.IntegerType);

  /**
   * Seeded rows with every kind of problem: NaN and +∞ logits, a masked label (infinite loss),
   * empty and null logits, a null element, labels out of range and null, and bad weights (which the
   * audit counts but {@code xent_score}, and so the per-row status, does not know).
   */
  private static List<Row> rows(int count, int maxWidth, long seed) {
    SplittableRandom random = new SplittableRandom(seed);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      int width = 1 + random.nextInt(maxWidth);
      Float[] z = new Float[width];
      for (int c = 0; c < width; c++) {
        z[c] = (float) random.nextGaussian(0, 4);
      }
      Integer label = random.nextInt(width);
      switch (i % 23) {
        case 1 -> z[random.nextInt(width)] = Float.NaN;
        case 2 -> z[random.nextInt(width)] = Float.POSITIVE_INFINITY;
        case 3 -> z[label] = Float.NEGATIVE_INFINITY;
        case 4 -> z = new Float[0];
        case 5 -> z = null;
        case 6 -> z[random.nextInt(width)] = null;
        case 7 -> label = width + 3;
        case 8 -> label = -1;
        case 9 -> label = null;
        default -> {}
      }
      Double w =
          switch (i % 29) {
            case 1 -> -1.0;
            case 2 -> Double.NaN;
            case 3 -> null;
            case 4 -> 0.0;
            default -> 0.25 + random.nextDouble() * 2;
          };
      Row meta = i % 17 == 0 ? null : RowFactory.create(i % 5, "t" + (i % 3));
      rows.add(
          RowFactory.create((long) i, i % 13 == 0 ? null : "row " + i, meta, w, z, label, i % 3));
    }
    return rows;
  }

  private static Dataset<Row> frame(List<Row> rows) {
    return spark().createDataFrame(rows, ROWS);
  }

  /** Runs evaluate on one reader; returns metrics.json. */
  private JsonNode run(Path input, String reader, Path perRow, String... extra) {
    Path out = tmp.resolve("out-" + reader + "-" + perRow.getFileName());
    List<String> args =
        new ArrayList<>(
            List.of(
                "--label",
                "label",
                "--reader",
                reader,
                "--per-row",
                perRow.toString(),
                "--output",
                out.toString()));
    args.addAll(List.of(extra));
    Run run = evaluate(input, args.toArray(new String[0]));
    assertThat(run.exitCode()).as(run.err()).isZero();
    return readJson(out.resolve("metrics.json"));
  }

  /**
   * Both readers' per-row output and metrics on the same input: the page reader ran, and everything
   * but which reader, the time, the manifest and the quarantine's path is the same.
   */
  private void assertSameOnBothReaders(Path input, String... extra) {
    Path pageRows = tmp.resolve("rows-page-" + input.getFileName());
    Path sparkRows = tmp.resolve("rows-spark-" + input.getFileName());
    JsonNode page = run(input, "page", pageRows, extra);
    JsonNode spark = run(input, "spark", sparkRows, extra);
    assertThat(page.get("reader").asText()).isEqualTo("page");
    assertThat(page.get("reader_reason").isNull()).isTrue();
    assertThat(withoutRunFields(page)).isEqualTo(withoutRunFields(spark));
    assertSameRows(pageRows, sparkRows);
    assertSameKindsOfFiles(pageRows, sparkRows);
  }

  /**
   * The same kinds of files with the same modes as Spark's writer leaves: the page reader's tasks
   * create theirs without forking chmod ({@link ForklessLocalFileSystem}), and every part file
   * still has its checksum file.
   */
  private static void assertSameKindsOfFiles(Path page, Path spark) {
    assertThat(kindsOfFiles(page)).isEqualTo(kindsOfFiles(spark));
  }

  private static java.util.Set<String> kindsOfFiles(Path dir) {
    try (var files = Files.walk(dir)) {
      java.util.Set<String> kinds = new java.util.TreeSet<>();
      for (Path file : files.toList()) {
        String name = file.getFileName().toString().replaceAll("part-\\d+-[0-9a-f-]+", "part-N");
        kinds.add(
            (file.equals(dir) ? "." : name)
                + " "
                + java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(file)));
      }
      return kinds;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode withoutRunFields(JsonNode metrics) {
    ObjectNode copy = metrics.deepCopy();
    copy.remove(List.of("reader", "reader_reason", "elapsed_seconds", "run", "quarantine"));
    return copy;
  }

  /** Row for row by id: the same schema, every column equal, the loss's bits equal. */
  private static void assertSameRows(Path page, Path spark) {
    Dataset<Row> fromPage = spark().read().parquet(page.toString());
    Dataset<Row> fromSpark = spark().read().parquet(spark.toString());
    assertThat(fromPage.schema()).isEqualTo(fromSpark.schema());
    List<Row> a = fromPage.orderBy("id").collectAsList();
    List<Row> b = fromSpark.orderBy("id").collectAsList();
    assertThat(a).hasSameSizeAs(b);
    int loss = fromPage.schema().fieldIndex("loss");
    for (int i = 0; i < a.size(); i++) {
      // Double.toString tells every two doubles apart, so equal text is equal values.
      assertThat(a.get(i).toString()).isEqualTo(b.get(i).toString());
      Object x = a.get(i).get(loss);
      Object y = b.get(i).get(loss);
      assertThat(x == null ? null : Double.doubleToRawLongBits((Double) x))
          .as("loss bits of %s", a.get(i))
          .isEqualTo(y == null ? null : Double.doubleToRawLongBits((Double) y));
    }
  }

  @Test
  void severalFilesAndRowGroupsWithInvalidRowsWeightsStringsAndStructsWriteSparksRows() {
    Path input = tmp.resolve("mixed");
    frame(rows(3000, 40, 21))
        .drop("part")
        .repartition(3)
        .write()
        .option("parquet.block.size", 16 * 1024)
        .parquet(input.toString());
    assertSameOnBothReaders(input, "--weight", "w");
    // Bad weights are invalid rows in the audit and 'ok' rows of the per-row output, as Spark's.
    Dataset<Row> rows = spark().read().parquet(tmp.resolve("rows-page-mixed").toString());
    assertThat(rows.where("w < 0 AND status = 'ok'").count()).isPositive();
    assertThat(rows.select("status").distinct().collectAsList().stream().map(r -> r.getString(0)))
        .contains(
            "ok", "nan_logit", "posinf_logit", "empty_logits", "null_input", "label_out_of_range");
    assertThat(rows.where("loss = double('Infinity')").count()).isPositive();
  }

  /**
   * Output small enough pages and row groups to hold many of each: the rows, the Parquet schema
   * (logical types, repetition), Spark's schema metadata, and what Spark's filters read through the
   * row groups' statistics and the column indexes are Spark's path's.
   */
  @Test
  void manyOutputPagesAndRowGroupsHaveSparksTypesAndStatistics() throws IOException {
    Path input = tmp.resolve("paged");
    frame(rows(6000, 30, 24)).drop("part").coalesce(1).write().parquet(input.toString());
    String[][] settings = {
      {"parquet.page.size", "2048"}, {"parquet.block.size", "16384"},
    };
    for (String[] setting : settings) {
      spark().conf().set(setting[0], setting[1]);
    }
    try {
      assertSameOnBothReaders(input, "--weight", "w");
    } finally {
      for (String[] setting : settings) {
        spark().conf().unset(setting[0]);
      }
    }
    ParquetMetadata page = footer(tmp.resolve("rows-page-paged"));
    ParquetMetadata spark = footer(tmp.resolve("rows-spark-paged"));
    assertThat(page.getFileMetaData().getSchema()).isEqualTo(spark.getFileMetaData().getSchema());
    String sparkSchema = "org.apache.spark.sql.parquet.row.metadata";
    assertThat(page.getFileMetaData().getKeyValueMetaData().get(sparkSchema))
        .isNotNull()
        .isEqualTo(spark.getFileMetaData().getKeyValueMetaData().get(sparkSchema));
    assertThat(page.getBlocks()).hasSizeGreaterThan(2);
    try (ParquetFileReader reader =
        ParquetFileReader.open(
            HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(partFile(tmp.resolve("rows-page-paged")).toString()),
                spark().sparkContext().hadoopConfiguration()))) {
      for (ColumnChunkMetaData column : reader.getRowGroups().get(0).getColumns()) {
        assertThat(reader.readOffsetIndex(column).getPageCount())
            .as("pages of %s", column.getPath())
            .isGreaterThan(1);
      }
    }
    Dataset<Row> fromPage = spark().read().parquet(tmp.resolve("rows-page-paged").toString());
    Dataset<Row> fromSpark = spark().read().parquet(tmp.resolve("rows-spark-paged").toString());
    // The extremes: a page or row group whose statistics miss its minimum or maximum is skipped.
    Row extremes =
        fromSpark
            .where("loss < double('Infinity')")
            .selectExpr("min(loss)", "max(loss)", "min(predicted)", "max(predicted)")
            .first();
    for (String filter :
        List.of(
            "loss <= double('" + extremes.getDouble(0) + "')",
            "loss >= double('" + extremes.getDouble(1) + "')",
            "predicted <= " + extremes.getInt(2),
            "predicted >= " + extremes.getInt(3),
            "status <= 'empty_logits'",
            "loss > 2",
            "loss < 0.5",
            "loss IS NULL",
            "loss = double('Infinity')",
            "predicted = 3",
            "predicted IS NULL",
            "correct",
            "NOT correct",
            "status = 'nan_logit'",
            "status = 'ok'",
            "status > 'ok'",
            "id BETWEEN 1000 AND 1100")) {
      assertThat(fromPage.where(filter).count())
          .as(filter)
          .isPositive()
          .isEqualTo(fromSpark.where(filter).count());
    }
  }

  private static Path partFile(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(f -> f.getFileName().toString().startsWith("part-"))
          .findFirst()
          .orElseThrow(() -> new AssertionError("no part file in " + dir));
    }
  }

  private static ParquetMetadata footer(Path dir) throws IOException {
    try (ParquetFileReader reader =
        ParquetFileReader.open(
            HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(partFile(dir).toString()),
                spark().sparkContext().hadoopConfiguration()))) {
      return reader.getFooter();
    }
  }

  /**
   * Pass-through columns that are all flat (int64, string and double with nulls, an int32 partition
   * column) take the writer's direct path; its rows are Spark's path's.
   */
  @Test
  void flatPassThroughColumnsWriteSparksRows() {
    Path input = tmp.resolve("flat");
    frame(rows(2000, 30, 25)).drop("meta").write().partitionBy("part").parquet(input.toString());
    assertSameOnBothReaders(input, "--weight", "w");
    assertThat(spark().read().parquet(tmp.resolve("rows-page-flat").toString()).columns())
        .containsExactly("id", "name", "w", "part", "loss", "predicted", "correct", "status");
  }

  @Test
  void aPartitionedDirectoryKeepsItsPartitionColumn() {
    Path input = tmp.resolve("partitioned");
    frame(rows(900, 20, 22)).write().partitionBy("part").parquet(input.toString());
    assertSameOnBothReaders(input);
    assertThat(spark().read().parquet(tmp.resolve("rows-page-partitioned").toString()).columns())
        .containsExactly(
            "id", "name", "meta", "w", "part", "loss", "predicted", "correct", "status");
  }

  @Test
  void wideRowsSplitIntoRunsOfPagesWriteEveryRowOnce() throws IOException {
    Path input = tmp.resolve("wide");
    frame(rows(400, 600, 23))
        .drop("part")
        .coalesce(1)
        .write()
        .option("parquet.page.size", 4096)
        .option("parquet.block.size", 256 * 1024)
        .parquet(input.toString());
    long taskBytes = 64 * 1024;
    // The planner does split these row groups into runs of pages at this task size.
    PagePlan plan =
        PagePlan.plan(
            spark().sparkContext().hadoopConfiguration(),
            PagePath.listFiles(spark().sparkContext().hadoopConfiguration(), input.toString()),
            "logits",
            "label",
            null,
            taskBytes,
            2);
    assertThat(plan.tasks().stream().flatMap(task -> task.pieces().stream()))
        .anyMatch(piece -> !piece.wholeRowGroup() && piece.firstRow() > 0);
    spark().conf().set("spark.sql.files.maxPartitionBytes", Long.toString(taskBytes));
    try {
      assertSameOnBothReaders(input);
    } finally {
      spark().conf().unset("spark.sql.files.maxPartitionBytes");
    }
    assertThat(spark().read().parquet(tmp.resolve("rows-page-wide").toString()).count())
        .isEqualTo(400);
  }

  @Test
  void jsonPerRowOutputIsSparksLineForLine() throws IOException {
    Path input = JobTestSupport.writeMixedReasons(tmp.resolve("mixed-reasons"));
    Path pageRows = tmp.resolve("json-page");
    Path sparkRows = tmp.resolve("json-spark");
    JsonNode page = run(input, "page", pageRows, "--per-row-format", "json");
    JsonNode spark = run(input, "spark", sparkRows, "--per-row-format", "json");
    assertThat(page.get("reader").asText()).isEqualTo("page");
    assertThat(withoutRunFields(page)).isEqualTo(withoutRunFields(spark));
    List<String> lines = jsonLines(pageRows);
    assertThat(lines).hasSize(11).isEqualTo(jsonLines(sparkRows));
    // Row 0, logits (1, 2, 3), label 2: loss = log(1 + e^-1 + e^-2), the first maximum is 2.
    Row first = spark().read().json(pageRows.toString()).where("id = 0").collectAsList().get(0);
    // (JSON infers the loss column as a string: another row's loss is "Infinity".)
    assertThat(Double.parseDouble(first.get(first.fieldIndex("loss")).toString()))
        .isCloseTo(Math.log1p(Math.exp(-1) + Math.exp(-2)), within(1e-15));
    assertThat(first.getLong(first.fieldIndex("predicted"))).isEqualTo(2);
  }

  private static List<String> jsonLines(Path dir) throws IOException {
    List<String> lines = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.getFileName().toString().startsWith("part-")).toList()) {
        try {
          lines.addAll(Files.readAllLines(file));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }
    lines.sort(null);
    return lines;
  }

  @Test
  void strictWritesEveryRowThenNamesTheFirstInvalidOneAsSparksPathDoes() {
    Path input = JobTestSupport.writeMixedReasons(tmp.resolve("strict"));
    List<String> messages = new ArrayList<>();
    for (String reader : List.of("page", "spark")) {
      Run run =
          evaluate(
              input,
              "--label",
              "label",
              "--reader",
              reader,
              "--strict",
              "--per-row",
              tmp.resolve("strict-" + reader).toString());
      assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
      messages.add(run.err());
    }
    assertThat(messages.get(0))
        .isEqualTo(messages.get(1))
        .contains("row 1 of ")
        .contains("is invalid: nan_logit");
    assertSameRows(tmp.resolve("strict-page"), tmp.resolve("strict-spark"));
  }

  @Test
  void theQuarantineHoldsTheSameInvalidRowsOnBothReaders() {
    Path input = JobTestSupport.writeMixedReasons(tmp.resolve("quarantined"));
    assertSameOnBothReaders(input);
    List<List<String>> quarantined = new ArrayList<>();
    for (String reader : List.of("page", "spark")) {
      Path out = tmp.resolve("out-" + reader + "-rows-" + reader + "-quarantined");
      quarantined.add(
          spark()
              .read()
              .parquet(out.resolve("invalid").toString())
              .orderBy("id")
              .collectAsList()
              .stream()
              .map(Row::toString)
              .toList());
      assertThat(quarantined.get(quarantined.size() - 1))
          .hasSize(readJson(out.resolve("metrics.json")).get("rows_invalid").asInt());
    }
    assertThat(quarantined.get(0)).isNotEmpty().isEqualTo(quarantined.get(1));
  }
}
