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
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageWriter;
import org.apache.parquet.column.statistics.Statistics;
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
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;
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
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
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
      // The job's and its tasks' directories and files on a local disk, without a chmod process
      // for each (the tasks' configurations are copies of this one).
      ForklessLocalFileSystem.useFor(job.getConfiguration());
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

  /**
   * One per-row Parquet file: the pass-through columns then loss, predicted, correct, status, with
   * the Parquet schema and footer metadata Spark's writer gives {@code schema}. The pass-through
   * columns go through parquet-java's column writers; the score columns are encoded here, a page at
   * a time from the task's score arrays (the per-value work of parquet-java's writers was most of
   * what remained of a per-row run's cost): definition levels as RLE runs, loss, predicted and
   * correct PLAIN, the status dictionary-encoded. Pages are handed to parquet-java's page store,
   * which compresses, checksums and indexes them as it does its own.
   */
  static final class ScoreFile implements Closeable {
    private final MessageType messageType;
    private final Map<String, String> metadata;
    private final ParquetProperties props;
    private final ParquetFileWriter file;
    private final CodecFactory codecs;
    private final CodecFactory.BytesCompressor compressor;
    private final long rowGroupSize;
    private final int pageRows;
    private final ParquetWriteSupport passThrough;
    private final MessageType passThroughType;
    private final DataType[] flatTypes;
    private final ColumnWriter[] flat;
    private final int[] flatDefinition;
    private final ColumnDescriptor[] scoreColumns = new ColumnDescriptor[4];
    private final PageWriter[] scorePages = new PageWriter[4];
    private final Bytes levels = new Bytes();
    private final Bytes values = new Bytes();
    private final StatusDictionary status = new StatusDictionary();
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore columns;
    private RecordConsumer consumer;
    private int rowGroupOrdinal;
    private long rows;

    ScoreFile(Configuration conf, Path path, StructType schema) throws IOException {
      WriteSupport.WriteContext whole = new ParquetWriteSupport().init(conf);
      this.messageType = whole.getSchema();
      this.metadata = new HashMap<>(whole.getExtraMetaData());
      int passThroughCount = schema.size() - 4;
      List<ColumnDescriptor> descriptors = messageType.getColumns();
      for (int j = 0; j < 4; j++) {
        scoreColumns[j] = descriptors.get(descriptors.size() - 4 + j);
      }
      checkScoreColumns(path);
      if (passThroughCount > 0) {
        Configuration passConf = new Configuration(conf);
        StructType passSchema = new StructType();
        for (int i = 0; i < passThroughCount; i++) {
          passSchema = passSchema.add(schema.fields()[i]);
        }
        ParquetWriteSupport.setSchema(passSchema, passConf);
        this.passThrough = new ParquetWriteSupport();
        this.passThroughType = passThrough.init(passConf).getSchema();
        this.flatTypes = flatTypes(passSchema, passThroughType);
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
        this.flatTypes = null;
      }
      this.flat = flatTypes == null ? null : new ColumnWriter[flatTypes.length];
      this.flatDefinition = flatTypes == null ? null : new int[flatTypes.length];
      for (int k = 0; flatTypes != null && k < flatTypes.length; k++) {
        flatDefinition[k] = passThroughType.getColumns().get(k).getMaxDefinitionLevel();
      }
      this.props = properties(conf);
      // A page of doubles stays within the page size, and within parquet-java's row limit.
      this.pageRows =
          Math.max(1, Math.min(props.getPageRowCountLimit(), props.getPageSizeThreshold() / 8));
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

    /** The encoders below write exactly these four Parquet columns. */
    private void checkScoreColumns(Path path) {
      String[] expected = {
        "optional double loss", "optional int32 predicted",
        "optional boolean correct", "required binary status (STRING)"
      };
      for (int j = 0; j < 4; j++) {
        String got = messageType.getType(messageType.getFieldCount() - 4 + j).toString();
        if (!got.equals(expected[j]) || scoreColumns[j].getMaxRepetitionLevel() != 0) {
          throw new IllegalStateException(
              "Cannot write --per-row to "
                  + path
                  + ": Spark's Parquet type of score column "
                  + j
                  + " is '"
                  + got
                  + "', not '"
                  + expected[j]
                  + "'");
        }
      }
    }

    /** parquet-java's writer settings as {@code ParquetOutputFormat} reads them. */
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
      for (Map.Entry<String, String> entry : conf) {
        if (entry.getKey().startsWith(prefix)) {
          builder.withDictionaryEncoding(
              entry.getKey().substring(prefix.length()), Boolean.parseBoolean(entry.getValue()));
        }
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
      for (int j = 0; j < 4; j++) {
        scorePages[j] = pages.getPageWriter(scoreColumns[j]);
      }
      status.reset();
      if (passThrough != null) {
        // The pass-through columns' writers write into the same row group's page store.
        columns = props.newColumnWriteStore(passThroughType, pages, pages);
        consumer = new ColumnIOFactory(false).getColumnIO(passThroughType).getRecordWriter(columns);
        passThrough.prepareForWrite(consumer);
        if (flatTypes != null) {
          for (int k = 0; k < flatTypes.length; k++) {
            flat[k] = columns.getColumnWriter(passThroughType.getColumns().get(k));
          }
        }
      }
    }

    /**
     * Writes the task's rows: row {@code i} has {@code left}'s {@code i}-th row's pass-through
     * values (asked for once a row, in order, only when the file has pass-through columns) and
     * {@code scores}' {@code i}-th scores.
     */
    void write(PagePath.RowScores scores, java.util.function.Supplier<InternalRow> left)
        throws IOException {
      int n = scores.count();
      for (int from = 0; from < n; from += pageRows) {
        int to = Math.min(n, from + pageRows);
        if (passThrough != null) {
          for (int i = from; i < to; i++) {
            if (flatTypes != null) {
              writeFlat(left.get());
            } else {
              // Ends the record: Spark's write support closes the message it starts.
              passThrough.write(left.get());
            }
          }
        }
        writeScorePages(scores, from, to);
        rows += to - from;
        long buffered = columns == null ? 0 : columns.getBufferedSize();
        for (PageWriter page : scorePages) {
          buffered += page.getMemSize();
        }
        if (buffered >= rowGroupSize) {
          flushRowGroup();
          startRowGroup();
        }
      }
    }

    private static final DataType[] FLAT = {
      DataTypes.LongType,
      DataTypes.IntegerType,
      DataTypes.DoubleType,
      DataTypes.StringType,
      DataTypes.FloatType,
      DataTypes.BooleanType,
      DataTypes.ShortType,
      DataTypes.ByteType
    };

    /**
     * Which of Spark's types the pass-through columns have, when every one is a top-level primitive
     * written as Spark's write support writes it (the same Parquet value), else null.
     */
    private static DataType[] flatTypes(StructType passSchema, MessageType passType) {
      DataType[] types = new DataType[passSchema.size()];
      for (int k = 0; k < types.length; k++) {
        DataType type = passSchema.fields()[k].dataType();
        Type parquet = passType.getType(k);
        if (!parquet.isPrimitive() || parquet.isRepetition(Type.Repetition.REPEATED)) {
          return null;
        }
        PrimitiveType.PrimitiveTypeName name = parquet.asPrimitiveType().getPrimitiveTypeName();
        boolean same =
            type.equals(DataTypes.LongType)
                    && name == PrimitiveType.PrimitiveTypeName.INT64
                    && parquet.getLogicalTypeAnnotation() == null
                || (type.equals(DataTypes.IntegerType)
                        || type.equals(DataTypes.ShortType)
                        || type.equals(DataTypes.ByteType))
                    && name == PrimitiveType.PrimitiveTypeName.INT32
                || type.equals(DataTypes.DoubleType)
                    && name == PrimitiveType.PrimitiveTypeName.DOUBLE
                || type.equals(DataTypes.FloatType) && name == PrimitiveType.PrimitiveTypeName.FLOAT
                || type.equals(DataTypes.BooleanType)
                    && name == PrimitiveType.PrimitiveTypeName.BOOLEAN
                || type.equals(DataTypes.StringType)
                    && name == PrimitiveType.PrimitiveTypeName.BINARY;
        if (!same) {
          return null;
        }
        // The constant itself: writeFlat tells the types apart by identity.
        for (DataType flat : FLAT) {
          if (flat.equals(type)) {
            types[k] = flat;
          }
        }
      }
      return types;
    }

    /**
     * A row of flat pass-through columns straight into their column writers: what Spark's write
     * support does for these types without its per-field closures and parquet-java's record
     * consumer.
     */
    private void writeFlat(InternalRow row) {
      for (int k = 0; k < flatTypes.length; k++) {
        ColumnWriter w = flat[k];
        int d = flatDefinition[k];
        if (row.isNullAt(k)) {
          if (d == 0) {
            throw new IllegalStateException(
                "Cannot write --per-row: a null in required pass-through column " + k);
          }
          w.writeNull(0, 0);
          continue;
        }
        DataType type = flatTypes[k];
        if (type == DataTypes.LongType) {
          w.write(row.getLong(k), 0, d);
        } else if (type == DataTypes.IntegerType) {
          w.write(row.getInt(k), 0, d);
        } else if (type == DataTypes.DoubleType) {
          w.write(row.getDouble(k), 0, d);
        } else if (type == DataTypes.StringType) {
          w.write(Binary.fromReusedByteArray(row.getUTF8String(k).getBytes()), 0, d);
        } else if (type == DataTypes.FloatType) {
          w.write(row.getFloat(k), 0, d);
        } else if (type == DataTypes.BooleanType) {
          w.write(row.getBoolean(k), 0, d);
        } else if (type == DataTypes.ShortType) {
          w.write((int) row.getShort(k), 0, d);
        } else {
          w.write((int) row.getByte(k), 0, d);
        }
      }
      columns.endRecord();
    }

    /** One page of each score column for rows {@code from} to {@code to}. */
    private void writeScorePages(PagePath.RowScores scores, int from, int to) throws IOException {
      int count = to - from;
      // Definition levels (1 for a scored row, 0 for null scores) are shared by the three
      // optional columns; V1 pages prefix them with their length.
      levels.clear();
      levels.putIntLE(0);
      int ok = 0;
      for (int i = from; i < to; ) {
        boolean isOk = scores.reason(i).isOk();
        int run = i + 1;
        while (run < to && scores.reason(run).isOk() == isOk) {
          run++;
        }
        levels.putRun(run - i, isOk ? 1 : 0, 1);
        if (isOk) {
          ok += run - i;
        }
        i = run;
      }
      levels.setIntLE(0, levels.size() - 4);
      int nulls = count - ok;

      Statistics<?> lossStats = Statistics.createStats(scoreColumns[0].getPrimitiveType());
      values.clear();
      values.ensure(8 * ok);
      for (int i = from; i < to; i++) {
        if (scores.reason(i).isOk()) {
          double v = scores.loss(i);
          values.putDoubleLE(v);
          lossStats.updateStats(v);
        }
      }
      page(0, count, lossStats, nulls, Encoding.RLE, Encoding.PLAIN);

      Statistics<?> predictedStats = Statistics.createStats(scoreColumns[1].getPrimitiveType());
      values.clear();
      values.ensure(4 * ok);
      for (int i = from; i < to; i++) {
        if (scores.reason(i).isOk()) {
          int v = scores.predicted(i);
          values.putIntLE(v);
          predictedStats.updateStats(v);
        }
      }
      page(1, count, predictedStats, nulls, Encoding.RLE, Encoding.PLAIN);

      // PLAIN booleans: one bit each, the first in the lowest bit.
      Statistics<?> correctStats = Statistics.createStats(scoreColumns[2].getPrimitiveType());
      values.clear();
      values.ensure((ok + 7) / 8);
      int bits = 0;
      int filled = 0;
      boolean anyTrue = false;
      boolean anyFalse = false;
      for (int i = from; i < to; i++) {
        if (scores.reason(i).isOk()) {
          boolean v = scores.correct(i);
          anyTrue |= v;
          anyFalse |= !v;
          bits |= (v ? 1 : 0) << filled;
          if (++filled == 8) {
            values.put((byte) bits);
            bits = 0;
            filled = 0;
          }
        }
      }
      if (filled > 0) {
        values.put((byte) bits);
      }
      if (anyFalse) {
        correctStats.updateStats(false);
      }
      if (anyTrue) {
        correctStats.updateStats(true);
      }
      page(2, count, correctStats, nulls, Encoding.RLE, Encoding.PLAIN);

      // The status: dictionary ids of the row group's dictionary, RLE runs of a fixed width.
      Statistics<?> statusStats = Statistics.createStats(scoreColumns[3].getPrimitiveType());
      boolean[] seen = new boolean[CODES.length];
      values.clear();
      values.put((byte) StatusDictionary.BIT_WIDTH);
      for (int i = from; i < to; ) {
        Reason reason = scores.reason(i);
        int run = i + 1;
        while (run < to && scores.reason(run) == reason) {
          run++;
        }
        values.putRun(run - i, status.id(reason), StatusDictionary.BIT_WIDTH);
        seen[reason.ordinal()] = true;
        i = run;
      }
      for (int r = 0; r < seen.length; r++) {
        if (seen[r]) {
          statusStats.updateStats(CODES[r]);
        }
      }
      levels.clear();
      page(3, count, statusStats, 0, Encoding.BIT_PACKED, Encoding.PLAIN_DICTIONARY);
    }

    /** Hands column {@code j}'s page (the levels, then the values) to the page store. */
    private void page(
        int j,
        int count,
        Statistics<?> stats,
        long nulls,
        Encoding definitionEncoding,
        Encoding valueEncoding)
        throws IOException {
      stats.incrementNumNulls(nulls);
      // The page store copies the bytes (compressed or not) before this returns.
      scorePages[j].writePage(
          BytesInput.concat(levels.input(), values.input()),
          count,
          count,
          stats,
          Encoding.BIT_PACKED,
          definitionEncoding,
          valueEncoding);
    }

    private void flushRowGroup() throws IOException {
      if (consumer != null) {
        // The record consumer holds back the nulls of null groups until flushed.
        consumer.flush();
      }
      if (rows > 0) {
        scorePages[3].writeDictionaryPage(status.page());
        file.startBlock(rows);
        if (columns != null) {
          columns.flush();
        }
        pages.flushToFileWriter(file);
        file.endBlock();
        rowGroupOrdinal++;
      }
      if (columns != null) {
        columns.close();
      }
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

  /** A row group's status dictionary: the codes in the order they first appear. */
  private static final class StatusDictionary {
    /** Wide enough for the id of every status. */
    static final int BIT_WIDTH = 32 - Integer.numberOfLeadingZeros(CODES.length - 1);

    private final int[] ids = new int[CODES.length];
    private final List<Reason> order = new java.util.ArrayList<>();

    void reset() {
      java.util.Arrays.fill(ids, -1);
      order.clear();
    }

    int id(Reason reason) {
      int id = ids[reason.ordinal()];
      if (id < 0) {
        id = order.size();
        ids[reason.ordinal()] = id;
        order.add(reason);
      }
      return id;
    }

    /** PLAIN strings: a little-endian length, then the bytes. */
    DictionaryPage page() {
      Bytes bytes = new Bytes();
      for (Reason reason : order) {
        Binary code = CODES[reason.ordinal()];
        bytes.putIntLE(code.length());
        for (byte b : code.getBytesUnsafe()) {
          bytes.put(b);
        }
      }
      return new DictionaryPage(bytes.input(), order.size(), Encoding.PLAIN_DICTIONARY);
    }
  }

  /** A growing little-endian byte buffer. */
  private static final class Bytes {
    private byte[] bytes = new byte[1 << 12];
    private int size;

    void clear() {
      size = 0;
    }

    int size() {
      return size;
    }

    void ensure(int more) {
      if (size + more > bytes.length) {
        bytes = java.util.Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
      }
    }

    void put(byte b) {
      ensure(1);
      bytes[size++] = b;
    }

    void putIntLE(int v) {
      ensure(4);
      INT_LE.set(bytes, size, v);
      size += 4;
    }

    void setIntLE(int at, int v) {
      INT_LE.set(bytes, at, v);
    }

    void putDoubleLE(double v) {
      ensure(8);
      DOUBLE_LE.set(bytes, size, v);
      size += 8;
    }

    /**
     * An RLE run of the RLE/bit-packing hybrid: the ULEB128 header {@code count << 1}, then the
     * value in {@code ceil(bitWidth / 8)} little-endian bytes.
     */
    void putRun(int count, int value, int bitWidth) {
      long header = (long) count << 1;
      while ((header & ~0x7FL) != 0) {
        put((byte) ((header & 0x7F) | 0x80));
        header >>>= 7;
      }
      put((byte) header);
      for (int b = 0; b < (bitWidth + 7) / 8; b++) {
        put((byte) (value >>> (8 * b)));
      }
    }

    BytesInput input() {
      return BytesInput.from(bytes, 0, size);
    }
  }

  private static final java.lang.invoke.VarHandle INT_LE =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          int[].class, java.nio.ByteOrder.LITTLE_ENDIAN);

  private static final java.lang.invoke.VarHandle DOUBLE_LE =
      java.lang.invoke.MethodHandles.byteArrayViewVarHandle(
          double[].class, java.nio.ByteOrder.LITTLE_ENDIAN);
}
