package dev.xent.job;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;

import dev.xent.kernel.LossStatsAccumulator;
import dev.xent.kernel.Reason;
import dev.xent.kernel.Scored;
import dev.xent.spark.RowScorer;
import dev.xent.spark.ScoringFunctions;
import dev.xent.spark.XentFunctions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * {@code evaluate}: resolve the input → validate its schema → score every row with {@code
 * xent_score} → aggregate partition-local {@link LossStatsAccumulator}s, merged at the driver →
 * write per-row output and metrics.json.
 */
public final class EvaluateJob {
  private EvaluateJob() {}

  /** The per-row columns xent adds, in order. */
  static final List<String> SCORE_COLUMNS = List.of("loss", "predicted", "correct", "status");

  public static Metrics run(SparkSession spark, EvaluateConfig config) {
    XentFunctions.register(spark);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    checkOutputs(hadoop, config);

    long start = System.nanoTime();
    Dataset<Row> input =
        spark
            .read()
            .format(config.format().sparkName())
            .options(config.readerOptions())
            .load(config.input());
    if (InputSchema.needsIntegralLogitsCast(input.schema(), config)) {
      // JSON inference types [1, 2, 3] as array<bigint>; such logits are exact as doubles.
      input =
          input.withColumn(
              config.logitsColumn(),
              quoted(config.logitsColumn()).cast(DataTypes.createArrayType(DataTypes.DoubleType)));
    }
    StructType schema = input.schema();
    List<String> passThrough = InputSchema.validate(schema, config);
    if (config.perRow() != null) {
      for (String name : passThrough) {
        if (SCORE_COLUMNS.contains(name)) {
          throw new XentUsageException(
              "Cannot write --per-row: input column '"
                  + name
                  + "' has the name of a column xent adds "
                  + SCORE_COLUMNS
                  + "; rename it first");
        }
      }
    }
    String previousBatchSize = sizeBatchesForRowWidth(spark, hadoop, config, schema);
    try {
      return score(spark, config, hadoop, input, schema, passThrough, start);
    } finally {
      restore(spark, previousBatchSize);
    }
  }

  private static Metrics score(
      SparkSession spark,
      EvaluateConfig config,
      Configuration hadoop,
      Dataset<Row> input,
      StructType schema,
      List<String> passThrough,
      long start) {
    List<String> scoreColumns = scoreColumns(config);
    LossStatsAccumulator total;
    if (config.perRow() != null) {
      Column score =
          call_function(
              XentFunctions.XENT_SCORE,
              quoted(config.logitsColumn()),
              quoted(config.targetColumn()),
              lit(config.loss().sqlName()));
      List<Column> selected = new ArrayList<>();
      passThrough.forEach(name -> selected.add(quoted(name)));
      selected.add(score.as("xent"));
      Dataset<Row> scored = input.select(selected.toArray(new Column[0]));
      List<Column> perRowColumns = new ArrayList<>();
      passThrough.forEach(name -> perRowColumns.add(quoted(name)));
      scoreColumns.forEach(name -> perRowColumns.add(col("xent." + name).as(name)));
      scored
          .select(perRowColumns.toArray(new Column[0]))
          .write()
          .mode(SaveMode.Overwrite)
          .format(config.perRowFormat().sparkName())
          .save(config.perRow());
      // Aggregate what was written: one scan of the logits, and the metrics describe the output.
      StructType written = new StructType();
      for (String name : scoreColumns) {
        written = written.add(ScoringFunctions.SCORE_TYPE.apply(name));
      }
      Dataset<Row> readBack =
          spark
              .read()
              .schema(written)
              .option("allowNonNumericNumbers", "true")
              .format(config.perRowFormat().sparkName())
              .load(config.perRow());
      List<Column> fields = new ArrayList<>();
      for (String name : SCORE_COLUMNS) {
        fields.add(
            scoreColumns.contains(name)
                ? quoted(name)
                : lit(null).cast(ScoringFunctions.SCORE_TYPE.apply(name).dataType()).as(name));
      }
      total = aggregate(readBack.select(struct(fields.toArray(new Column[0])).as("xent")));
    } else {
      // No per-row output: reduce (logits, label) pairs straight from Spark's internal rows.
      Dataset<Row> pairs =
          input.select(quoted(config.logitsColumn()), quoted(config.targetColumn()));
      total =
          aggregatePairs(
              pairs,
              new RowScorer(
                  schema.apply(config.logitsColumn()).dataType(),
                  schema.apply(config.targetColumn()).dataType(),
                  config.loss() == EvaluateConfig.Loss.SIGMOID));
    }
    double elapsed = (System.nanoTime() - start) / 1e9;

    Metrics metrics =
        new Metrics(
            total.result(),
            config,
            spark.sparkContext().master(),
            elapsed,
            spark.version(),
            XentVersion.get());
    if (config.output() != null) {
      Outputs.writeText(hadoop, config.output(), "metrics.json", Json.pretty(metrics.toJsonMap()));
    }
    return metrics;
  }

  /**
   * Lowers the Parquet batch size for wide rows (see {@link WideRows}) for this job and returns the
   * session's previous setting (null when unset) so it can be restored.
   */
  private static String sizeBatchesForRowWidth(
      SparkSession spark, Configuration hadoop, EvaluateConfig config, StructType schema) {
    String previous = spark.conf().getOption(WideRows.BATCH_SIZE_KEY).getOrElse(() -> null);
    if (config.format() != EvaluateConfig.Format.PARQUET
        || !(schema.apply(config.logitsColumn()).dataType() instanceof ArrayType array)) {
      return previous;
    }
    int elementBytes = array.elementType() instanceof FloatType ? 4 : 8;
    int current = previous == null ? 4096 : Integer.parseInt(previous);
    WideRows.meanRowWidth(hadoop, config.input(), config.logitsColumn())
        .map(width -> WideRows.batchSize(width, elementBytes, current))
        .filter(size -> size < current)
        .ifPresent(size -> spark.conf().set(WideRows.BATCH_SIZE_KEY, Integer.toString(size)));
    return previous;
  }

  private static void restore(SparkSession spark, String previousBatchSize) {
    if (previousBatchSize == null) {
      spark.conf().unset(WideRows.BATCH_SIZE_KEY);
    } else {
      spark.conf().set(WideRows.BATCH_SIZE_KEY, previousBatchSize);
    }
  }

  private static void checkOutputs(Configuration hadoop, EvaluateConfig config) {
    if (config.output() != null) {
      Outputs.requireWritable(
          hadoop, config.output(), "--output", config.overwrite(), config.input());
    }
    if (config.perRow() != null) {
      Outputs.requireWritable(
          hadoop, config.perRow(), "--per-row", config.overwrite(), config.input());
      if (config.output() != null
          && Outputs.sameDirectory(hadoop, config.output(), config.perRow())) {
        throw new XentUsageException(
            "Cannot evaluate: --output and --per-row must be different directories");
      }
    }
  }

  /** Sigmoid rows have no single predicted class: only loss and status. */
  private static List<String> scoreColumns(EvaluateConfig config) {
    return config.loss() == EvaluateConfig.Loss.SOFTMAX ? SCORE_COLUMNS : List.of("loss", "status");
  }

  private static Column quoted(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  /**
   * One {@link LossStatsAccumulator} per partition, read straight from Spark's internal rows (one
   * {@code xent_score} struct column), merged at the driver in partition order. The merge is exact,
   * so neither the order nor the partitioning changes the result.
   */
  static LossStatsAccumulator aggregate(Dataset<Row> scores) {
    var internal = ((org.apache.spark.sql.classic.Dataset<Row>) scores).queryExecution().toRdd();
    List<LossStatsAccumulator> partitions =
        internal.toJavaRDD().mapPartitions(EvaluateJob::accumulate).collect();
    LossStatsAccumulator total = new LossStatsAccumulator();
    partitions.forEach(total::merge);
    return total;
  }

  /**
   * One {@link LossStatsAccumulator} per partition over (logits, label) internal rows, scored with
   * the same {@link RowScorer} as the SQL functions, merged at the driver.
   */
  static LossStatsAccumulator aggregatePairs(Dataset<Row> pairs, RowScorer scorer) {
    var internal = ((org.apache.spark.sql.classic.Dataset<Row>) pairs).queryExecution().toRdd();
    DataType logitsType = pairs.schema().fields()[0].dataType();
    DataType labelType = pairs.schema().fields()[1].dataType();
    List<LossStatsAccumulator> partitions =
        internal
            .toJavaRDD()
            .mapPartitions(
                (Iterator<InternalRow> rows) -> {
                  LossStatsAccumulator accumulator = new LossStatsAccumulator();
                  while (rows.hasNext()) {
                    InternalRow row = rows.next();
                    Scored scored =
                        scorer.score(
                            row.isNullAt(0) ? null : row.get(0, logitsType),
                            row.isNullAt(1) ? null : row.get(1, labelType));
                    accumulator.add(scored.reason(), scored.loss(), scored.correct());
                  }
                  return Collections.singletonList(accumulator).iterator();
                })
            .collect();
    LossStatsAccumulator total = new LossStatsAccumulator();
    partitions.forEach(total::merge);
    return total;
  }

  private static Iterator<LossStatsAccumulator> accumulate(Iterator<InternalRow> rows) {
    Map<UTF8String, Reason> reasons = new HashMap<>();
    for (Reason reason : Reason.values()) {
      reasons.put(UTF8String.fromString(reason.code()), reason);
    }
    int fields = SCORE_COLUMNS.size();
    LossStatsAccumulator accumulator = new LossStatsAccumulator();
    while (rows.hasNext()) {
      InternalRow score = rows.next().getStruct(0, fields);
      Reason reason = reasons.get(score.getUTF8String(3));
      if (reason == null) {
        throw new IllegalStateException(
            "Cannot aggregate: unknown status '" + score.getUTF8String(3) + "'");
      }
      boolean ok = reason.isOk();
      double loss = ok ? score.getDouble(0) : Double.NaN;
      boolean correct = ok && !score.isNullAt(2) && score.getBoolean(2);
      accumulator.add(reason, loss, correct);
    }
    return Collections.singletonList(accumulator).iterator();
  }
}
