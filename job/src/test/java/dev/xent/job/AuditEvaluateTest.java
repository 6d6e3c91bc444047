package dev.xent.job;

import static dev.xent.job.JobTestSupport.assertMatchesGolden;
import static dev.xent.job.JobTestSupport.cli;
import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.goldenFile;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static dev.xent.job.JobTestSupport.writeParquet;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xent.job.JobTestSupport.Run;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit options of {@code evaluate} end to end, against golden values that
 * scripts/reference/golden_metrics.py computes with mpmath from PyTorch's definitions (weights,
 * class weights, ignore index, label smoothing, top-k, per class, slices, calibration, intervals).
 */
class AuditEvaluateTest {
  @TempDir Path tmp;

  static final StructType AUDIT_ROWS =
      new StructType()
          .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
          .add("label", DataTypes.IntegerType)
          .add("w", DataTypes.DoubleType)
          .add("g", DataTypes.StringType);

  static final String[] AUDIT_FLAGS = {
    "--label", "label",
    "--weight", "w",
    "--class-weights", "1,2,0.5,1.5",
    "--ignore-index", "-100",
    "--label-smoothing", "0.1",
    "--top-k", "2,1",
    "--per-class"
  };

  /** The rows of golden_metrics.py's AUDIT_ROWS, in the same order. */
  static Path writeAuditRows(Path dir) {
    List<Row> rows = new ArrayList<>();
    rows.add(row(new double[] {2.0, 1.0, 0.5, -1.0}, 0, 1.0, "a"));
    rows.add(row(new double[] {0.25, 0.25, 3.0, 0.25}, 1, 2.0, "a"));
    rows.add(row(new double[] {1.0, 1.0, 1.0, 1.0}, 3, 0.5, "b"));
    rows.add(row(new double[] {-1.5, 4.0, 0.0, -30.0}, 1, 1.5, "b"));
    rows.add(row(new double[] {0.5, -0.5, 2.5, 1.0}, 2, 0.0, "a"));
    rows.add(row(new double[] {3.0, 2.0, 1.0, 0.0}, -100, 1.0, "a"));
    rows.add(row(new double[] {1.0, 2.0, 3.0, 4.0}, -100, null, null));
    rows.add(row(new double[] {1.0, 2.0, 3.0, 4.0}, 3, -1.0, "b"));
    rows.add(row(new double[] {1.0, 2.0, 3.0, 4.0}, 0, null, null));
    rows.add(row(new double[] {0.1, 0.2, 0.3, 0.4}, 7, 1.0, "b"));
    rows.add(row(new double[] {0.75, -2.0, 1.25, 0.5}, 2, 3.0, null));
    rows.add(row(new double[] {5.0, 1.0, -3.0, 2.0}, 3, 1.0, "<script>alert(1)</script>"));
    rows.add(row(new double[] {0.0, 0.5, 1.0, 1.5}, 1, 0.25, null));
    rows.add(row(new double[] {2.5, 2.5, 0.0, -1.0}, 1, 1.0, "a"));
    writeParquet(rows, AUDIT_ROWS, dir);
    return dir;
  }

  private static Row row(double[] logits, Integer label, Double weight, String group) {
    return RowFactory.create(logits, label, weight, group);
  }

  private Run audit(Path input, Path out, String... more) {
    List<String> args = new ArrayList<>(List.of(AUDIT_FLAGS));
    args.addAll(List.of("--output", out.toString()));
    args.addAll(List.of(more));
    return evaluate(input, args.toArray(new String[0]));
  }

  @Test
  void weightsClassWeightsIgnoreIndexSmoothingTopKPerClassAndSlicesMatchTheirGoldenValues() {
    Path input = writeAuditRows(tmp.resolve("audit"));
    Path out = tmp.resolve("out");
    Run run = audit(input, out, "--group-by", "g", "--min-slice-rows", "2");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertMatchesGolden(out.resolve("metrics.json"), "audit-weighted");

    List<Row> classes =
        spark()
            .read()
            .parquet(out.resolve("per_class.parquet").toString())
            .orderBy("class")
            .collectAsList();
    assertRowsMatch(classes, goldenFile("audit-weighted.per_class.json"), "class");

    List<Row> slices =
        new ArrayList<>(
            spark().read().parquet(out.resolve("slices.parquet").toString()).collectAsList());
    slices.sort(Comparator.comparing((Row r) -> r.isNullAt(0) ? "" : "~" + r.getString(0)));
    assertRowsMatch(slices, goldenFile("audit-weighted.slices.json"), "g");
  }

  @Test
  void thePageReaderGivesTheSameAuditAsSparksReaderBitForBit() {
    Path input = writeAuditRows(tmp.resolve("audit"));
    Path page = tmp.resolve("page");
    Path sparkOut = tmp.resolve("spark");
    Run pageRun = audit(input, page, "--reader", "page");
    Run sparkRun = audit(input, sparkOut, "--reader", "spark");
    assertThat(pageRun.exitCode()).as(pageRun.err()).isZero();
    assertThat(sparkRun.exitCode()).as(sparkRun.err()).isZero();
    JsonNode a = readJson(page.resolve("metrics.json"));
    JsonNode b = readJson(sparkOut.resolve("metrics.json"));
    assertThat(a.get("reader").asText()).isEqualTo("page");
    assertSameNumbers(a, b);
    assertThat(
            spark()
                .read()
                .parquet(page.resolve("per_class.parquet").toString())
                .orderBy("class")
                .collectAsList())
        .isEqualTo(
            spark()
                .read()
                .parquet(sparkOut.resolve("per_class.parquet").toString())
                .orderBy("class")
                .collectAsList());
  }

  @Test
  void aFilterAuditsTheSubsetAndCountsWhatItLeftOut() {
    Path input = writeAuditRows(tmp.resolve("audit"));
    Path out = tmp.resolve("out");
    Run run = audit(input, out, "--filter", "g = 'a'");
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode metrics = readJson(out.resolve("metrics.json"));
    // Slice "a" of the golden slices is the same subset.
    JsonNode sliceA = null;
    for (JsonNode slice : goldenFile("audit-weighted.slices.json")) {
      if ("a".equals(slice.get("g").asText(null))) {
        sliceA = slice;
      }
    }
    assertThat(sliceA).isNotNull();
    assertThat(metrics.get("rows").asLong()).isEqualTo(sliceA.get("rows").asLong());
    assertThat(metrics.get("rows_filtered_out").asLong())
        .isEqualTo(14 - sliceA.get("rows").asLong());
    assertThat(metrics.get("filter").asText()).isEqualTo("g = 'a'");
    assertThat(metrics.get("reader_reason").asText()).contains("--filter");
    for (String field : List.of("mean_loss", "accuracy", "ece", "mce")) {
      double want = sliceA.get(field).asDouble();
      assertThat(metrics.get(field).asDouble())
          .as(field)
          .isCloseTo(want, within(Math.abs(want) * 1e-13));
    }
  }

  @Test
  void auditMetricsDoNotDependOnThePartitioningOrFileOrder() {
    Path input = tmp.resolve("generated");
    Run generated =
        cli(
            "generate",
            "--output",
            input.toString(),
            "--rows",
            "4000",
            "--classes",
            "23",
            "--partitions",
            "1",
            "--seed",
            "11");
    assertThat(generated.exitCode()).as(generated.err()).isZero();
    // A weight and a slice column derived from the data, then the same rows in 7 shuffled files.
    Path one = tmp.resolve("one");
    spark()
        .read()
        .parquet(input.toString())
        .selectExpr(
            "logits",
            "label",
            "abs(hash(label, logits[0])) % 1000 / 250.0 AS w",
            "CAST(abs(hash(logits[1])) % 5 AS INT) AS g")
        .coalesce(1)
        .write()
        .parquet(one.toString());
    Path seven = tmp.resolve("seven");
    spark()
        .read()
        .parquet(one.toString())
        .orderBy(org.apache.spark.sql.functions.rand(3))
        .repartition(7)
        .write()
        .parquet(seven.toString());
    String[] flags = {
      "--label",
      "label",
      "--weight",
      "w",
      "--top-k",
      "1,5",
      "--per-class",
      "--label-smoothing",
      "0.05",
      "--group-by",
      "g"
    };
    JsonNode a = auditTo(one, "a", flags);
    JsonNode b = auditTo(seven, "b", flags);
    // Many small splits and 64 shuffle partitions for the slices' aggregation.
    JsonNode c;
    spark().conf().set("spark.sql.shuffle.partitions", "64");
    spark().conf().set("spark.sql.files.maxPartitionBytes", "65536");
    try {
      c = auditTo(seven, "c", flags);
    } finally {
      spark().conf().set("spark.sql.shuffle.partitions", "4");
      spark().conf().unset("spark.sql.files.maxPartitionBytes");
    }
    // The loss histogram is among the numbers compared: filled, and weighted.
    assertThat(a.get("loss_histogram").size()).as("loss bins").isGreaterThan(1);
    assertThat(a.get("loss_histogram").get(0).has("weight")).as("weighted bins").isTrue();
    assertSameNumbers(a, b);
    assertSameNumbers(a, c);
    for (String table : List.of("per_class.parquet", "slices.parquet")) {
      List<Row> ra = sorted(tmp.resolve("out-a").resolve(table));
      assertThat(sorted(tmp.resolve("out-b").resolve(table))).as(table).isEqualTo(ra);
      assertThat(sorted(tmp.resolve("out-c").resolve(table))).as(table).isEqualTo(ra);
    }
  }

  private JsonNode auditTo(Path input, String name, String... flags) {
    Path out = tmp.resolve("out-" + name);
    Run run = evaluate(input, concat(flags, "--output", out.toString()));
    assertThat(run.exitCode()).as(run.err()).isZero();
    return readJson(out.resolve("metrics.json"));
  }

  private static List<Row> sorted(Path parquet) {
    List<Row> rows = new ArrayList<>(spark().read().parquet(parquet.toString()).collectAsList());
    rows.sort(Comparator.comparing(Row::toString));
    return rows;
  }

  private static String[] concat(String[] a, String... b) {
    String[] all = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, all, a.length, b.length);
    return all;
  }

  /**
   * Every number of metrics.json the same (JSON doubles are written round-trip exact, so equal text
   * is equal bits), except where the run was (and wrote its quarantine), how long it took and its
   * manifest.
   */
  private static void assertSameNumbers(JsonNode a, JsonNode b) {
    for (Iterator<Map.Entry<String, JsonNode>> it = a.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> field = it.next();
      if (List.of(
              "input", "reader", "reader_reason", "elapsed_seconds", "master", "quarantine", "run")
          .contains(field.getKey())) {
        continue;
      }
      assertThat(b.get(field.getKey())).as(field.getKey()).isEqualTo(field.getValue());
    }
  }

  /** Parquet rows against golden objects: same fields; doubles within 1e-13 relative. */
  private static void assertRowsMatch(List<Row> rows, JsonNode expected, String key) {
    assertThat(rows).hasSize(expected.size());
    for (int i = 0; i < rows.size(); i++) {
      Row row = rows.get(i);
      JsonNode want = expected.get(i);
      List<String> names = new ArrayList<>();
      want.fieldNames().forEachRemaining(names::add);
      assertThat(row.schema().fieldNames())
          .as("row %d fields", i)
          .containsExactlyInAnyOrderElementsOf(names);
      for (String name : names) {
        JsonNode value = want.get(name);
        Object actual = row.getAs(name);
        String where = key + "=" + row.getAs(key) + " ." + name;
        if (value.isNull()) {
          assertThat(actual).as(where).isNull();
        } else if (value.isArray()) {
          List<Object> list = row.getList(row.fieldIndex(name));
          assertThat(list).as(where).hasSize(value.size());
          for (int j = 0; j < value.size(); j++) {
            double w = value.get(j).asDouble();
            assertThat((Double) list.get(j)).as(where).isCloseTo(w, within(Math.abs(w) * 1e-13));
          }
        } else if (value.isFloatingPointNumber()) {
          double w = value.asDouble();
          assertThat(((Number) actual).doubleValue())
              .as(where)
              .isCloseTo(w, within(Math.abs(w) * 1e-13));
        } else if (value.isNumber()) {
          assertThat(((Number) actual).longValue()).as(where).isEqualTo(value.asLong());
        } else {
          assertThat(String.valueOf(actual)).as(where).isEqualTo(value.asText());
        }
      }
    }
  }

  @Test
  void aClassWithoutSupportHasNullRecallAndAPredictedClassNeverRightHasF1Zero() {
    // Three classes; nothing is labelled 2, and class 2 is predicted once (wrongly).
    List<Row> rows = new ArrayList<>();
    rows.add(row(new double[] {2.0, 0.0, 0.0}, 0, 1.0, "a")); // right
    rows.add(row(new double[] {0.0, 0.0, 3.0}, 1, 1.0, "a")); // predicted 2
    rows.add(row(new double[] {0.0, 1.0, 0.0}, 1, 1.0, "a")); // right
    Path input = tmp.resolve("classes");
    writeParquet(rows, AUDIT_ROWS, input);
    Path out = tmp.resolve("out");
    Run run = evaluate(input, "--label", "label", "--per-class", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<Row> classes =
        spark()
            .read()
            .parquet(out.resolve("per_class.parquet").toString())
            .orderBy("class")
            .collectAsList();
    assertThat(classes).hasSize(3);
    Row two = classes.get(2);
    assertThat((Long) two.getAs("support")).isZero();
    assertThat((Long) two.getAs("predicted")).isEqualTo(1);
    assertThat((Object) two.getAs("recall")).isNull();
    assertThat((Object) two.getAs("mean_loss")).isNull();
    assertThat((Double) two.getAs("precision")).isEqualTo(0.0);
    assertThat((Double) two.getAs("f1")).isEqualTo(0.0);
    Row one = classes.get(1);
    assertThat((Double) one.getAs("recall")).isEqualTo(0.5);
    assertThat((Double) one.getAs("precision")).isEqualTo(1.0);
    // 2·T/(S + P) = 2/(2 + 1).
    assertThat((Double) one.getAs("f1")).isEqualTo(2.0 / 3);
    JsonNode m = readJson(out.resolve("metrics.json"));
    // Recall over the classes with support: (1 + 1/2)/2; F1 over every class seen: (1 + 2/3 + 0)/3.
    assertThat(m.get("macro_recall").asDouble()).isEqualTo(0.75);
    assertThat(m.get("macro_f1").asDouble()).isCloseTo(5.0 / 9, within(1e-16));
  }

  @Test
  void allRowsIgnoredGiveNullMeansNotNaN() {
    List<Row> rows = new ArrayList<>();
    rows.add(row(new double[] {1.0, 2.0}, -1, 1.0, "a"));
    rows.add(row(new double[] {3.0, 2.0}, -1, 1.0, "a"));
    Path input = tmp.resolve("ignored");
    writeParquet(rows, AUDIT_ROWS, input);
    Path out = tmp.resolve("out");
    Run run =
        evaluate(input, "--label", "label", "--ignore-index", "-1", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode m = readJson(out.resolve("metrics.json"));
    assertThat(m.get("rows").asLong()).isEqualTo(2);
    assertThat(m.get("rows_ignored").asLong()).isEqualTo(2);
    assertThat(m.get("rows_scored").asLong()).isZero();
    assertThat(m.get("rows_invalid").asLong()).isZero();
    for (String field :
        List.of("mean_loss", "accuracy", "mean_loss_ci", "accuracy_ci", "ece", "mce")) {
      assertThat(m.get(field).isNull()).as(field).isTrue();
    }
  }

  @Test
  void zeroTotalWeightGivesNullMeansAndOneRowHasNoInterval() {
    List<Row> rows = new ArrayList<>();
    rows.add(row(new double[] {1.0, 2.0}, 1, 0.0, "a"));
    rows.add(row(new double[] {3.0, 2.0}, 0, 0.0, "a"));
    Path input = tmp.resolve("zero");
    writeParquet(rows, AUDIT_ROWS, input);
    Path out = tmp.resolve("out");
    Run run = evaluate(input, "--label", "label", "--weight", "w", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode m = readJson(out.resolve("metrics.json"));
    assertThat(m.get("rows_scored").asLong()).isEqualTo(2);
    assertThat(m.get("weight_sum").asDouble()).isZero();
    assertThat(m.get("mean_loss").isNull()).isTrue();
    assertThat(m.get("accuracy").isNull()).isTrue();

    Path one = tmp.resolve("one");
    writeParquet(List.of(row(new double[] {1.0, 2.0}, 1, 1.0, "a")), AUDIT_ROWS, one);
    Path oneOut = tmp.resolve("one-out");
    Run single = evaluate(one, "--label", "label", "--output", oneOut.toString());
    assertThat(single.exitCode()).as(single.err()).isZero();
    JsonNode s = readJson(oneOut.resolve("metrics.json"));
    // log(1 + e^-1), the loss of logits (1, 2) and label 1.
    assertThat(s.get("mean_loss").asDouble()).isCloseTo(Math.log1p(Math.exp(-1)), within(1e-15));
    assertThat(s.get("mean_loss_ci").isNull()).isTrue();
  }

  @Test
  void badOptionValuesAreUsageErrorsNamingTheFlag() {
    Path input = writeAuditRows(tmp.resolve("audit"));
    String[][] cases = {
      {"--label-smoothing", "1.5", "Cannot evaluate: --label-smoothing must be in [0, 1), got 1.5"},
      {"--class-weights", "1,x,2", "Cannot evaluate: --class-weights item 2 is 'x', not a number"},
      {"--class-weights", "1,-2", "Cannot evaluate: --class-weights: weight 1 is -2.0"},
      {
        "--top-k",
        "0",
        "Cannot evaluate: --top-k values must be distinct, ascending and ≥ 1, got [0]"
      },
      {"--calibration-bins", "0", "Cannot evaluate: --calibration-bins must be ≥ 1, got 0"},
      {"--confidence", "1", "Cannot evaluate: --confidence must be in (0, 1), got 1.0"},
      {"--weight", "g", "Cannot evaluate: column 'g' is string, expected a numeric type"},
      {"--group-by", "logits", "Cannot evaluate: --group-by column 'logits' is array<double>"},
      {"--filter", "no_such_column > 1", "Cannot evaluate --filter \"no_such_column > 1\":"},
      {"--class-weights", "@" + tmp.resolve("missing.txt"), "Cannot read --class-weights file"},
    };
    for (String[] c : cases) {
      Run run = evaluate(input, "--label", "label", c[0], c[1]);
      assertThat(run.exitCode()).as(String.join(" ", c) + ": " + run.err()).isEqualTo(2);
      assertThat(run.err()).as(c[0]).contains(c[2]);
    }
    Run perClassSigmoid = evaluate(input, "--label", "w", "--loss", "sigmoid", "--per-class");
    assertThat(perClassSigmoid.exitCode()).isEqualTo(2);
    assertThat(perClassSigmoid.err()).contains("--per-class needs softmax rows");
  }

  @Test
  void classWeightsComeFromAFileOneWeightPerLine() throws Exception {
    Path input = writeAuditRows(tmp.resolve("audit"));
    Path weights = tmp.resolve("weights.txt");
    java.nio.file.Files.writeString(weights, "1\n2\n0.5\n1.5\n");
    Path fromList = tmp.resolve("list");
    Path fromFile = tmp.resolve("file");
    Run a =
        evaluate(
            input,
            "--label",
            "label",
            "--class-weights",
            "1,2,0.5,1.5",
            "--output",
            fromList.toString());
    Run b =
        evaluate(
            input,
            "--label",
            "label",
            "--class-weights",
            "@" + weights,
            "--output",
            fromFile.toString());
    assertThat(a.exitCode()).as(a.err()).isZero();
    assertThat(b.exitCode()).as(b.err()).isZero();
    assertSameNumbers(
        readJson(fromList.resolve("metrics.json")), readJson(fromFile.resolve("metrics.json")));
  }
}
