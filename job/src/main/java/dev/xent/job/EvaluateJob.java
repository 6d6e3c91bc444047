package dev.xent.job;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.xent.kernel.LossStatsAccumulator;
import dev.xent.kernel.Reason;
import dev.xent.kernel.Scored;
import dev.xent.spark.InputTypes;
import dev.xent.spark.RowScorer;
import dev.xent.spark.ScoringFunctions;
import dev.xent.spark.XentFunctions;
import java.io.Serializable;
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
 * {@code evaluate}: resolve the input → validate its schema → score every row, read page by page
 * ({@link PagePath}) or through Spark with {@code xent_score} → aggregate partition-local {@link
 * LossStatsAccumulator}s, merged at the driver → write per-row output and metrics.json.
 */
public final class EvaluateJob {
  private EvaluateJob() {}

  /**
   * Whether the Spark reader's path reduces columnar batches where it can ({@link ColumnarPairs});
   * {@code -Dxent.columnar=false} reduces rows, for benchmarks that compare the two.
   */
  static final boolean COLUMNAR = Boolean.parseBoolean(System.getProperty("xent.columnar", "true"));

  /** The per-row columns xent adds, in order. */
  static final List<String> SCORE_COLUMNS = List.of("loss", "predicted", "correct", "status");

  public static Metrics run(SparkSession spark, EvaluateConfig config) {
    XentFunctions.register(spark);
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    checkOutputs(hadoop, config);

    long start = System.nanoTime();
    PagePath.Choice reader = PagePath.early(spark, hadoop, config);
    if (reader.plan() != null) {
      LossStatsAccumulator total = PagePath.reduce(spark, hadoop, config, reader.plan());
      return finish(spark, config, hadoop, total, reader, start);
    }
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
      if (config.reader() == EvaluateConfig.Reader.PAGE) {
        throw new XentUsageException("Cannot evaluate with --reader page: " + reader.reason());
      }
      return score(spark, config, hadoop, input, schema, passThrough, reader, start);
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
      PagePath.Choice reader,
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
      total = reducePartitions(readBack, new WrittenScores(scoreColumns));
    } else {
      // No per-row output: reduce (logits, label) pairs straight from Spark's internal rows.
      Dataset<Row> pairs =
          input.select(quoted(config.logitsColumn()), quoted(config.targetColumn()));
      DataType logitsType = schema.apply(config.logitsColumn()).dataType();
      DataType targetType = schema.apply(config.targetColumn()).dataType();
      RowScorer scorer =
          new RowScorer(logitsType, targetType, config.loss() == EvaluateConfig.Loss.SIGMOID);
      // Columnar batches where the scan produces them; rows otherwise (JSON, vectors, ...).
      total =
          InputTypes.labelKind(targetType).isScalar() && logitsType instanceof ArrayType && COLUMNAR
              ? ColumnarPairs.reduce(
                  pairs, scorer, targetType, config.loss() == EvaluateConfig.Loss.SOFTMAX)
              : null;
      if (total == null) {
        total = reducePartitions(pairs, new ScoredPairs(scorer, logitsType, targetType));
      }
    }
    return finish(spark, config, hadoop, total, reader, start);
  }

  /** The metrics of a finished run, written to {@code --output} when given. */
  private static Metrics finish(
      SparkSession spark,
      EvaluateConfig config,
      Configuration hadoop,
      LossStatsAccumulator total,
      PagePath.Choice reader,
      long start) {
    double elapsed = (System.nanoTime() - start) / 1e9;

    Metrics metrics =
        new Metrics(
            total.result(),
            config,
            reader.reader(),
            reader.reason(),
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

  /** Adds one internal row to a partition's accumulator. */
  interface RowReader extends Serializable {
    void addTo(LossStatsAccumulator accumulator, InternalRow row);
  }

  /**
   * One {@link LossStatsAccumulator} per partition over Spark's internal rows, merged at the driver
   * in partition order. The merge is exact, so neither the order nor the partitioning changes the
   * result.
   */
  static LossStatsAccumulator reducePartitions(Dataset<Row> rows, RowReader reader) {
    var internal = ((org.apache.spark.sql.classic.Dataset<Row>) rows).queryExecution().toRdd();
    List<LossStatsAccumulator> partitions =
        internal
            .toJavaRDD()
            .mapPartitions(
                (Iterator<InternalRow> it) -> {
                  LossStatsAccumulator accumulator = new LossStatsAccumulator();
                  while (it.hasNext()) {
                    reader.addTo(accumulator, it.next());
                  }
                  return Collections.singletonList(accumulator).iterator();
                })
            .collect();
    LossStatsAccumulator total = new LossStatsAccumulator();
    partitions.forEach(total::merge);
    return total;
  }

  /** (logits, label) rows, scored with the same {@link RowScorer} as the SQL functions. */
  record ScoredPairs(RowScorer scorer, DataType logitsType, DataType labelType)
      implements RowReader {
    @Override
    public void addTo(LossStatsAccumulator accumulator, InternalRow row) {
      Scored scored =
          scorer.score(
              row.isNullAt(0) ? null : row.get(0, logitsType),
              row.isNullAt(1) ? null : row.get(1, labelType));
      accumulator.add(scored.reason(), scored.loss(), scored.correct());
    }
  }

  /** Per-row output read back: loss, [predicted, correct,] status, in SCORE_COLUMNS order. */
  private static final class WrittenScores implements RowReader {
    private static final long serialVersionUID = 1L;

    private final int correctField;
    private final int statusField;
    private transient Map<UTF8String, Reason> reasons;

    WrittenScores(List<String> columns) {
      this.correctField = columns.indexOf("correct");
      this.statusField = columns.indexOf("status");
    }

    @Override
    public void addTo(LossStatsAccumulator accumulator, InternalRow row) {
      if (reasons == null) {
        reasons = new HashMap<>();
        for (Reason reason : Reason.values()) {
          reasons.put(UTF8String.fromString(reason.code()), reason);
        }
      }
      Reason reason = reasons.get(row.getUTF8String(statusField));
      if (reason == null) {
        throw new IllegalStateException(
            "Cannot aggregate: unknown status '" + row.getUTF8String(statusField) + "'");
      }
      boolean ok = reason.isOk();
      boolean correct =
          ok && correctField >= 0 && !row.isNullAt(correctField) && row.getBoolean(correctField);
      accumulator.add(reason, ok ? row.getDouble(0) : Double.NaN, correct);
    }
  }
}
