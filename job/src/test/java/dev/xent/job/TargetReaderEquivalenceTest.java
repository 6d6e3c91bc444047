package dev.xent.job;

import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xent.job.JobTestSupport.Run;
import dev.xent.job.page.PagePlan;
import dev.xent.job.page.PageTask;
import dev.xent.job.page.RowShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dense probability labels and sigmoid targets on the page reader against Spark's reader: seeded
 * random Parquet files (float and double logits, list or scalar logits and targets, integer, float
 * and double label elements, NULL lists and elements, NaN/±∞, empty rows, length mismatches,
 * negative and non-normalised probabilities, targets outside [0, 1], bad weights, several files of
 * small row groups and pages, wide rows) give the same metrics.json, to the byte, and the same
 * quarantine, read whole and in tasks of page runs.
 */
class TargetReaderEquivalenceTest {
  @TempDir Path tmp;

  private static final long SEED = 15_3L;

  /** What a data set holds and how it is evaluated. */
  private enum Kind {
    DENSE(false, true, false, "--labels"),
    SIGMOID_ROWS(true, true, false, "--labels"),
    SIGMOID_SCALAR_TARGET(true, false, false, "--label"),
    SIGMOID_SCALAR_LOGITS(true, true, true, "--labels"),
    SIGMOID_SCALARS(true, false, true, "--label");

    final boolean sigmoid;
    final boolean targetRows;
    final boolean scalarLogits;
    final String flag;

    Kind(boolean sigmoid, boolean targetRows, boolean scalarLogits, String flag) {
      this.sigmoid = sigmoid;
      this.targetRows = targetRows;
      this.scalarLogits = scalarLogits;
      this.flag = flag;
    }
  }

  /** The list forms Spark reads as arrays (element nullability differs). */
  private static final String[] LIST_FORMS = {
    "optional group %s (LIST) { repeated group list { optional %s element; } }",
    "required group %s (LIST) { repeated group list { required %s element; } }",
    "optional group %s (LIST) { repeated %s array; }",
    "repeated %2$s %1$s;"
  };

  /** metrics.json fields that say how or when the run was made, not what the rows hold. */
  private static final List<String> RUN_FIELDS =
      List.of("elapsed_seconds", "run", "reader", "reader_reason", "quarantine");

  private final Set<String> reasonsSeen = new TreeSet<>();
  private int partialPieces;

  @Test
  void denseAndSigmoidRowsGiveTheSameMetricsOnBothReaders() throws IOException {
    SplittableRandom random = new SplittableRandom(SEED);
    int datasets = 0;
    for (Kind kind : Kind.values()) {
      for (int variant = 0; variant < 2; variant++) {
        compare(kind, variant, random);
        datasets++;
      }
    }
    assertThat(datasets).isEqualTo(10);
    // The generator did produce every reason these requests can give.
    assertThat(reasonsSeen)
        .as("seed %d", SEED)
        .contains(
            "null_input",
            "empty_logits",
            "nan_logit",
            "posinf_logit",
            "all_masked",
            "length_mismatch",
            "nan_label",
            "negative_probability",
            "not_a_distribution",
            "target_out_of_range",
            "bad_weight");
    // Tasks smaller than a row group did read runs of pages, the target's pages selected to match.
    assertThat(partialPieces).isGreaterThan(20);
  }

  @Test
  void vectorLogitsAreLeftToSparksReaderWithTheReason() {
    Path input = tmp.resolve("vectors");
    spark()
        .sql("SELECT array(1.0D, 2.0D, 0.5D) AS z, array(0.25D, 0.75D, 0.0D) AS labels")
        .select(
            org.apache
                .spark
                .ml
                .functions
                .array_to_vector(org.apache.spark.sql.functions.col("z"))
                .as("logits"),
            org.apache.spark.sql.functions.col("labels"))
        .coalesce(1)
        .write()
        .parquet(input.toString());
    Path out = tmp.resolve("out-vectors");
    Run auto = evaluate(input, "--labels", "labels", "--output", out.toString());
    assertThat(auto.exitCode()).as(auto.err()).isZero();
    JsonNode metrics = readJson(out.resolve("metrics.json"));
    assertThat(metrics.get("reader").asText()).isEqualTo("spark");
    assertThat(metrics.get("reader_reason").asText())
        .matches(
            "logits column 'logits' is an MLlib vector in part-.*\\.parquet"
                + " \\(vectors are read by Spark's reader\\)");
    // The row was scored there: lse(1, 2, 0.5) − (0.25·1 + 0.75·2), by hand with Math.log/exp.
    double lse = 2 + Math.log(Math.exp(-1) + 1 + Math.exp(-1.5));
    assertThat(metrics.get("mean_loss").asDouble())
        .isCloseTo(lse - 1.75, org.assertj.core.api.Assertions.within(1e-15));

    Run page = evaluate(input, "--labels", "labels", "--reader", "page");
    assertThat(page.exitCode()).isEqualTo(2);
    assertThat(page.err())
        .contains("Cannot evaluate with --reader page: logits column 'logits' is an MLlib vector");
  }

  @Test
  void strictNamesTheSameFirstInvalidRowOnBothReaders() {
    Path input = tmp.resolve("strict");
    spark()
        .sql(
            "SELECT * FROM VALUES"
                + " (0L, array(1.0F, 2.0F), array(0.5D, 0.5D)),"
                + " (1L, array(1.0F, 2.0F), array(1.25D, -0.25D)),"
                + " (2L, array(1.0F), array(0.5D, 0.5D))"
                + " AS t(id, logits, labels)")
        .coalesce(1)
        .write()
        .parquet(input.toString());
    List<String> messages = new ArrayList<>();
    for (String reader : List.of("page", "spark")) {
      Run run = evaluate(input, "--labels", "labels", "--reader", reader, "--strict");
      assertThat(run.exitCode()).as(run.err()).isEqualTo(3);
      messages.add(run.err().trim());
    }
    assertThat(messages.get(0))
        .contains("row 1 of file:")
        .endsWith("is invalid: negative_probability (probability 1 is -0.25)");
    assertThat(messages.get(0)).isEqualTo(messages.get(1));
  }

  private void compare(Kind kind, int variant, SplittableRandom random) throws IOException {
    boolean doubles = random.nextBoolean();
    boolean weighted = random.nextBoolean();
    String targetType =
        kind.targetRows
            ? new String[] {"double", "float", "int32", "int64"}[random.nextInt(4)]
            : new String[] {"double", "float", "int32"}[random.nextInt(3)];
    String logitsForm = LIST_FORMS[random.nextInt(LIST_FORMS.length)];
    String targetForm = LIST_FORMS[random.nextInt(LIST_FORMS.length)];
    String element = doubles ? "double" : "float";
    String logits =
        kind.scalarLogits
            ? "optional " + element + " logits;"
            : String.format(logitsForm, "logits", element);
    String target =
        kind.targetRows
            ? String.format(targetForm, "labels", targetType)
            : "optional " + targetType + " labels;";
    String schemaText =
        "message m { required int64 id; "
            + logits
            + " "
            + target
            + (weighted ? " optional double w;" : "")
            + " }";
    MessageType schema = MessageTypeParser.parseMessageType(schemaText);
    String settings = kind + " variant " + variant + " seed " + SEED + ": " + schemaText;
    Path dir = tmp.resolve(kind + "-" + variant);
    Files.createDirectories(dir);
    long nullRows = write(dir, schema, kind, targetType, weighted, random);

    List<String> args = new ArrayList<>(List.of(kind.flag, "labels"));
    if (kind.sigmoid) {
      args.addAll(List.of("--loss", "sigmoid"));
    }
    if (weighted) {
      args.addAll(List.of("--weight", "w"));
    }
    if (random.nextInt(3) == 0) {
      args.addAll(List.of("--label-smoothing", "0.1"));
    }
    String page = run(dir, "page", args, settings);
    String split = run(dir, "page-split", args, settings);
    String sparkReader = run(dir, "spark", args, settings);
    assertThat(page).as(settings).isEqualTo(sparkReader);
    assertThat(split).as(settings).isEqualTo(sparkReader);
    JsonNode metrics =
        readJson(tmp.resolve("out-page-" + dir.getFileName()).resolve("metrics.json"));
    assertThat(metrics.get("reader").asText()).as(settings).isEqualTo("page");
    assertThat(metrics.get("reader_reason").isNull()).as(settings).isTrue();
    // NULL anywhere wins over every other problem: counted from the generator, not from xent.
    assertThat(metrics.get("invalid_by_reason").get("null_input").asLong())
        .as(settings)
        .isEqualTo(nullRows);
    metrics
        .get("invalid_by_reason")
        .fields()
        .forEachRemaining(
            e -> {
              if (e.getValue().asLong() > 0) {
                reasonsSeen.add(e.getKey());
              }
            });
    assertThat(quarantine("page", dir)).as(settings).isEqualTo(quarantine("spark", dir));
    assertThat(quarantine("page-split", dir)).as(settings).isEqualTo(quarantine("spark", dir));
    countPartialPieces(dir, kind, weighted);
  }

  /** metrics.json of one run without its run fields, as text: equal text, equal bits. */
  private String run(Path input, String reader, List<String> request, String settings) {
    Path out = tmp.resolve("out-" + reader + "-" + input.getFileName());
    List<String> args = new ArrayList<>(request);
    args.addAll(List.of("--output", out.toString()));
    switch (reader) {
      case "page" -> args.addAll(List.of("--reader", "page"));
      case "page-split" ->
          // Tasks smaller than a row group: row groups split into runs of logits pages.
          args.addAll(
              List.of("--reader", "page", "--conf", "spark.sql.files.maxPartitionBytes=8192"));
      default -> args.addAll(List.of("--reader", "spark"));
    }
    Run run = evaluate(input, args.toArray(new String[0]));
    assertThat(run.exitCode()).as("%s %s: %s", reader, settings, run.err()).isZero();
    ObjectNode metrics = (ObjectNode) readJson(out.resolve("metrics.json"));
    assertThat(metrics.get("rows").asLong()).isPositive();
    metrics.remove(RUN_FIELDS);
    return metrics.toString();
  }

  private Set<String> quarantine(String reader, Path input) {
    Path invalid = tmp.resolve("out-" + reader + "-" + input.getFileName()).resolve("invalid");
    Set<String> rows = new HashSet<>();
    if (Files.exists(invalid)) {
      for (Row row : spark().read().parquet(invalid.toString()).collectAsList()) {
        rows.add(row.toString());
      }
    }
    return rows;
  }

  private void countPartialPieces(Path dir, Kind kind, boolean weighted) throws IOException {
    List<String> files = new ArrayList<>();
    try (var listing = Files.list(dir)) {
      listing.filter(f -> f.toString().endsWith(".parquet")).forEach(f -> files.add(f.toString()));
    }
    PagePlan plan =
        PagePlan.plan(
            new Configuration(),
            files,
            java.util.Map.of(),
            "logits",
            "labels",
            weighted ? "w" : null,
            new RowShape(kind.sigmoid, kind.targetRows),
            8192,
            2);
    assertThat(plan.unsupportedReason()).isEmpty();
    for (PageTask task : plan.tasks()) {
      partialPieces += (int) task.pieces().stream().filter(p -> !p.wholeRowGroup()).count();
    }
  }

  /**
   * Writes 2–3 files of random rows with random writer settings; returns how many rows have a NULL
   * list, scalar or element in the logits or the target.
   */
  private static long write(
      Path dir,
      MessageType schema,
      Kind kind,
      String targetType,
      boolean weighted,
      SplittableRandom random)
      throws IOException {
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    boolean logitsNullList =
        !kind.scalarLogits
            && schema
                .getType("logits")
                .isRepetition(org.apache.parquet.schema.Type.Repetition.OPTIONAL);
    boolean logitsNullElements = !kind.scalarLogits && isThreeLevelOptional(schema, "logits");
    boolean targetNullList =
        !kind.targetRows
            || schema
                .getType("labels")
                .isRepetition(org.apache.parquet.schema.Type.Repetition.OPTIONAL);
    boolean targetNullElements = kind.targetRows && isThreeLevelOptional(schema, "labels");
    long nullRows = 0;
    long id = 0;
    int files = 2 + random.nextInt(2);
    for (int part = 0; part < files; part++) {
      boolean dictionary = random.nextBoolean();
      try (ParquetWriter<Group> writer =
          ExampleParquetWriter.builder(
                  new org.apache.hadoop.fs.Path(
                      dir.resolve("part-" + part + ".parquet").toString()))
              .withType(schema)
              .withConf(new Configuration())
              .withDictionaryEncoding(dictionary)
              .withWriterVersion(
                  random.nextBoolean()
                      ? ParquetProperties.WriterVersion.PARQUET_2_0
                      : ParquetProperties.WriterVersion.PARQUET_1_0)
              .withPageSize(512 << random.nextInt(3))
              .withRowGroupSize((long) (16 << 10) << random.nextInt(2))
              .build()) {
        int rows = 300 + random.nextInt(500);
        for (int r = 0; r < rows; r++) {
          Group row = groups.newGroup();
          row.add("id", id++);
          boolean hasNull = false;
          // Sigmoid rows against scalars are mostly one wide, so that most rows are valid.
          int width =
              kind.scalarLogits || !kind.targetRows && kind.sigmoid
                  ? (random.nextInt(10) == 0 ? 2 : 1)
                  : random.nextInt(60) == 0 ? 1500 + random.nextInt(500) : 1 + random.nextInt(8);
          if (random.nextInt(40) == 0 && !kind.scalarLogits) {
            width = 0;
          }
          // The logits.
          if (kind.scalarLogits) {
            if (random.nextInt(25) == 0) {
              hasNull = true;
            } else {
              add(row, "logits", logit(random, false), schema);
            }
          } else if (logitsNullList && random.nextInt(25) == 0) {
            hasNull = true;
          } else {
            boolean masked = random.nextInt(50) == 0;
            Double[] z = new Double[width];
            for (int c = 0; c < width; c++) {
              z[c] =
                  masked
                      ? (Double) Double.NEGATIVE_INFINITY
                      : logitsNullElements && random.nextInt(300) == 0 ? null : logit(random, true);
              hasNull |= z[c] == null;
            }
            addList(row, "logits", z, schema);
          }
          // The target, usually as long as the logits.
          int length =
              random.nextInt(20) == 0
                  ? Math.max(0, width + (random.nextBoolean() ? 1 : -1))
                  : width;
          if (kind.scalarLogits) {
            length = random.nextInt(15) == 0 ? 2 : 1;
          }
          if (!kind.targetRows) {
            if (random.nextInt(25) == 0) {
              hasNull = true;
            } else {
              add(row, "labels", sigmoidTarget(random), schema);
            }
          } else if (targetNullList && random.nextInt(25) == 0) {
            hasNull = true;
          } else {
            Double[] t = kind.sigmoid ? targets(random, length) : probabilities(random, length);
            for (int c = 0; c < length; c++) {
              if (targetNullElements && random.nextInt(300) == 0) {
                t[c] = null;
                hasNull = true;
              }
            }
            if (targetType.startsWith("int")) {
              // Integer rows: one-hot (or 0/1 targets) with an occasional 2 or −1.
              for (int c = 0; c < length; c++) {
                if (t[c] != null) {
                  t[c] = (double) Math.round(Double.isFinite(t[c]) ? t[c] : 2.0);
                }
              }
            }
            addList(row, "labels", t, schema);
          }
          if (weighted) {
            int w = random.nextInt(100);
            if (w >= 4) {
              double weight =
                  switch (w) {
                    case 4, 5 -> -1.0 - random.nextDouble();
                    case 6 -> Double.NaN;
                    case 7 -> Double.POSITIVE_INFINITY;
                    case 8, 9 -> 0.0;
                    default -> random.nextDouble() * 3;
                  };
              row.add("w", weight);
            }
          }
          if (hasNull) {
            nullRows++;
          }
          writer.write(row);
        }
      }
    }
    return nullRows;
  }

  private static boolean isThreeLevelOptional(MessageType schema, String name) {
    var type = schema.getType(name);
    if (type.isPrimitive()) {
      return false;
    }
    var repeated = type.asGroupType().getType(0);
    return !repeated.isPrimitive()
        && repeated
            .asGroupType()
            .getType(0)
            .isRepetition(org.apache.parquet.schema.Type.Repetition.OPTIONAL);
  }

  /** A logit: NaN, ±∞ now and then, else Gaussian; {@code masks}: −∞ more often. */
  private static double logit(SplittableRandom random, boolean masks) {
    int e = random.nextInt(100);
    if (e < 2) {
      return Double.NaN;
    } else if (e < 3) {
      return Double.POSITIVE_INFINITY;
    } else if (e < (masks ? 8 : 4)) {
      return Double.NEGATIVE_INFINITY;
    } else if (e < 9) {
      return -0.0;
    }
    return random.nextGaussian() * 3;
  }

  /** A probability row: normalised, or now and then negative, unnormalised, NaN or infinite. */
  private static Double[] probabilities(SplittableRandom random, int length) {
    Double[] p = new Double[length];
    double sum = 0;
    double[] raw = new double[length];
    for (int c = 0; c < length; c++) {
      raw[c] = random.nextInt(4) == 0 ? 0.0 : random.nextDouble();
      sum += raw[c];
    }
    int flaw = random.nextInt(40);
    for (int c = 0; c < length; c++) {
      p[c] = sum > 0 ? raw[c] / sum : 1.0 / length;
      if (flaw == 0) {
        p[c] *= 1.5;
      }
    }
    if (length > 0) {
      int at = random.nextInt(length);
      switch (flaw) {
        case 1 -> p[at] = -p[at] - 0.25;
        case 2 -> p[at] = Double.NaN;
        case 3 -> p[at] = Double.POSITIVE_INFINITY;
        case 4 -> p[at] = -0.0;
        default -> {}
      }
    }
    return p;
  }

  /** Sigmoid targets: in [0, 1], 0 or 1, now and then outside it or NaN. */
  private static Double[] targets(SplittableRandom random, int length) {
    Double[] t = new Double[length];
    for (int c = 0; c < length; c++) {
      t[c] = sigmoidTarget(random);
    }
    return t;
  }

  private static double sigmoidTarget(SplittableRandom random) {
    int k = random.nextInt(200);
    if (k == 0) {
      return Double.NaN;
    } else if (k == 1) {
      return 1.5;
    } else if (k == 2) {
      return -0.25;
    } else if (k == 3) {
      return Double.POSITIVE_INFINITY;
    } else if (k < 60) {
      return random.nextBoolean() ? 1.0 : 0.0;
    }
    return random.nextDouble();
  }

  /** A scalar field, converted to the column's type. */
  private static void add(Group row, String field, double value, MessageType schema) {
    var type = schema.getType(field).asPrimitiveType().getPrimitiveTypeName();
    addValue(row, field, value, type);
  }

  private static void addValue(
      Group group,
      String field,
      double value,
      org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName type) {
    switch (type) {
      case FLOAT -> group.add(field, (float) value);
      case INT32 -> group.add(field, (int) value);
      case INT64 -> group.add(field, (long) value);
      default -> group.add(field, value);
    }
  }

  /** A list in whichever of the four forms the schema gives the field. */
  private static void addList(Group row, String field, Double[] values, MessageType schema) {
    var type = schema.getType(field);
    if (type.isPrimitive()) {
      for (Double v : values) {
        addValue(row, field, v, type.asPrimitiveType().getPrimitiveTypeName());
      }
      return;
    }
    Group list = row.addGroup(field);
    var repeated = type.asGroupType().getType(0);
    for (Double v : values) {
      if (repeated.isPrimitive()) {
        addValue(list, repeated.getName(), v, repeated.asPrimitiveType().getPrimitiveTypeName());
      } else {
        Group element = list.addGroup(repeated.getName());
        var leaf = repeated.asGroupType().getType(0);
        if (v != null) {
          addValue(element, leaf.getName(), v, leaf.asPrimitiveType().getPrimitiveTypeName());
        }
      }
    }
  }
}
