package dev.xent.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.desc;
import static org.apache.spark.sql.functions.lit;

import dev.xent.spark.AuditAggregate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * {@code --group-by} and {@code --filter}: the audit of each slice (each distinct combination of
 * the group columns' values, NULL a value of its own) through Spark's own aggregation of {@link
 * AuditAggregate}, so a million slices are a distributed GROUP BY, never a driver-side map.
 */
final class Slices {
  private Slices() {}

  /**
   * The rows matching a SQL predicate; a predicate Spark cannot parse or resolve is a usage error.
   */
  static Dataset<Row> filter(Dataset<Row> input, String predicate) {
    try {
      return input.filter(functions.expr(predicate));
    } catch (Exception e) {
      // Scala throws AnalysisException (and its ParseException) undeclared.
      if (e instanceof AnalysisException) {
        throw new XentUsageException(
            "Cannot evaluate --filter \"" + predicate + "\": " + firstLine(e.getMessage()));
      }
      throw e;
    }
  }

  private static String firstLine(String message) {
    int end = message.indexOf('\n');
    return end < 0 ? message : message.substring(0, end);
  }

  /**
   * The per-slice metrics as a dataset: the group columns, then {@link AuditAggregate}'s fields.
   */
  static Result aggregate(
      SparkSession spark, EvaluateConfig config, Dataset<Row> input, StructType schema) {
    boolean sigmoid = config.loss() == EvaluateConfig.Loss.SIGMOID;
    AuditAggregate audit =
        new AuditAggregate(
            ExpressionUtils.expression(quoted(config.logitsColumn())),
            ExpressionUtils.expression(quoted(config.targetColumn())),
            config.weighted() ? ExpressionUtils.expression(quoted(config.weightColumn())) : null,
            config.audit(),
            sigmoid);
    Column[] groups = config.groupBy().stream().map(Slices::quoted).toArray(Column[]::new);
    List<Column> selected = new ArrayList<>(List.of(groups));
    selected.add(col("xent_slice.*"));
    Dataset<Row> slices =
        input
            .groupBy(groups)
            .agg(ExpressionUtils.column(audit).as("xent_slice"))
            .select(selected.toArray(new Column[0]));
    return new Result(spark, config, slices);
  }

  /** The slices of one run: written once, then read for the summary. */
  static final class Result {
    private final SparkSession spark;
    private final EvaluateConfig config;
    private Dataset<Row> slices;

    Result(SparkSession spark, EvaluateConfig config, Dataset<Row> slices) {
      this.spark = spark;
      this.config = config;
      this.slices = slices;
    }

    /** Writes DIR/slices.parquet and reads the summary from it (the aggregation runs once). */
    void write(String dir) {
      org.apache.hadoop.fs.Path temporary = Outputs.temporary(dir, "slices.parquet");
      org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(dir, "slices.parquet");
      slices.write().mode(SaveMode.Overwrite).parquet(temporary.toString());
      try {
        Outputs.replace(
            temporary.getFileSystem(spark.sparkContext().hadoopConfiguration()), temporary, path);
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("Cannot write '" + path + "': " + e.getMessage(), e);
      }
      slices = spark.read().parquet(path.toString());
    }

    /**
     * metrics.json's {@code slices} (how many) and {@code outlier_slices}: the 10 slices with at
     * least {@code --min-slice-rows} scored rows whose mean loss lies farthest above {@code
     * overallMean}, in standard errors of the slice's mean ({@code z = (mean − overall)/se}; ties
     * by the group values).
     */
    Map<String, Object> summary(double overallMean) {
      if (config.output() == null) {
        slices = slices.persist(StorageLevel.MEMORY_AND_DISK());
      }
      try {
        long count = slices.count();
        Column z = col("mean_loss").minus(lit(overallMean)).divide(col("mean_loss_se"));
        List<Column> order = new ArrayList<>();
        order.add(desc("z"));
        config.groupBy().forEach(name -> order.add(quoted(name).asc_nulls_first()));
        List<Row> top =
            slices
                .filter(
                    col("rows_scored")
                        .geq(lit(config.minSliceRows()))
                        .and(col("mean_loss_se").gt(lit(0.0)))
                        .and(col("mean_loss").lt(lit(Double.POSITIVE_INFINITY))))
                .withColumn("z", z)
                .orderBy(order.toArray(new Column[0]))
                .limit(10)
                .collectAsList();
        List<Map<String, Object>> outliers = new ArrayList<>();
        for (Row row : top) {
          Map<String, Object> slice = new LinkedHashMap<>();
          Map<String, Object> values = new LinkedHashMap<>();
          for (String name : config.groupBy()) {
            Object value = row.getAs(name);
            values.put(name, jsonValue(value));
          }
          slice.put("slice", values);
          slice.put("rows_scored", row.getAs("rows_scored"));
          slice.put("mean_loss", row.getAs("mean_loss"));
          slice.put("mean_loss_ci", row.getList(row.fieldIndex("mean_loss_ci")));
          slice.put("z", row.getAs("z"));
          outliers.add(slice);
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("slices", count);
        summary.put("outlier_slices", outliers);
        return summary;
      } finally {
        if (config.output() == null) {
          slices.unpersist();
        }
      }
    }

    private static Object jsonValue(Object value) {
      return value == null || value instanceof Number || value instanceof Boolean
          ? value
          : value.toString();
    }
  }

  private static Column quoted(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }
}
