package dev.xent.job.bench;

import static org.apache.spark.ml.functions.array_to_vector;
import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;

import dev.xent.job.ColumnarPairs;
import dev.xent.job.EvaluateConfig;
import dev.xent.job.EvaluateJob;
import dev.xent.job.Json;
import dev.xent.job.Metrics;
import dev.xent.job.Sessions;
import dev.xent.kernel.AuditOptions;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * One method of scripts/bench.sh in this (fresh) JVM: the first pass after the session is ready is
 * "cold", the minimum of the further passes "warm". Prints one JSON line with the times (every pass
 * as well, to show how much they scatter) and the method's mean loss and accuracy, so the script
 * can check that every method agrees. Given a comma-separated list of methods, it alternates their
 * passes in one JVM and reports warm times only (a check on a machine whose speed drifts between
 * the fresh JVMs).
 *
 * <p>Methods: scan (Spark's bare scan of the columns), floor (Spark's reader with every float read
 * once and summed from its batches: the least any reduction of the logits can cost there), hof (SQL
 * higher-order functions), udf (a naive boxed Java UDF), mllib (MulticlassClassificationEvaluator
 * logLoss + accuracy on softmax probability vectors), xent-sql (xent's SQL functions, Catalyst
 * expressions with generated code, averaged by Spark), xent-spark and xent-page (the evaluate job
 * with Spark's reader or the page reader), xent-audit (the page reader with {@code --top-k 1,5
 * --per-class --calibration-bins 15}), xent-page-nocrc (the page reader without verifying the
 * pages' CRC32, to measure what the check costs), xent-per-row and xent-per-row-spark (the evaluate
 * job with {@code --per-row DIR --overwrite}, per-row Parquet to a temporary directory, on the page
 * reader or Spark's); duckdb-scan and duckdb-loss are DuckDB's bare scan and the loss in DuckDB SQL
 * ({@link DuckDbMethods}, which needs DuckDB's JDBC driver on the classpath). On data generated
 * with {@code --soft-labels}: scan-soft (Spark's bare scan of the logits and labels),
 * xent-soft-spark and xent-soft-page (dense softmax labels on either reader), xent-sigmoid-spark
 * and xent-sigmoid-page (the same probability rows as sigmoid targets).
 */
public final class EndToEndBench {
  private EndToEndBench() {}

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: EndToEndBench METHOD[,METHOD...] PATH[,PATH...] [WARM_PASSES]");
      System.exit(2);
    }
    List<String> methods = List.of(args[0].split(","));
    // Several paths (bench.sh --scaling): every method on every data set, interleaved, so that
    // their times per row compare within one JVM.
    List<String> paths = List.of(args[1].split(","));
    int warmPasses = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    // A JVM of DuckDB methods alone starts no Spark, so that Spark's threads and heap are not
    // there to compete with DuckDB; the interleaved JVM holds both.
    SparkSession spark = null;
    if (!methods.stream().allMatch(DuckDbMethods::isDuckDb)) {
      spark = Sessions.start("xent bench " + args[0], null, Map.of());
      spark.read().parquet(paths.get(0)).createOrReplaceTempView("bench_input");
      spark.udf().register("naive_loss", naiveLoss(), DataTypes.DoubleType);
      spark.udf().register("naive_argmax", naiveArgmax(), DataTypes.IntegerType);
    }
    // local[*] runs Spark on availableProcessors() cores; DuckDB gets as many threads. Opened
    // before the first pass, as the Spark session is, so cold is the first query of the connection.
    Connection duckdb =
        methods.stream().anyMatch(DuckDbMethods::isDuckDb)
            ? DuckDbMethods.open(Runtime.getRuntime().availableProcessors())
            : null;
    // Several methods: passes alternate between them in this one JVM, so that a machine whose
    // speed drifts slows all of them alike; only warm times mean something then.
    boolean interleaved = methods.size() > 1 || paths.size() > 1;
    Map<String, List<Double>> seconds = new LinkedHashMap<>();
    Map<String, double[]> results = new LinkedHashMap<>();
    Map<String, String[]> runs = new LinkedHashMap<>();
    for (int pass = 0; pass <= warmPasses; pass++) {
      for (String path : paths) {
        if (spark != null && paths.size() > 1) {
          // The SQL methods read the view; re-pointed outside the timed pass.
          spark.read().parquet(path).createOrReplaceTempView("bench_input");
        }
        for (String method : methods) {
          String key = paths.size() > 1 ? method + "\t" + path : method;
          runs.put(key, new String[] {method, path});
          long start = System.nanoTime();
          results.put(
              key,
              DuckDbMethods.isDuckDb(method)
                  ? DuckDbMethods.run(duckdb, method, path)
                  : run(spark, method, path));
          seconds
              .computeIfAbsent(key, m -> new ArrayList<>())
              .add((System.nanoTime() - start) / 1e9);
        }
      }
    }
    for (Map.Entry<String, String[]> run : runs.entrySet()) {
      List<Double> times = seconds.get(run.getKey());
      Map<String, Object> line = new LinkedHashMap<>();
      line.put("method", run.getValue()[0]);
      if (paths.size() > 1) {
        line.put("path", run.getValue()[1]);
      }
      line.put("cold_seconds", interleaved ? null : times.get(0));
      line.put(
          "warm_seconds",
          times.subList(1, times.size()).stream()
              .mapToDouble(Double::doubleValue)
              .min()
              .orElse(Double.NaN));
      line.put("pass_seconds", times);
      line.put("mean_loss", results.get(run.getKey())[0]);
      line.put("accuracy", results.get(run.getKey())[1]);
      System.out.println(Json.write(line));
    }
    if (duckdb != null) {
      try {
        duckdb.close();
      } catch (SQLException e) {
        throw new IllegalStateException("Cannot close DuckDB: " + e.getMessage(), e);
      }
    }
    if (spark != null) {
      spark.stop();
    }
  }

  /** Runs one pass and returns {mean loss, accuracy} (NaN where the method computes neither). */
  static double[] run(SparkSession spark, String method, String path) {
    return switch (method) {
      case "scan" -> {
        Row row = spark.sql("SELECT sum(size(logits)), sum(label) FROM bench_input").first();
        yield new double[] {Double.NaN, Double.NaN, row.getLong(0)};
      }
      case "floor" -> {
        // Spark's reader with every float read once: what any reduction of the logits costs at
        // least.
        double[] sums =
            ColumnarPairs.sumOfFloats(spark.table("bench_input").select("logits", "label"));
        if (sums == null) {
          throw new IllegalStateException("floor: the input is not a plain columnar Parquet scan");
        }
        yield new double[] {Double.NaN, Double.NaN, sums[0], sums[1]};
      }
      case "hof" -> {
        // The max shift by hand: m per row first, so the lambda does not recompute array_max.
        Row row =
            spark
                .sql(
                    "SELECT avg(m + ln(aggregate(logits, 0D, (s, x) -> s + exp(x - m)))"
                        + " - element_at(logits, label + 1)),"
                        + " avg(CAST(array_position(logits, m) - 1 = label AS double))"
                        + " FROM (SELECT logits, label, array_max(logits) AS m FROM bench_input)")
                .first();
        yield new double[] {row.getDouble(0), row.getDouble(1)};
      }
      case "udf" -> {
        Row row =
            spark
                .sql(
                    "SELECT avg(naive_loss(logits, label)),"
                        + " avg(CAST(naive_argmax(logits, label) = label AS double)) FROM bench_input")
                .first();
        yield new double[] {row.getDouble(0), row.getDouble(1)};
      }
      case "xent-sql" -> {
        // xent's SQL functions: Catalyst expressions with generated code, summed by Spark.
        Row row =
            spark
                .sql(
                    "SELECT avg(softmax_cross_entropy(logits, label)),"
                        + " avg(CAST(logits_argmax(logits) = label AS double)) FROM bench_input")
                .first();
        yield new double[] {row.getDouble(0), row.getDouble(1)};
      }
      case "mllib" -> {
        Dataset<Row> scored =
            spark
                .table("bench_input")
                .select(
                    col("label").cast("double").as("label"),
                    array_to_vector(call_function("softmax", col("logits"))).as("probability"),
                    call_function("logits_argmax", col("logits")).cast("double").as("prediction"));
        MulticlassClassificationEvaluator evaluator =
            new MulticlassClassificationEvaluator()
                .setLabelCol("label")
                .setProbabilityCol("probability")
                .setPredictionCol("prediction");
        double logLoss = evaluator.setMetricName("logLoss").evaluate(scored);
        double accuracy = evaluator.setMetricName("accuracy").evaluate(scored);
        yield new double[] {logLoss, accuracy};
      }
      case "xent-spark",
          "xent-page",
          "xent-audit",
          "xent-page-nocrc",
          "xent-per-row",
          "xent-per-row-spark" -> {
        // xent-page-nocrc: the page reader without checking pages' CRC32, to measure that check.
        spark
            .sparkContext()
            .hadoopConfiguration()
            .setBoolean(EvaluateConfig.VERIFY_PAGE_CHECKSUMS, !method.equals("xent-page-nocrc"));
        // xent-audit: the page reader with top-1/5, the per-class tally and 15 calibration bins
        // (intervals and calibration are always on).
        AuditOptions audit =
            method.equals("xent-audit")
                ? new AuditOptions(
                    0.0,
                    null,
                    null,
                    false,
                    new int[] {1, 5},
                    true,
                    15,
                    AuditOptions.CONFIDENCE_LEVEL_DEFAULT)
                : AuditOptions.plain();
        Metrics metrics =
            evaluate(
                spark,
                path,
                "label",
                null,
                EvaluateConfig.Loss.SOFTMAX,
                method.equals("xent-spark") || method.equals("xent-per-row-spark")
                    ? EvaluateConfig.Reader.SPARK
                    : EvaluateConfig.Reader.PAGE,
                audit,
                perRowDirectory(method));
        yield new double[] {metrics.stats().meanLoss(), metrics.stats().accuracy()};
      }
      case "scan-soft" -> {
        // The baseline of the soft-label and sigmoid methods: both list columns read whole.
        Row row = spark.sql("SELECT sum(size(logits)), sum(size(labels)) FROM bench_input").first();
        yield new double[] {Double.NaN, Double.NaN, row.getLong(0), row.getLong(1)};
      }
      case "xent-soft-spark", "xent-soft-page", "xent-sigmoid-spark", "xent-sigmoid-page" -> {
        // Probability rows as dense softmax labels, and the same rows (all in [0, 1]) as sigmoid
        // targets: one data set for both, so their times compare.
        boolean sigmoid = method.startsWith("xent-sigmoid");
        Metrics metrics =
            evaluate(
                spark,
                path,
                null,
                "labels",
                sigmoid ? EvaluateConfig.Loss.SIGMOID : EvaluateConfig.Loss.SOFTMAX,
                method.endsWith("-spark")
                    ? EvaluateConfig.Reader.SPARK
                    : EvaluateConfig.Reader.PAGE,
                AuditOptions.plain(),
                null);
        // Sigmoid rows have no accuracy; NaN would not compare equal in bench_table.py.
        double accuracy = sigmoid ? -1.0 : metrics.stats().accuracy();
        yield new double[] {metrics.stats().meanLoss(), accuracy};
      }
      default ->
          throw new IllegalArgumentException(
              String.format(
                  Locale.ROOT,
                  "unknown method '%s' (scan, floor, hof, udf, mllib, xent-sql, xent-spark,"
                      + " xent-page, xent-audit, xent-page-nocrc, xent-per-row,"
                      + " xent-per-row-spark, duckdb-scan, duckdb-loss, scan-soft,"
                      + " xent-soft-spark, xent-soft-page, xent-sigmoid-spark, xent-sigmoid-page)",
                  method));
    };
  }

  /**
   * The evaluate job on {@code path}, one of {@code label} and {@code labels} given, writing
   * per-row output to {@code perRow} (overwritten) unless it is null.
   */
  private static Metrics evaluate(
      SparkSession spark,
      String path,
      String label,
      String labels,
      EvaluateConfig.Loss loss,
      EvaluateConfig.Reader reader,
      AuditOptions audit,
      String perRow) {
    return EvaluateJob.run(
        spark,
        new EvaluateConfig(
            path,
            EvaluateConfig.Format.PARQUET,
            "logits",
            label,
            labels,
            loss,
            null,
            perRow,
            EvaluateConfig.Format.PARQUET,
            perRow != null,
            reader,
            null,
            audit,
            List.of(),
            null,
            EvaluateConfig.MIN_SLICE_ROWS_DEFAULT,
            false,
            null,
            null,
            false,
            false));
  }

  private static final java.util.Map<String, String> PER_ROW_DIRECTORIES =
      new java.util.concurrent.ConcurrentHashMap<>();

  /**
   * xent-per-row(-spark): one temporary directory per method, overwritten by every pass (each pass
   * writes all the per-row output, as {@code evaluate --per-row DIR --overwrite} does) and removed
   * when the JVM exits; null for the other methods.
   */
  private static String perRowDirectory(String method) {
    if (!method.startsWith("xent-per-row")) {
      return null;
    }
    return PER_ROW_DIRECTORIES.computeIfAbsent(
        method,
        name -> {
          try {
            java.nio.file.Path dir = java.nio.file.Files.createTempDirectory(name);
            Runtime.getRuntime()
                .addShutdownHook(
                    new Thread(() -> org.apache.hadoop.fs.FileUtil.fullyDelete(dir.toFile())));
            return dir.resolve("rows").toString();
          } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
  }

  /** The textbook UDF a user would write first: boxed elements, max shift, no log1p. */
  private static UDF2<Seq<Float>, Integer, Double> naiveLoss() {
    return (logits, label) -> {
      List<Float> z = CollectionConverters.asJava(logits);
      double max = Double.NEGATIVE_INFINITY;
      for (Float v : z) {
        max = Math.max(max, v);
      }
      double sum = 0;
      for (Float v : z) {
        sum += Math.exp(v - max);
      }
      return max + Math.log(sum) - z.get(label);
    };
  }

  private static UDF2<Seq<Float>, Integer, Integer> naiveArgmax() {
    return (logits, label) -> {
      List<Float> z = CollectionConverters.asJava(logits);
      int best = 0;
      for (int i = 1; i < z.size(); i++) {
        if (z.get(i) > z.get(best)) {
          best = i;
        }
      }
      return best;
    };
  }
}
