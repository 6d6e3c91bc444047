package dev.xent.job;

import static org.apache.spark.sql.functions.call_function;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.xent.kernel.AuditOptions;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.RowAuditor;
import dev.xent.spark.InputTypes;
import dev.xent.spark.RowScorer;
import dev.xent.spark.XentFunctions;
import java.io.Serializable;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
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

/**
 * {@code evaluate}: resolve the input → validate its schema → score every row with one {@link
 * RowAuditor}, read page by page ({@link PagePath}) or through Spark's reader → aggregate
 * partition-local {@link Evaluation}s, merged at the driver (and per slice, through Spark's own
 * aggregation, {@link Slices}) → write per-row output, per_class.parquet, slices.parquet and
 * metrics.json.
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
    Instant started = Instant.now();
    InputFiles files = InputFiles.check(hadoop, config);
    try {
      return scoreAndWrite(spark, config, hadoop, files, start, started);
    } catch (XentUsageException e) {
      throw e;
    } catch (Exception e) {
      // Spark's job failures are SparkExceptions: checked, though Scala throws them unannounced.
      List<String> columns = new ArrayList<>(List.of(config.logitsColumn(), config.targetColumn()));
      if (config.weighted()) {
        columns.add(config.weightColumn());
      }
      throw ReadFailures.explain(hadoop, e, files.files(), columns);
    }
  }

  private static Metrics scoreAndWrite(
      SparkSession spark,
      EvaluateConfig config,
      Configuration hadoop,
      InputFiles files,
      long start,
      Instant started) {
    PagePath.Choice reader = PagePath.early(spark, hadoop, config, files);
    Dataset<Row> input = null;
    List<String> passThrough = null;
    if (reader.plan() != null && config.perRow() != null) {
      // The per-row columns and their checks are Spark's path's, from the schema Spark reads.
      input = load(spark, config, files);
      passThrough = InputSchema.validate(input.schema(), config);
      checkPerRowColumns(passThrough);
      if (config.quarantine() != null) {
        Quarantine.checkColumns(Arrays.asList(input.schema().fieldNames()));
      }
      PerRowPages.Prepared perRow =
          PerRowPages.prepare(spark, reader.plan(), files, input, passThrough);
      if (perRow.job() == null) {
        reader = PagePath.Choice.spark(perRow.reason());
      } else {
        PagePath.Reduced reduced =
            perRow.job().write(spark, hadoop, config, keepPositions(config), config.strict());
        return finishPages(spark, config, hadoop, reduced, reader, start, started, files);
      }
    }
    if (reader.plan() != null) {
      if (config.quarantine() != null) {
        Quarantine.checkColumns(reader.plan().columns());
      }
      PagePath.Reduced reduced =
          PagePath.reduce(
              spark, hadoop, config, reader.plan(), keepPositions(config), config.strict());
      return finishPages(spark, config, hadoop, reduced, reader, start, started, files);
    }
    if (input == null) {
      input = load(spark, config, files);
    }
    if (InputSchema.needsIntegralLogitsCast(input.schema(), config)) {
      // JSON inference types [1, 2, 3] as array<bigint>; such logits are exact as doubles.
      input =
          input.withColumn(
              config.logitsColumn(),
              quoted(config.logitsColumn()).cast(DataTypes.createArrayType(DataTypes.DoubleType)));
    }
    StructType schema = input.schema();
    passThrough = InputSchema.validate(schema, config);
    if (config.quarantine() != null) {
      Quarantine.checkColumns(Arrays.asList(schema.fieldNames()));
    }
    if (config.perRow() != null) {
      checkPerRowColumns(passThrough);
    }
    if (config.reader() == EvaluateConfig.Reader.PAGE) {
      throw new XentUsageException("Cannot evaluate with --reader page: " + reader.reason());
    }
    long rowsBeforeFilter = 0;
    if (config.filter() != null) {
      rowsBeforeFilter = input.count();
      input = Slices.filter(input, config.filter());
    }
    String previousBatchSize = sizeBatchesForRowWidth(spark, hadoop, config, schema, files);
    try {
      if (config.perRow() != null) {
        writePerRow(config, input, passThrough);
      }
      Evaluation total = reduce(config, input, schema);
      if (config.strict() && total.result().audit().lossStats().rowsInvalid() > 0) {
        Gates.InvalidRow first = Quarantine.firstInvalid(spark, config, files);
        if (first == null) {
          throw new IllegalStateException(
              "Cannot find the first invalid row: the second pass found none (did the input"
                  + " change during the run?)");
        }
        throw Gates.strict(first);
      }
      Slices.Result slices =
          config.groupBy().isEmpty() ? null : Slices.aggregate(spark, config, input, schema);
      return finish(
          spark,
          config,
          hadoop,
          total,
          reader,
          start,
          started,
          slices,
          rowsBeforeFilter,
          files,
          null);
    } finally {
      restore(spark, previousBatchSize);
    }
  }

  /** Positions of invalid rows are kept for the quarantine, unless --strict stops at the first. */
  private static boolean keepPositions(EvaluateConfig config) {
    return config.quarantine() != null && !config.strict();
  }

  /** A page-reader run's gate and outputs. */
  private static Metrics finishPages(
      SparkSession spark,
      EvaluateConfig config,
      Configuration hadoop,
      PagePath.Reduced reduced,
      PagePath.Choice reader,
      long start,
      Instant started,
      InputFiles files) {
    if (reduced.first() != null) {
      throw Gates.strict(reduced.first());
    }
    return finish(
        spark,
        config,
        hadoop,
        reduced.evaluation(),
        reader,
        start,
        started,
        null,
        0,
        files,
        reduced.positions());
  }

  /** Per-row output adds {@link #SCORE_COLUMNS}: no input column may have their names. */
  private static void checkPerRowColumns(List<String> passThrough) {
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

  /**
   * The input through Spark's reader: the path itself, or only the readable files when {@code
   * --skip-corrupt-files} left some out (partition columns then come from the input directory).
   */
  static Dataset<Row> load(SparkSession spark, EvaluateConfig config, InputFiles files) {
    var reader = spark.read().format(config.format().sparkName()).options(config.readerOptions());
    if (config.format() == EvaluateConfig.Format.PARQUET) {
      // A flipped bit must fail the read, not change the loss; Spark hands reader options to
      // parquet's Hadoop conf.
      reader =
          reader.option(
              EvaluateConfig.VERIFY_PAGE_CHECKSUMS,
              EvaluateConfig.verifyPageChecksums(spark.sparkContext().hadoopConfiguration()));
    }
    if (files.skipped().isEmpty()) {
      return reader.load(config.input());
    }
    if (files.directory()) {
      reader = reader.option("basePath", config.input());
    }
    return reader.load(files.files().toArray(new String[0]));
  }

  /** Writes one scored row per input row with {@code xent_score}, every input column kept. */
  private static void writePerRow(
      EvaluateConfig config, Dataset<Row> input, List<String> passThrough) {
    Column score =
        call_function(
            XentFunctions.XENT_SCORE,
            quoted(config.logitsColumn()),
            quoted(config.targetColumn()),
            lit(config.loss().sqlName()));
    List<Column> columns = new ArrayList<>();
    passThrough.forEach(name -> columns.add(quoted(name)));
    Dataset<Row> scored = input.select(concat(columns, score.as("xent")));
    List<Column> perRowColumns = new ArrayList<>();
    passThrough.forEach(name -> perRowColumns.add(quoted(name)));
    scoreColumns(config).forEach(name -> perRowColumns.add(col("xent." + name).as(name)));
    scored
        .select(perRowColumns.toArray(new Column[0]))
        .write()
        .mode(SaveMode.Overwrite)
        .format(config.perRowFormat().sparkName())
        .save(config.perRow());
  }

  private static Column[] concat(List<Column> columns, Column last) {
    List<Column> all = new ArrayList<>(columns);
    all.add(last);
    return all.toArray(new Column[0]);
  }

  /**
   * The whole run's evaluation through Spark's reader: columnar batches where the scan produces
   * them, internal rows otherwise (JSON, vectors, ...).
   */
  private static Evaluation reduce(EvaluateConfig config, Dataset<Row> input, StructType schema) {
    List<Column> selected = new ArrayList<>();
    selected.add(quoted(config.logitsColumn()));
    selected.add(quoted(config.targetColumn()));
    if (config.weighted()) {
      selected.add(quoted(config.weightColumn()));
    }
    Dataset<Row> pairs = input.select(selected.toArray(new Column[0]));
    DataType logitsType = schema.apply(config.logitsColumn()).dataType();
    DataType targetType = schema.apply(config.targetColumn()).dataType();
    DataType weightType = config.weighted() ? schema.apply(config.weightColumn()).dataType() : null;
    boolean sigmoid = config.loss() == EvaluateConfig.Loss.SIGMOID;
    RowScorer scorer = new RowScorer(logitsType, targetType, sigmoid);
    AuditOptions options = config.audit();
    Evaluation total =
        InputTypes.labelKind(targetType).isScalar() && logitsType instanceof ArrayType && COLUMNAR
            ? ColumnarPairs.reduce(pairs, scorer, targetType, weightType, !sigmoid, options)
            : null;
    if (total == null) {
      total =
          reducePartitions(
              pairs, options, new ScoredPairs(scorer, logitsType, targetType, weightType));
    }
    return total;
  }

  /** The metrics of a finished run, written to {@code --output} when given. */
  private static Metrics finish(
      SparkSession spark,
      EvaluateConfig config,
      Configuration hadoop,
      Evaluation total,
      PagePath.Choice reader,
      long start,
      Instant started,
      Slices.Result slices,
      long rowsBeforeFilter,
      InputFiles files,
      Map<String, Quarantine.Positions> positions) {
    Evaluation.Result result = total.result();
    long rows = result.audit().lossStats().rows();
    long rowsInvalid = result.audit().lossStats().rowsInvalid();
    Long filteredOut = config.filter() == null ? null : rowsBeforeFilter - rows;
    String staging = config.output() == null ? null : Outputs.begin(hadoop, config.output());
    if (staging != null) {
      if (result.classes() != null) {
        PerClassOutput.write(spark, staging, result.classes());
      }
      if (slices != null) {
        slices.write(staging);
      }
    }
    String quarantine = null;
    if (config.quarantine() != null) {
      // DIR/invalid is written into the staging directory and swapped in with the rest; a
      // quarantine elsewhere loses a previous run's rows even when this run has none to write.
      boolean insideOutput =
          config.output() != null
              && config
                  .quarantine()
                  .equals(EvaluateConfig.quarantinePath(config.output(), null, false));
      String target =
          insideOutput
              ? new org.apache.hadoop.fs.Path(staging, EvaluateConfig.QUARANTINE_DEFAULT).toString()
              : config.quarantine();
      if (!insideOutput) {
        Outputs.remove(hadoop, target);
      }
      if (rowsInvalid > 0) {
        Quarantine.write(spark, hadoop, config, files, positions, rowsInvalid, target);
        quarantine = config.quarantine();
      }
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    Metrics metrics =
        new Metrics(
            result,
            config,
            reader.reader(),
            reader.reason(),
            spark.sparkContext().master(),
            elapsed,
            spark.version(),
            XentVersion.get(),
            slices == null ? null : slices.summary(result.audit().meanLoss()),
            filteredOut,
            config.skipCorruptFiles() ? files.skipped() : null,
            quarantine,
            RunManifest.of(
                spark,
                config,
                files,
                config.format() == EvaluateConfig.Format.PARQUET
                    && EvaluateConfig.verifyPageChecksums(hadoop),
                started,
                Instant.now()));
    if (staging != null) {
      Outputs.writeText(hadoop, staging, "metrics.json", Json.pretty(metrics.toJsonMap()));
      if (config.report()) {
        // Rendered from the files just written, so it is the page `xent report` would rebuild.
        ReportOutput.write(hadoop, staging);
      }
      Outputs.commit(hadoop, staging, config.output());
    }
    Gates.checkInvalidFraction(config.maxInvalidFraction(), rowsInvalid, rows, metrics);
    return metrics;
  }

  /**
   * Lowers the Parquet batch size for wide rows (see {@link WideRows}, measured on the first
   * readable file) for this job and returns the session's previous setting (null when unset) so it
   * can be restored.
   */
  private static String sizeBatchesForRowWidth(
      SparkSession spark,
      Configuration hadoop,
      EvaluateConfig config,
      StructType schema,
      InputFiles files) {
    String previous = spark.conf().getOption(WideRows.BATCH_SIZE_KEY).getOrElse(() -> null);
    if (config.format() != EvaluateConfig.Format.PARQUET
        || !(schema.apply(config.logitsColumn()).dataType() instanceof ArrayType array)) {
      return previous;
    }
    int elementBytes = array.elementType() instanceof FloatType ? 4 : 8;
    int current = previous == null ? 4096 : Integer.parseInt(previous);
    // The input check read every Parquet footer already; on an object store another read is a
    // HEAD and two GETs.
    String firstFile = files.files().get(0);
    ParquetMetadata footer = files.footers().get(firstFile);
    (footer != null
            ? WideRows.meanRowWidth(footer, config.logitsColumn())
            : WideRows.meanRowWidth(hadoop, firstFile, config.logitsColumn()))
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
      // --output is replaced as a whole when it is committed: per-row output inside it would go.
      if (config.output() != null && Outputs.overlap(hadoop, config.output(), config.perRow())) {
        throw new XentUsageException(
            "Cannot evaluate: --output and --per-row must be different directories, neither"
                + " inside the other");
      }
    }
    String quarantine = config.quarantine();
    if (quarantine != null
        && !(config.output() != null
            && quarantine.equals(EvaluateConfig.quarantinePath(config.output(), null, false)))) {
      Outputs.requireWritable(
          hadoop, quarantine, "--quarantine", config.overwrite(), config.input());
      // Not inside --output either: that is replaced as a whole when it is committed.
      for (String other : new String[] {config.output(), config.perRow()}) {
        if (other != null && Outputs.overlap(hadoop, other, quarantine)) {
          throw new XentUsageException(
              "Cannot evaluate: --quarantine must be a directory of its own, not '"
                  + other
                  + "' nor inside or around it");
        }
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

  /** Adds one internal row to a partition's evaluation. */
  interface RowReader extends Serializable {
    void addTo(RowAuditor auditor, Evaluation evaluation, InternalRow row);
  }

  /**
   * One {@link Evaluation} per partition over Spark's internal rows, merged at the driver in
   * partition order. The merge is exact, so neither the order nor the partitioning changes the
   * result.
   */
  static Evaluation reducePartitions(Dataset<Row> rows, AuditOptions options, RowReader reader) {
    var internal = ((org.apache.spark.sql.classic.Dataset<Row>) rows).queryExecution().toRdd();
    var counter = RowCounter.counter(rows.sparkSession());
    List<Evaluation> partitions =
        internal
            .toJavaRDD()
            .mapPartitions(
                (Iterator<InternalRow> it) -> {
                  Evaluation evaluation = new Evaluation(options);
                  RowAuditor auditor = new RowAuditor(options);
                  while (it.hasNext()) {
                    reader.addTo(auditor, evaluation, it.next());
                  }
                  counter.add(evaluation.rowsAdded());
                  return Collections.singletonList(evaluation).iterator();
                })
            .collect();
    Evaluation total = new Evaluation(options);
    partitions.forEach(total::merge);
    return total;
  }

  /**
   * (logits, label[, weight]) rows, scored with the same {@link RowScorer} as the SQL functions.
   */
  record ScoredPairs(RowScorer scorer, DataType logitsType, DataType labelType, DataType weightType)
      implements RowReader {
    @Override
    public void addTo(RowAuditor auditor, Evaluation evaluation, InternalRow row) {
      double weight =
          weightType == null || row.isNullAt(2)
              ? Double.NaN
              : InputTypes.numericValue(row.get(2, weightType));
      scorer.audit(
          row.isNullAt(0) ? null : row.get(0, logitsType),
          row.isNullAt(1) ? null : row.get(1, labelType),
          weight,
          auditor,
          evaluation);
    }
  }
}
