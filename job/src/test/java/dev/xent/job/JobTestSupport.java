package dev.xent.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xent.job.cli.XentCli;
import dev.xent.spark.XentExtensions;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** A shared local session, CLI runs with captured output, and golden metrics comparison. */
final class JobTestSupport {
  private JobTestSupport() {}

  private static SparkSession session;

  static synchronized SparkSession spark() {
    if (session == null) {
      session =
          SparkSession.builder()
              .master("local[2]")
              .appName("xent-job-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.sql.extensions", XentExtensions.class.getName())
              .getOrCreate();
    }
    return session;
  }

  /** The outcome of one CLI run. */
  record Run(int exitCode, String out, String err) {}

  static Run cli(String... args) {
    spark();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = XentCli.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  /** {@code xent evaluate --input INPUT --logits logits ARGS...}. */
  static Run evaluate(Object input, String... args) {
    String[] all = new String[args.length + 5];
    all[0] = "evaluate";
    all[1] = "--input";
    all[2] = input.toString();
    all[3] = "--logits";
    all[4] = "logits";
    System.arraycopy(args, 0, all, 5, args.length);
    return cli(all);
  }

  static void writeParquet(List<Row> rows, StructType schema, Path dir) {
    spark().createDataFrame(rows, schema).coalesce(1).write().parquet(dir.toString());
  }

  static final StructType DOUBLE_ROWS =
      new StructType()
          .add("id", DataTypes.LongType)
          .add("logits", DataTypes.createArrayType(DataTypes.DoubleType))
          .add("label", DataTypes.IntegerType);

  /**
   * Rows with every logits problem, out-of-range labels, NULLs and a masked label; the golden file
   * "mixed-reasons" holds their metrics.
   */
  static Path writeMixedReasons(Path dir) {
    double nan = Double.NaN;
    double inf = Double.POSITIVE_INFINITY;
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create(0L, new double[] {1, 2, 3}, 2));
    rows.add(RowFactory.create(1L, new double[] {1, nan}, 0));
    rows.add(RowFactory.create(2L, new double[] {1, inf}, 0));
    rows.add(RowFactory.create(3L, new double[] {-inf, -inf}, 0));
    rows.add(RowFactory.create(4L, new double[] {}, 0));
    rows.add(RowFactory.create(5L, new double[] {1, 2}, 5));
    rows.add(RowFactory.create(6L, new double[] {1, 2}, -1));
    rows.add(RowFactory.create(7L, null, 0));
    rows.add(RowFactory.create(8L, new double[] {0, -inf}, 1));
    rows.add(RowFactory.create(9L, new double[] {3, 1, 0}, 0));
    rows.add(RowFactory.create(10L, new double[] {1, 2}, null));
    writeParquet(rows, DOUBLE_ROWS, dir);
    return dir;
  }

  static JsonNode readJson(Path file) {
    try {
      return new ObjectMapper().readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonNode golden(String name) {
    return goldenFile(name + ".metrics.json");
  }

  /** Any JSON file under src/test/resources/golden/. */
  static JsonNode goldenFile(String fileName) {
    try (InputStream in = JobTestSupport.class.getResourceAsStream("/golden/" + fileName)) {
      if (in == null) {
        throw new IllegalArgumentException("no golden file " + fileName);
      }
      return new ObjectMapper().readTree(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * metrics.json against a golden file written by scripts/reference/golden_metrics.py (mpmath): the
   * same fields; strings and integers equal; doubles within 1e-13 relative (the golden values are
   * the exact means, xent's are means of double-precision losses); "<any>" matches anything.
   */
  static void assertMatchesGolden(Path metricsJson, String goldenName) {
    JsonNode actual = readJson(metricsJson);
    JsonNode expected = golden(goldenName);
    compare("", expected, actual);
  }

  private static void compare(String path, JsonNode expected, JsonNode actual) {
    if (expected.isTextual() && expected.asText().equals("<any>")) {
      return;
    }
    if (expected.isObject()) {
      assertThat(fieldNames(actual))
          .as(path)
          .containsExactlyInAnyOrderElementsOf(fieldNames(expected));
      for (Iterator<Map.Entry<String, JsonNode>> it = expected.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        compare(path + "." + field.getKey(), field.getValue(), actual.get(field.getKey()));
      }
    } else if (expected.isArray()) {
      assertThat(actual.isArray()).as(path + " is a list: " + actual).isTrue();
      assertThat(actual.size()).as(path + " size").isEqualTo(expected.size());
      for (int i = 0; i < expected.size(); i++) {
        compare(path + "[" + i + "]", expected.get(i), actual.get(i));
      }
    } else if (expected.isFloatingPointNumber()) {
      assertThat(actual.isNumber()).as(path + " is a number: " + actual).isTrue();
      double want = expected.doubleValue();
      assertThat(actual.doubleValue())
          .as(path)
          .isCloseTo(want, org.assertj.core.api.Assertions.within(Math.abs(want) * 1e-13));
    } else {
      assertThat(actual).as(path).isEqualTo(expected);
    }
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new java.util.ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
