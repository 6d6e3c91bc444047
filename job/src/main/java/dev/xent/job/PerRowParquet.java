package dev.xent.job;

import dev.xent.kernel.Reason;
import java.io.Closeable;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.mapreduce.Job;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.TaskID;
import org.apache.hadoop.mapreduce.TaskType;
import org.apache.hadoop.mapreduce.lib.output.FileOutputFormat;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.CodecFactory;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetOutputFormat;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopOutputFile;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.apache.spark.TaskContext;
import org.apache.spark.internal.io.FileCommitProtocol;
import org.apache.spark.internal.io.FileNameSpec;
import org.apache.spark.internal.io.SparkHadoopWriterUtils;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.execution.datasources.parquet.ParquetOptions;
import org.apache.spark.sql.execution.datasources.parquet.ParquetUtils;
import org.apache.spark.sql.execution.datasources.parquet.ParquetWriteSupport;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Per-row Parquet output without Spark's row writer: each task writes its file with parquet-java's
 * column writers, the four score columns straight from the task's score arrays and the pass-through
 * columns through Spark's own {@link ParquetWriteSupport} (so their Parquet types and values are
 * Spark's), inside Spark's commit protocol ({@link FileCommitProtocol}, the class and settings
 * Spark's Parquet writer uses). Spark's writer spent most of a per-row run turning every row into
 * an UnsafeRow and walking it field by field through generic writers.
 */
final class PerRowParquet {
  private PerRowParquet() {}

  /**
   * Why Spark's writer must write this output instead (null when this one can): settings this
   * writer does not carry over.
   */
  static String unsupported(Configuration conf) {
    if (conf.get("parquet.crypto.factory.class") != null) {
      return "Parquet encryption (parquet.crypto.factory.class) is set";
    }
    return null;
  }

  /** The driver's half of the commit protocol, and what each task needs to take part in it. */
  static final class Commit implements Serializable {
    private final FileCommitProtocol committer;
    private final String jobTrackerId;
    private final String extension;
    private final StructType schema;
    private final transient Job job;

    private Commit(
        FileCommitProtocol committer,
        String jobTrackerId,
        String extension,
        StructType schema,
        Job job) {
      this.committer = committer;
      this.jobTrackerId = jobTrackerId;
      this.extension = extension;
      this.schema = schema;
      this.job = job;
    }

    /**
     * Sets up the job as Spark's {@code df.write.mode(Overwrite).parquet(dir)} does: the same
     * Parquet settings ({@link ParquetUtils#prepareWrite}), the session's commit protocol, the old
     * output removed through the committer, then {@code setupJob}.
     */
    static Commit setUp(SparkSession spark, StructType schema, String dir) throws IOException {
      var classic = (org.apache.spark.sql.classic.SparkSession) spark;
      SQLConf sql = classic.sessionState().conf();
      Job job = Job.getInstance(classic.sessionState().newHadoopConf());
      job.setOutputKeyClass(Void.class);
      job.setOutputValueClass(InternalRow.class);
      Path path = new Path(dir);
      FileSystem fs = path.getFileSystem(job.getConfiguration());
      Path qualified = fs.makeQualified(path);
      FileOutputFormat.setOutputPath(job, qualified);
      ParquetUtils.prepareWrite(
          sql,
          job,
          schema,
          new ParquetOptions(scala.collection.immutable.Map$.MODULE$.<String, String>empty(), sql));
      CompressionCodecName codec =
          CompressionCodecName.fromConf(
              job.getConfiguration().get(ParquetOutputFormat.COMPRESSION));
      FileCommitProtocol committer =
          FileCommitProtocol.instantiate(
              sql.fileCommitProtocolClass(),
              UUID.randomUUID().toString(),
              qualified.toString(),
              false);
      if (fs.exists(qualified) && !committer.deleteWithJob(fs, qualified, true)) {
        throw new IOException("Cannot write --per-row: cannot delete the old " + qualified);
      }
      committer.setupJob(job);
      return new Commit(
          committer,
          SparkHadoopWriterUtils.createJobTrackerID(new Date()),
          codec.getExtension() + ".parquet",
          schema,
          job);
    }

    Configuration conf() {
      return job.getConfiguration();
    }

    void commit(List<FileCommitProtocol.TaskCommitMessage> messages) {
      committer.commitJob(job, CollectionConverters.asScala(messages).toList());
    }

    void abort() {
      committer.abortJob(job);
    }

    /**
     * Task side: writes one file of the job with {@code body} and commits it; aborts the task
     * attempt (its file is never moved into the output) if anything fails.
     */
    FileCommitProtocol.TaskCommitMessage writeTask(Configuration jobConf, FileBody body)
        throws Exception {
      TaskContext task = TaskContext.get();
      org.apache.hadoop.mapred.JobID jobId =
          SparkHadoopWriterUtils.createJobID(jobTrackerId, task.stageId());
      TaskAttemptID attempt =
          new TaskAttemptID(
              new TaskID(jobId, TaskType.MAP, task.partitionId()), task.attemptNumber());
      // As Spark's FileFormatWriter sets them: the committer finds its paths through these.
      Configuration conf = new Configuration(jobConf);
      conf.set("mapreduce.job.id", jobId.toString());
      conf.set("mapreduce.task.id", attempt.getTaskID().toString());
      conf.set("mapreduce.task.attempt.id", attempt.toString());
      conf.setBoolean("mapreduce.task.ismap", true);
      conf.setInt("mapreduce.task.partition", 0);
      TaskAttemptContext context = new TaskAttemptContextImpl(conf, attempt);
      committer.setupTask(context);
      try {
        String file =
            committer.newTaskTempFile(context, Option.empty(), FileNameSpec.apply("", extension));
        try (ScoreFile out = new ScoreFile(conf, new Path(file), schema)) {
          body.write(out);
        }
        return committer.commitTask(context);
      } catch (Throwable e) {
        try {
          committer.abortTask(context);
        } catch (Throwable abort) {
          e.addSuppressed(abort);
        }
        throw e;
      }
    }
  }

  /** What a task writes into its file. */
  interface FileBody {
    void write(ScoreFile out) throws IOException;
  }

  /** xent_score's status codes as Parquet strings. */
  private static final Binary[] CODES = new Binary[Reason.values().length];

  static {
    for (Reason reason : Reason.values()) {
      CODES[reason.ordinal()] =
          Binary.fromConstantByteArray(reason.code().getBytes(StandardCharsets.UTF_8));
    }
  }

  /** Row groups are checked for size every this many rows at least (as parquet-java's writer). */
  private static final long MIN_ROWS_FOR_CHECK = 100;

  private static final long MAX_ROWS_FOR_CHECK = 10_000;

  /**
   * One per-row Parquet file: the pass-through columns then loss, predicted, correct, status, with
   * the Parquet schema and footer metadata Spark's writer gives {@code schema}.
   */
  static final class ScoreFile implements Closeable {
    private final MessageType messageType;
    private final Map<String, String> metadata;
    private final ParquetProperties props;
    private final ParquetFileWriter file;
    private final CodecFactory codecs;
    private final CodecFactory.BytesCompressor compressor;
    private final long rowGroupSize;
    private final int passThroughCount;
    private final ParquetWriteSupport passThrough;
    private final MessageType passThroughType;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore columns;
    private ColumnWriter loss;
    private ColumnWriter predicted;
    private ColumnWriter correct;
    private ColumnWriter status;
    private RecordConsumer consumer;
    private int rowGroupOrdinal;
    private long rows;
    private long nextCheck = MIN_ROWS_FOR_CHECK;

    ScoreFile(Configuration conf, Path path, StructType schema) throws IOException {
      WriteSupport.WriteContext whole = new ParquetWriteSupport().init(conf);
      this.messageType = whole.getSchema();
      this.metadata = new HashMap<>(whole.getExtraMetaData());
      this.passThroughCount = schema.size() - 4;
      if (passThroughCount > 0) {
        Configuration passConf = new Configuration(conf);
        StructType passSchema = new StructType();
        for (int i = 0; i < passThroughCount; i++) {
          passSchema = passSchema.add(schema.fields()[i]);
        }
        ParquetWriteSupport.setSchema(passSchema, passConf);
        this.passThrough = new ParquetWriteSupport();
        this.passThroughType = passThrough.init(passConf).getSchema();
        for (int i = 0; i < passThroughCount; i++) {
          if (!passThroughType.getType(i).equals(messageType.getType(i))) {
            throw new IllegalStateException(
                "Cannot write --per-row to "
                    + path
                    + ": Spark's Parquet type of column "
                    + i
                    + " alone is "
                    + passThroughType.getType(i)
                    + ", in the whole schema "
                    + messageType.getType(i));
          }
        }
      } else {
        this.passThrough = null;
        this.passThroughType = null;
      }
      this.props = properties(conf);
      this.rowGroupSize = ParquetOutputFormat.getLongBlockSize(conf);
      this.file =
          new ParquetFileWriter(
              HadoopOutputFile.fromPath(path, conf),
              messageType,
              ParquetFileWriter.Mode.CREATE,
              rowGroupSize,
              conf.getInt(
                  ParquetOutputFormat.MAX_PADDING_BYTES, ParquetWriter.MAX_PADDING_SIZE_DEFAULT),
              null,
              props);
      file.start();
      this.codecs = new CodecFactory(conf, props.getPageSizeThreshold());
      this.compressor =
          codecs.getCompressor(
              CompressionCodecName.fromConf(conf.get(ParquetOutputFormat.COMPRESSION)));
      startRowGroup();
    }

    /**
     * parquet-java's writer settings as {@code ParquetOutputFormat} reads them, except that the
     * loss gets no dictionary unless one is asked for: a loss repeats too rarely for one, and
     * parquet-java tries one per column chunk before falling back.
     */
    private static ParquetProperties properties(Configuration conf) {
      ParquetProperties.Builder builder =
          ParquetProperties.builder()
              .withPageSize(ParquetOutputFormat.getPageSize(conf))
              .withDictionaryPageSize(ParquetOutputFormat.getDictionaryPageSize(conf))
              .withDictionaryEncoding(ParquetOutputFormat.getEnableDictionary(conf))
              .withWriterVersion(ParquetOutputFormat.getWriterVersion(conf))
              .withPageRowCountLimit(
                  conf.getInt(
                      ParquetOutputFormat.PAGE_ROW_COUNT_LIMIT,
                      ParquetProperties.DEFAULT_PAGE_ROW_COUNT_LIMIT))
              .withPageWriteChecksumEnabled(ParquetOutputFormat.getPageWriteChecksumEnabled(conf))
              .withColumnIndexTruncateLength(
                  conf.getInt(
                      ParquetOutputFormat.COLUMN_INDEX_TRUNCATE_LENGTH,
                      ParquetProperties.DEFAULT_COLUMN_INDEX_TRUNCATE_LENGTH))
              .withStatisticsTruncateLength(
                  conf.getInt(
                      ParquetOutputFormat.STATISTICS_TRUNCATE_LENGTH,
                      ParquetProperties.DEFAULT_STATISTICS_TRUNCATE_LENGTH));
      String prefix = ParquetOutputFormat.ENABLE_DICTIONARY + "#";
      boolean lossAsked = false;
      for (Map.Entry<String, String> entry : conf) {
        if (entry.getKey().startsWith(prefix)) {
          String column = entry.getKey().substring(prefix.length());
          builder.withDictionaryEncoding(column, Boolean.parseBoolean(entry.getValue()));
          lossAsked |= column.equals("loss");
        }
      }
      if (!lossAsked) {
        builder.withDictionaryEncoding("loss", false);
      }
      return builder.build();
    }

    private void startRowGroup() {
      pages =
          new ColumnChunkPageWriteStore(
              compressor,
              messageType,
              props.getAllocator(),
              props.getColumnIndexTruncateLength(),
              props.getPageWriteChecksumEnabled(),
              file.getEncryptor(),
              rowGroupOrdinal);
      columns = props.newColumnWriteStore(messageType, pages, pages);
      List<ColumnDescriptor> descriptors = messageType.getColumns();
      int n = descriptors.size();
      loss = columns.getColumnWriter(descriptors.get(n - 4));
      predicted = columns.getColumnWriter(descriptors.get(n - 3));
      correct = columns.getColumnWriter(descriptors.get(n - 2));
      status = columns.getColumnWriter(descriptors.get(n - 1));
      if (passThrough != null) {
        consumer = new ColumnIOFactory(false).getColumnIO(passThroughType).getRecordWriter(columns);
        passThrough.prepareForWrite(consumer);
      }
    }

    /**
     * Appends a row: its scores (loss, predicted and correct null unless {@code reason} is OK) and,
     * when the file has pass-through columns, {@code left}'s values of them.
     */
    void write(
        InternalRow left, Reason reason, double lossValue, int predictedValue, boolean isCorrect)
        throws IOException {
      if (reason.isOk()) {
        loss.write(lossValue, 0, 1);
        predicted.write(predictedValue, 0, 1);
        correct.write(isCorrect, 0, 1);
      } else {
        loss.writeNull(0, 0);
        predicted.writeNull(0, 0);
        correct.writeNull(0, 0);
      }
      status.write(CODES[reason.ordinal()], 0, 0);
      if (passThrough != null) {
        // Ends the record: Spark's write support closes the message it starts.
        passThrough.write(left);
      } else {
        columns.endRecord();
      }
      rows++;
      if (rows >= nextCheck) {
        checkRowGroupSize();
      }
    }

    /** parquet-java's rule: close the row group when one more row's worth would overflow it. */
    private void checkRowGroupSize() throws IOException {
      long buffered = columns.getBufferedSize();
      long rowSize = Math.max(1, buffered / rows);
      if (buffered > rowGroupSize - 2 * rowSize) {
        long written = rows;
        flushRowGroup();
        startRowGroup();
        nextCheck = Math.min(Math.max(MIN_ROWS_FOR_CHECK, written / 2), MAX_ROWS_FOR_CHECK);
      } else {
        nextCheck = Math.min((rows + rowGroupSize / rowSize) / 2, rows + MAX_ROWS_FOR_CHECK);
      }
    }

    private void flushRowGroup() throws IOException {
      if (consumer != null) {
        // The record consumer holds back the nulls of null groups until flushed.
        consumer.flush();
      }
      if (rows > 0) {
        file.startBlock(rows);
        columns.flush();
        pages.flushToFileWriter(file);
        file.endBlock();
        rowGroupOrdinal++;
      }
      columns.close();
      pages.close();
      rows = 0;
    }

    @Override
    public void close() throws IOException {
      try {
        flushRowGroup();
        file.end(metadata);
      } finally {
        codecs.release();
      }
    }
  }
}
