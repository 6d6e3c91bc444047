package dev.xent.job;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.RecordComponent;
import java.net.InetAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import scala.Tuple2;

/**
 * metrics.json's {@code run}: enough to reproduce an audit and to tell whether two audits read the
 * same data — every resolved option (defaults included), the input files, when, where, by whom, on
 * which Spark settings and which build of xent.
 */
final class RunManifest {
  private RunManifest() {}

  /**
   * The Spark settings that change which rows a task reads, how results are computed or how fast:
   * their effective values (Spark's default when unset).
   */
  static final List<String> SPARK_SETTINGS =
      List.of(
          "spark.master",
          "spark.app.id",
          "spark.driver.memory",
          "spark.driver.cores",
          "spark.executor.memory",
          "spark.executor.cores",
          "spark.executor.instances",
          "spark.dynamicAllocation.enabled",
          "spark.default.parallelism",
          "spark.sql.shuffle.partitions",
          "spark.sql.files.maxPartitionBytes",
          "spark.sql.files.openCostInBytes",
          "spark.sql.files.minPartitionNum",
          "spark.sql.files.ignoreCorruptFiles",
          "spark.sql.files.ignoreMissingFiles",
          "spark.sql.parquet.enableVectorizedReader",
          "spark.sql.parquet.columnarReaderBatchSize",
          "spark.sql.parquet.mergeSchema",
          "spark.sql.caseSensitive",
          "spark.sql.ansi.enabled");

  /** Settings passed to parquet through Spark's Hadoop conf, by prefix. */
  private static final String PARQUET_PREFIX = "spark.hadoop.parquet.";

  static Map<String, Object> of(
      SparkSession spark,
      EvaluateConfig config,
      InputFiles files,
      boolean pageChecksumsVerified,
      Instant started,
      Instant ended) {
    Map<String, Object> run = new LinkedHashMap<>();
    run.put("options", options(config));
    run.put("input_files", files.manifest());
    run.put("started", started.toString());
    run.put("ended", ended.toString());
    run.put("host", host());
    run.put("user", spark.sparkContext().sparkUser());
    run.put("spark_master", spark.sparkContext().master());
    run.put("spark_version", spark.version());
    run.put("spark_settings", sparkSettings(spark));
    run.put("page_checksums_verified", pageChecksumsVerified);
    run.put("java_version", System.getProperty("java.version"));
    run.put("driver_cpus", Runtime.getRuntime().availableProcessors());
    run.put("xent_version", XentVersion.get());
    run.put("git_commit", XentVersion.commit());
    return run;
  }

  /**
   * Every component of the config, by the flag's word ({@code logitsColumn} → {@code logits},
   * {@code minSliceRows} → {@code min_slice_rows}), the audit options among them: read from the
   * records themselves, so that an option added later cannot be left out.
   */
  static Map<String, Object> options(EvaluateConfig config) {
    Map<String, Object> options = new LinkedHashMap<>();
    addComponents(config, options);
    return options;
  }

  private static void addComponents(Record record, Map<String, Object> into) {
    for (RecordComponent component : record.getClass().getRecordComponents()) {
      Object value;
      try {
        value = component.getAccessor().invoke(record);
      } catch (IllegalAccessException | InvocationTargetException e) {
        throw new IllegalStateException("cannot read " + component.getName(), e);
      }
      if (value instanceof Record nested) {
        addComponents(nested, into);
      } else {
        into.put(word(component.getName()), jsonValue(value));
      }
    }
  }

  /** {@code logitsColumn} → {@code logits}, {@code perRowFormat} → {@code per_row_format}. */
  static String word(String component) {
    String snake = component.replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT);
    return snake.endsWith("_column")
        ? snake.substring(0, snake.length() - "_column".length())
        : snake;
  }

  private static Object jsonValue(Object value) {
    if (value instanceof Enum<?> e) {
      return e.name().toLowerCase(Locale.ROOT);
    }
    if (value instanceof double[] doubles) {
      return Arrays.stream(doubles).boxed().toList();
    }
    if (value instanceof int[] ints) {
      return Arrays.stream(ints).boxed().toList();
    }
    return value;
  }

  private static Map<String, Object> sparkSettings(SparkSession spark) {
    SparkConf conf = spark.sparkContext().getConf();
    Map<String, Object> settings = new LinkedHashMap<>();
    for (String key : SPARK_SETTINGS) {
      // The session's SQL conf knows SQL keys' defaults; core keys live in the context's conf.
      String value =
          key.startsWith("spark.sql.") ? spark.conf().getOption(key).getOrElse(() -> null) : null;
      if (value == null && conf.contains(key)) {
        value = conf.get(key);
      }
      settings.put(key, value);
    }
    Map<String, Object> parquet = new TreeMap<>();
    for (Tuple2<String, String> entry : conf.getAll()) {
      if (entry._1().startsWith(PARQUET_PREFIX)) {
        parquet.put(entry._1(), entry._2());
      }
    }
    settings.putAll(parquet);
    List<String> xent = new ArrayList<>();
    System.getProperties()
        .stringPropertyNames()
        .forEach(
            name -> {
              if (name.startsWith("xent.")) {
                xent.add(name);
              }
            });
    xent.sort(null);
    xent.forEach(name -> settings.put("-D" + name, System.getProperty(name)));
    return settings;
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return System.getenv().getOrDefault("HOSTNAME", "unknown");
    }
  }
}
