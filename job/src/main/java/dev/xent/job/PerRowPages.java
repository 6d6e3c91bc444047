package dev.xent.job;

import dev.xent.job.page.PagePlan;
import dev.xent.job.page.PageTask;
import dev.xent.kernel.Reason;
import dev.xent.spark.ScoringFunctions;
import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.internal.io.FileCommitProtocol;
import org.apache.spark.paths.SparkPath;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.JoinedRow;
import org.apache.spark.sql.catalyst.expressions.SpecificInternalRow;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.FileFormat;
import org.apache.spark.sql.execution.datasources.FileStatusWithMetadata;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.PartitionDirectory;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.CollectionAccumulator;
import org.apache.spark.util.SerializableConfiguration;
import scala.Function1;
import scala.jdk.javaapi.CollectionConverters;

/**
 * {@code --per-row} on the page reader, in one Spark job that reads the logits once: its tasks are
 * the page plan's, each scores its rows page by page (the audit's own {@link
 * dev.xent.kernel.RowAuditor} call, whose loss and prediction are {@code xent_score}'s bits), then
 * reads the same rows' other columns with Spark's own Parquet reader (so ids, strings, structs and
 * partition values are exactly what Spark's path writes) and hands the joined rows to Spark's
 * writer and committer. Each task's {@link PagePath.TaskResult} reaches the driver through an
 * accumulator of the write job, whose result tasks Spark counts once each.
 *
 * <p>A task holds its rows' scores (14 bytes a row) between the two reads: Spark's writer pulls
 * rows, the page reader pushes them.
 */
final class PerRowPages {
  private PerRowPages() {}

  /** A per-row run ready to write, or (job null) why Spark's reader must write it instead. */
  record Prepared(String reason, Job job) {
    static Prepared spark(String reason) {
      return new Prepared(reason, null);
    }
  }

  /** One task: the page reader's share, and where Spark's reader finds the same rows. */
  private record Task(PageTask pages, PartitionedFile file, long skip, long rows)
      implements Serializable {}

  /**
   * Checks on the driver, before anything is written, that Spark's reader of {@code input} (as
   * {@link EvaluateJob#load} made it) can give the other columns of each planned task's rows.
   * {@code passThrough} is {@link InputSchema#validate}'s list: the per-row columns before the
   * scores.
   */
  static Prepared prepare(
      SparkSession spark,
      PagePlan plan,
      InputFiles files,
      Dataset<Row> input,
      List<String> passThrough) {
    LogicalPlan logical = ((org.apache.spark.sql.classic.Dataset<Row>) input).logicalPlan();
    if (!(logical instanceof LogicalRelation relation)
        || !(relation.relation() instanceof HadoopFsRelation fs)
        || !(fs.fileFormat() instanceof ParquetFileFormat)) {
      return Prepared.spark("--per-row: the input is not a plain Parquet file relation");
    }
    if (!fs.overlappedPartCols().isEmpty()) {
      return Prepared.spark("--per-row: a partition column is also a column of the files");
    }
    StructType partitions = fs.partitionSchema();
    StructType required = new StructType();
    for (StructField field : fs.dataSchema().fields()) {
      if (passThrough.contains(field.name())) {
        required = required.add(field);
      }
    }
    // Spark's reader appends the partition values to the file's columns: that must be the order
    // of Spark's path's per-row columns.
    List<String> order = new ArrayList<>(List.of(required.fieldNames()));
    order.addAll(List.of(partitions.fieldNames()));
    if (!order.equals(passThrough)) {
      return Prepared.spark(
          "--per-row: Spark's reader gives the columns as " + order + ", not " + passThrough);
    }

    Map<String, FileStatus> statuses = new HashMap<>();
    Map<String, InternalRow> values = new HashMap<>();
    scala.collection.immutable.Seq<Expression> none =
        CollectionConverters.asScala(new ArrayList<Expression>()).toList();
    for (PartitionDirectory directory :
        CollectionConverters.asJava(fs.location().listFiles(none, none))) {
      for (FileStatusWithMetadata file : CollectionConverters.asJava(directory.files())) {
        String key = file.getPath().toString();
        statuses.put(key, file.fileStatus());
        values.put(key, directory.values().copy());
      }
    }
    List<Task> tasks = new ArrayList<>();
    for (PageTask task : plan.tasks()) {
      String key = new Path(task.file()).toString();
      FileStatus status = statuses.get(key);
      ParquetMetadata footer = files.footers().get(task.file());
      if (status == null || footer == null) {
        return Prepared.spark("--per-row: Spark's reader does not list " + task.file());
      }
      tasks.add(task(task, status, values.get(key), footer));
    }

    var classic = (org.apache.spark.sql.classic.SparkSession) spark;
    Configuration conf = classic.sessionState().newHadoopConfWithOptions(fs.options());
    // Rows, not batches: each row is joined with its scores on its way to the writer.
    scala.collection.immutable.Map<String, String> options =
        fs.options().updated(FileFormat.OPTION_RETURNING_BATCH(), "false");
    Function1<PartitionedFile, scala.collection.Iterator<InternalRow>> reader =
        required.isEmpty()
            ? null
            : fs.fileFormat()
                .buildReaderWithPartitionValues(
                    spark,
                    fs.dataSchema(),
                    partitions,
                    required,
                    CollectionConverters.asScala(
                            new ArrayList<org.apache.spark.sql.sources.Filter>())
                        .toList(),
                    options,
                    conf);
    return new Prepared(null, new Job(tasks, reader, outputSchema(input.schema(), passThrough)));
  }

  /**
   * The task's pieces as Spark's reader finds them: the byte range of their row groups (Spark reads
   * the row groups whose midpoint is in it) and, for a run of pages, the rows to skip at the start
   * of its row group.
   */
  private static Task task(
      PageTask task, FileStatus status, InternalRow partitionValues, ParquetMetadata footer) {
    List<PageTask.Piece> pieces = task.pieces();
    List<BlockMetaData> blocks = footer.getBlocks();
    BlockMetaData first = blocks.get(pieces.get(0).rowGroup());
    BlockMetaData last = blocks.get(pieces.get(pieces.size() - 1).rowGroup());
    long start = first.getStartingPos();
    long end = last.getStartingPos() + last.getCompressedSize();
    long rows = 0;
    for (PageTask.Piece piece : pieces) {
      rows += piece.rows();
    }
    PartitionedFile file =
        PartitionedFile.apply(
            partitionValues,
            SparkPath.fromFileStatus(status),
            start,
            end - start,
            new String[0],
            status.getModificationTime(),
            status.getLen(),
            scala.collection.immutable.Map$.MODULE$.empty());
    return new Task(task, file, pieces.get(0).firstRow(), rows);
  }

  /** Spark's path's per-row columns: the pass-through columns, then {@code xent_score}'s. */
  private static StructType outputSchema(StructType input, List<String> passThrough) {
    StructType schema = new StructType();
    for (String name : passThrough) {
      schema = schema.add(input.apply(name));
    }
    for (StructField field : ScoringFunctions.SCORE_TYPE.fields()) {
      schema = schema.add(field);
    }
    return schema;
  }

  /** A prepared per-row run. */
  static final class Job {
    private final List<Task> tasks;
    private final Function1<PartitionedFile, scala.collection.Iterator<InternalRow>> reader;
    private final StructType schema;

    private Job(
        List<Task> tasks,
        Function1<PartitionedFile, scala.collection.Iterator<InternalRow>> reader,
        StructType schema) {
      this.tasks = tasks;
      this.reader = reader;
      this.schema = schema;
    }

    /**
     * Writes the per-row output and returns the run's evaluation. Under {@code strict} every row is
     * still written (as Spark's path writes per-row output before the gate) and the first invalid
     * row is found.
     */
    PagePath.Reduced write(
        SparkSession spark,
        Configuration hadoop,
        EvaluateConfig config,
        boolean keepPositions,
        boolean strict) {
      JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
      Broadcast<SerializableConfiguration> conf =
          context.broadcast(new SerializableConfiguration(hadoop));
      PagePath.TaskScorer scorer =
          PagePath.TaskScorer.of(config, tasks.size(), keepPositions, strict, false);
      try {
        List<PagePath.TaskResult> parts;
        String fallback =
            config.perRowFormat() != EvaluateConfig.Format.PARQUET
                ? "not Parquet"
                : PerRowParquet.unsupported(
                    ((org.apache.spark.sql.classic.SparkSession) spark)
                        .sessionState()
                        .newHadoopConf());
        if (fallback == null) {
          try {
            parts = writeParquet(spark, context, conf, scorer, config.perRow());
          } catch (IOException e) {
            throw new UncheckedIOException(
                "Cannot write --per-row to " + config.perRow() + ": " + e.getMessage(), e);
          }
        } else {
          parts = writeWithSpark(spark, context, conf, scorer, config);
        }
        if (parts.size() != tasks.size()) {
          throw new IllegalStateException(
              "Cannot evaluate: "
                  + parts.size()
                  + " of "
                  + tasks.size()
                  + " per-row tasks reported their rows");
        }
        return PagePath.merge(config.audit(), parts, keepPositions);
      } finally {
        conf.destroy();
      }
    }

    /** A task's scores, checked against the rows it was planned to have. */
    private static PagePath.RowScores score(
        PagePath.TaskScorer scorer,
        Broadcast<SerializableConfiguration> conf,
        Task task,
        PagePath.TaskResult[] result)
        throws IOException {
      PagePath.RowScores scores = new PagePath.RowScores();
      result[0] = scorer.score(conf.value().value(), task.pages(), scores);
      if (scores.count() != task.rows()) {
        throw new IOException(
            "Cannot write --per-row for "
                + task.pages()
                + ": scored "
                + scores.count()
                + " rows, planned "
                + task.rows());
      }
      return scores;
    }

    /** A task's evaluation and its committed file. */
    private record Written(PagePath.TaskResult result, FileCommitProtocol.TaskCommitMessage message)
        implements Serializable {}

    /**
     * Parquet through {@link PerRowParquet}: one job whose tasks score, write and commit their
     * file; the driver commits the job once every task has, or aborts it.
     */
    private List<PagePath.TaskResult> writeParquet(
        SparkSession spark,
        JavaSparkContext context,
        Broadcast<SerializableConfiguration> conf,
        PagePath.TaskScorer scorer,
        String dir)
        throws IOException {
      PerRowParquet.Commit commit = PerRowParquet.Commit.setUp(spark, schema, dir);
      Broadcast<SerializableConfiguration> writeConf =
          context.broadcast(new SerializableConfiguration(commit.conf()));
      var counter = RowCounter.counter(spark);
      var reader = this.reader;
      List<Written> written;
      try {
        written =
            context
                .parallelize(tasks, Math.max(1, tasks.size()))
                .mapPartitions(
                    (Iterator<Task> it) -> {
                      if (!it.hasNext()) {
                        return java.util.Collections.<Written>emptyIterator();
                      }
                      Task task = it.next();
                      PagePath.TaskResult[] result = new PagePath.TaskResult[1];
                      PagePath.RowScores scores = score(scorer, conf, task, result);
                      counter.add(result[0].evaluation().rowsAdded());
                      FileCommitProtocol.TaskCommitMessage message =
                          commit.writeTask(
                              writeConf.value().value(),
                              out -> {
                                PassThrough left = new PassThrough(task, reader);
                                out.write(scores, left::next);
                                left.finish();
                              });
                      return List.of(new Written(result[0], message)).iterator();
                    })
                .collect();
      } catch (Throwable e) {
        try {
          commit.abort();
        } catch (Throwable abort) {
          e.addSuppressed(abort);
        }
        throw e;
      } finally {
        writeConf.destroy();
      }
      List<FileCommitProtocol.TaskCommitMessage> messages = new ArrayList<>();
      List<PagePath.TaskResult> parts = new ArrayList<>();
      for (Written w : written) {
        messages.add(w.message());
        parts.add(w.result());
      }
      commit.commit(messages);
      return parts;
    }

    /** JSON and ORC, and Parquet with settings {@link PerRowParquet} does not carry over. */
    private List<PagePath.TaskResult> writeWithSpark(
        SparkSession spark,
        JavaSparkContext context,
        Broadcast<SerializableConfiguration> conf,
        PagePath.TaskScorer scorer,
        EvaluateConfig config) {
      CollectionAccumulator<PagePath.TaskResult> results =
          spark.sparkContext().collectionAccumulator("xent per-row tasks");
      var counter = RowCounter.counter(spark);
      var reader = this.reader;
      JavaRDD<InternalRow> rows =
          context
              .parallelize(tasks, Math.max(1, tasks.size()))
              .mapPartitions(
                  (Iterator<Task> it) -> {
                    if (!it.hasNext()) {
                      return java.util.Collections.emptyIterator();
                    }
                    Task task = it.next();
                    PagePath.TaskResult[] result = new PagePath.TaskResult[1];
                    PagePath.RowScores scores = score(scorer, conf, task, result);
                    counter.add(result[0].evaluation().rowsAdded());
                    return new OutputRows(
                        new PassThrough(task, reader), scores, () -> results.add(result[0]));
                  });
      ((org.apache.spark.sql.classic.SparkSession) spark)
          .internalCreateDataFrame(rows.rdd(), schema, false)
          .write()
          .mode(SaveMode.Overwrite)
          .format(config.perRowFormat().sparkName())
          .save(config.perRow());
      return results.value();
    }
  }

  /**
   * A task's pass-through rows from Spark's reader (the file's other columns and partition values),
   * row for row with the page reader's, or the file's partition values for every row when no file
   * column passes through.
   */
  private static final class PassThrough {
    private final Task task;
    private final scala.collection.Iterator<InternalRow> rows;
    private final InternalRow constant;

    PassThrough(
        Task task, Function1<PartitionedFile, scala.collection.Iterator<InternalRow>> reader) {
      this.task = task;
      if (reader == null) {
        this.rows = null;
        this.constant =
            task.file().partitionValues() == null
                ? new GenericInternalRow(0)
                : task.file().partitionValues();
      } else {
        this.rows = reader.apply(task.file());
        this.constant = null;
        for (long i = 0; i < task.skip(); i++) {
          next();
        }
      }
    }

    InternalRow next() {
      if (rows == null) {
        return constant;
      }
      if (!rows.hasNext()) {
        throw fail("Spark's reader has fewer rows than the page reader");
      }
      return rows.next();
    }

    /** After the task's last row: checks that Spark's reader has no more, and closes it. */
    void finish() {
      if (rows == null) {
        return;
      }
      // A whole-row-group task reads its byte range to the end: another row is a planning
      // error, not a row to drop.
      if (task.skip() == 0 && task.pages().pieces().get(0).wholeRowGroup() && rows.hasNext()) {
        throw fail("Spark's reader has more rows than the page reader");
      }
      if (rows instanceof Closeable closeable) {
        try {
          closeable.close();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
    }

    private IllegalStateException fail(String what) {
      return new IllegalStateException(
          "Cannot write --per-row for " + task.pages() + ": " + what + " (" + task.rows() + ")");
    }
  }

  /** xent_score's status codes, as Spark stores strings. */
  private static final UTF8String[] CODES = new UTF8String[Reason.values().length];

  static {
    for (Reason reason : Reason.values()) {
      CODES[reason.ordinal()] = UTF8String.fromString(reason.code());
    }
  }

  /**
   * A task's output rows for Spark's writer: the pass-through row joined with the row's scores. The
   * joined row is reused; Spark's scan copies each row into an UnsafeRow before asking for the
   * next.
   */
  private static final class OutputRows implements Iterator<InternalRow> {
    private final PassThrough passThrough;
    private final PagePath.RowScores scores;
    private final Runnable done;
    private final SpecificInternalRow score = new SpecificInternalRow(ScoringFunctions.SCORE_TYPE);
    private final JoinedRow joined = new JoinedRow();
    private int next;
    private boolean finished;

    OutputRows(PassThrough passThrough, PagePath.RowScores scores, Runnable done) {
      this.passThrough = passThrough;
      this.scores = scores;
      this.done = done;
    }

    @Override
    public boolean hasNext() {
      if (next < scores.count()) {
        return true;
      }
      if (!finished) {
        finished = true;
        passThrough.finish();
        done.run();
      }
      return false;
    }

    @Override
    public InternalRow next() {
      if (next >= scores.count()) {
        throw new NoSuchElementException();
      }
      InternalRow left = passThrough.next();
      int i = next++;
      Reason reason = scores.reason(i);
      if (reason.isOk()) {
        score.setDouble(0, scores.loss(i));
        score.setInt(1, scores.predicted(i));
        score.setBoolean(2, scores.correct(i));
      } else {
        score.setNullAt(0);
        score.setNullAt(1);
        score.setNullAt(2);
      }
      score.update(3, CODES[reason.ordinal()]);
      return joined.apply(left, score);
    }
  }
}
