package dev.xent.job.page;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * The driver's half of the page reader: reads every file's footer, checks that the page reader can
 * read the logits and label columns of every row group, and groups row groups into tasks. Anything
 * it cannot read exactly becomes an {@link #unsupportedReason()}, never a wrong answer.
 */
public final class PagePlan implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Encodings of the logits chunk that {@link PageRowReader} decodes itself. */
  static final Set<Encoding> LOGITS_ENCODINGS =
      EnumSet.of(
          Encoding.PLAIN,
          Encoding.PLAIN_DICTIONARY,
          Encoding.RLE_DICTIONARY,
          Encoding.BYTE_STREAM_SPLIT,
          Encoding.RLE);

  private final List<PageTask> tasks;
  private final String unsupportedReason;
  private final boolean doublePrecision;
  private final long rows;
  private final List<String> columns;

  private PagePlan(
      List<PageTask> tasks,
      String unsupportedReason,
      boolean doublePrecision,
      long rows,
      List<String> columns) {
    this.tasks = List.copyOf(tasks);
    this.unsupportedReason = unsupportedReason;
    this.doublePrecision = doublePrecision;
    this.rows = rows;
    this.columns = List.copyOf(columns);
  }

  /** Tasks are not made smaller than this to balance the load (Spark's default open cost). */
  static final long MIN_BALANCED_TASK_BYTES = 4L << 20;

  /** Tasks per core that the planner aims for, so that no core is left with the last big one. */
  static final int TASKS_PER_CORE = 3;

  /**
   * Plans {@code files} for {@code parallelism} cores: the task size is {@code maxTaskBytes}, or
   * less so that there are about {@link #TASKS_PER_CORE} tasks per core (never below {@link
   * #MIN_BALANCED_TASK_BYTES}). Consecutive row groups of a file go into one task up to that size;
   * a larger row group is split at logits page boundaries when both columns have an offset index
   * (pages then begin on row boundaries, as the format requires), else it is a task of its own.
   * Tasks are ordered largest first.
   */
  public static PagePlan plan(
      Configuration conf,
      List<String> files,
      String logitsColumn,
      String labelColumn,
      String weightColumn,
      long maxTaskBytes,
      int parallelism)
      throws IOException {
    return plan(
        conf, files, Map.of(), logitsColumn, labelColumn, weightColumn, maxTaskBytes, parallelism);
  }

  /**
   * As above, with the footers the caller already read ({@code footers}, by file; a file not in it
   * is read here). A file with a known footer is opened only if one of its row groups is to be
   * split (for the offset index): on an object store every footer read costs two GET requests.
   */
  public static PagePlan plan(
      Configuration conf,
      List<String> files,
      Map<String, ParquetMetadata> footers,
      String logitsColumn,
      String labelColumn,
      String weightColumn,
      long maxTaskBytes,
      int parallelism)
      throws IOException {
    return plan(
        conf,
        files,
        footers,
        logitsColumn,
        labelColumn,
        weightColumn,
        RowShape.SPARSE,
        maxTaskBytes,
        parallelism);
  }

  /**
   * As above for a request of {@code shape}: {@code labelColumn} is the target column of a dense or
   * sigmoid request. Its row groups split like the sparse path's: the target's pages overlapping a
   * run of logits pages are read with it and the rows outside the run skipped, so a list target
   * needs an offset index as a scalar label does.
   */
  public static PagePlan plan(
      Configuration conf,
      List<String> files,
      Map<String, ParquetMetadata> footers,
      String logitsColumn,
      String labelColumn,
      String weightColumn,
      RowShape shape,
      long maxTaskBytes,
      int parallelism)
      throws IOException {
    List<FilePlan> plans = new ArrayList<>();
    Boolean doubles = null;
    PrimitiveTypeName labelType = null;
    PrimitiveTypeName weightType = null;
    Boolean scalarLogits = null;
    long rows = 0;
    long totalBytes = 0;
    List<String> columns = new ArrayList<>();
    for (String file : files) {
      String name = new Path(file).getName();
      FilePlan plan;
      try (FooterReader reader = new FooterReader(conf, new Path(file), footers.get(file))) {
        ParquetMetadata footer = reader.footer();
        FileMetaData meta = footer.getFileMetaData();
        if (meta.getEncryptionType() != FileMetaData.EncryptionType.UNENCRYPTED) {
          return unsupported(name + " is encrypted");
        }
        ColumnLayout layout;
        try {
          layout =
              ColumnLayout.analyze(
                  meta.getSchema(), logitsColumn, labelColumn, weightColumn, shape, name);
        } catch (ColumnLayout.Unsupported e) {
          return unsupported(e.getMessage());
        }
        if (doubles == null) {
          doubles = layout.doubleLogits;
          meta.getSchema().getFields().forEach(field -> columns.add(field.getName()));
          labelType = layout.labelType();
          weightType = layout.weightType();
          scalarLogits = layout.scalarLogits;
        } else if (doubles != layout.doubleLogits
            || labelType != layout.labelType()
            || weightType != layout.weightType()
            || scalarLogits != layout.scalarLogits) {
          return unsupported("column types differ between files (" + name + ")");
        }
        plan = new FilePlan(file, footer.getBlocks());
        String unsupported =
            plan.readChunks(
                reader,
                logitsColumn,
                labelColumn,
                weightColumn,
                shape.targetRows(),
                layout.scalarLogits,
                name,
                maxTaskBytes);
        if (unsupported != null) {
          return unsupported(unsupported);
        }
      } catch (ParquetCryptoRuntimeException e) {
        return unsupported(name + " is encrypted");
      }
      for (int index = 0; index < plan.groups.size(); index++) {
        totalBytes += plan.bytes[index];
        rows += plan.groups.get(index).getRowCount();
      }
      plans.add(plan);
    }
    long balanced = totalBytes / ((long) TASKS_PER_CORE * Math.max(1, parallelism));
    long taskBytes = Math.min(maxTaskBytes, Math.max(MIN_BALANCED_TASK_BYTES, balanced));
    List<PageTask> tasks = new ArrayList<>();
    for (FilePlan plan : plans) {
      plan.addTasks(taskBytes, tasks);
    }
    // Largest first: Spark starts tasks in order, so the small ones fill in at the end.
    tasks.sort(Comparator.comparingLong(PageTask::bytes).reversed());
    return new PagePlan(tasks, null, doubles != null && doubles, rows, columns);
  }

  /** A file's footer, given or read, and a reader opened only when an offset index is needed. */
  private static final class FooterReader implements AutoCloseable {
    private final Configuration conf;
    private final Path path;
    private ParquetMetadata footer;
    private ParquetFileReader reader;

    FooterReader(Configuration conf, Path path, ParquetMetadata footer) {
      this.conf = conf;
      this.path = path;
      this.footer = footer;
    }

    ParquetMetadata footer() throws IOException {
      if (footer == null) {
        footer = open().getFooter();
      }
      return footer;
    }

    OffsetIndex readOffsetIndex(ColumnChunkMetaData chunk) throws IOException {
      return open().readOffsetIndex(chunk);
    }

    private ParquetFileReader open() throws IOException {
      if (reader == null) {
        // Options from the session's configuration: without them parquet makes a new
        // Configuration per file, which parses Hadoop's XML defaults again (10-30 ms a file).
        HadoopInputFile file = HadoopInputFile.fromPath(path, conf);
        ParquetReadOptions options = HadoopReadOptions.builder(conf, path).build();
        reader =
            footer == null
                ? ParquetFileReader.open(file, options)
                : ParquetFileReader.open(file, footer, options, file.newStream());
      }
      return reader;
    }

    @Override
    public void close() throws IOException {
      if (reader != null) {
        reader.close();
      }
    }
  }

  /** One file's row groups and their column chunks, turned into tasks. */
  private static final class FilePlan {
    final String file;
    final List<BlockMetaData> groups;

    /** Compressed bytes of the column chunks, and of the label (and weight) chunks alone. */
    final long[] bytes;

    final long[] labelBytes;

    /** The logits' offset index where the row group may be split, else null. */
    final OffsetIndex[] logitsPages;

    FilePlan(String file, List<BlockMetaData> groups) {
      this.file = file;
      this.groups = groups;
      this.bytes = new long[groups.size()];
      this.labelBytes = new long[groups.size()];
      this.logitsPages = new OffsetIndex[groups.size()];
    }

    /**
     * Finds each row group's two column chunks and, where a row group may be split, the logits'
     * offset index (read now, while the file is open); returns why the file cannot be read page by
     * page, or null.
     */
    String readChunks(
        FooterReader reader,
        String logitsColumn,
        String labelColumn,
        String weightColumn,
        boolean labelList,
        boolean scalarLogits,
        String name,
        long maxTaskBytes)
        throws IOException {
      for (int index = 0; index < groups.size(); index++) {
        ColumnChunkMetaData logits = null;
        ColumnChunkMetaData label = null;
        // A weight column splits like the label: it needs an offset index too.
        boolean weightIndexed = true;
        for (ColumnChunkMetaData chunk : groups.get(index).getColumns()) {
          String top = chunk.getPath().toArray()[0];
          if (top.equals(logitsColumn)) {
            // Scalar logits are read as labels are, every encoding through parquet's readers.
            for (Encoding encoding : scalarLogits ? List.<Encoding>of() : chunk.getEncodings()) {
              if (!LOGITS_ENCODINGS.contains(encoding)) {
                return "logits encoding " + encoding + " in " + name + " row group " + index;
              }
            }
            logits = chunk;
          } else if (top.equals(labelColumn)) {
            // ListPages decodes RLE levels only (BIT_PACKED ones come from writers before 2013).
            if (labelList && chunk.getEncodings().contains(Encoding.BIT_PACKED)) {
              return "labels levels BIT_PACKED in " + name + " row group " + index;
            }
            label = chunk;
            labelBytes[index] += chunk.getTotalSize();
          } else if (top.equals(weightColumn)) {
            weightIndexed = chunk.getOffsetIndexReference() != null;
            labelBytes[index] += chunk.getTotalSize();
          }
        }
        bytes[index] = (logits == null ? 0 : logits.getTotalSize()) + labelBytes[index];
        // The task size is at least this, so only a larger row group can be split.
        if (bytes[index] > Math.min(maxTaskBytes, MIN_BALANCED_TASK_BYTES)
            && weightIndexed
            && splittable(logits, label, groups.get(index).getRowCount())) {
          logitsPages[index] = reader.readOffsetIndex(logits);
        }
      }
      return null;
    }

    void addTasks(long taskBytes, List<PageTask> tasks) {
      List<PageTask.Piece> pending = new ArrayList<>();
      long pendingBytes = 0;
      long groupStart = 0;
      for (int index = 0; index < groups.size(); index++) {
        long rowCount = groups.get(index).getRowCount();
        long start = groupStart;
        groupStart += rowCount;
        if (bytes[index] > taskBytes && logitsPages[index] != null) {
          if (!pending.isEmpty()) {
            tasks.add(new PageTask(file, pending, pendingBytes));
            pending = new ArrayList<>();
            pendingBytes = 0;
          }
          split(index, rowCount, start, taskBytes, tasks);
          continue;
        }
        if (!pending.isEmpty() && pendingBytes + bytes[index] > taskBytes) {
          tasks.add(new PageTask(file, pending, pendingBytes));
          pending = new ArrayList<>();
          pendingBytes = 0;
        }
        pending.add(new PageTask.Piece(index, -1, -1, 0, rowCount, start));
        pendingBytes += bytes[index];
      }
      if (!pending.isEmpty()) {
        tasks.add(new PageTask(file, pending, pendingBytes));
      }
    }

    private static boolean splittable(
        ColumnChunkMetaData logits, ColumnChunkMetaData label, long rowCount) {
      return logits != null
          && label != null
          && logits.getOffsetIndexReference() != null
          && label.getOffsetIndexReference() != null
          && rowCount > 1;
    }

    /** Runs of consecutive logits pages of about {@code taskBytes} each, one task per run. */
    private void split(
        int index, long rowCount, long groupStart, long taskBytes, List<PageTask> tasks) {
      OffsetIndex pages = logitsPages[index];
      int first = 0;
      long runBytes = 0;
      for (int page = 0; page < pages.getPageCount(); page++) {
        runBytes += pages.getCompressedPageSize(page);
        boolean last = page + 1 == pages.getPageCount();
        if (runBytes >= taskBytes || last) {
          long firstRow = pages.getFirstRowIndex(first);
          long endRow = last ? rowCount : pages.getFirstRowIndex(page + 1);
          long share = (long) ((double) labelBytes[index] * (endRow - firstRow) / rowCount);
          tasks.add(
              new PageTask(
                  file,
                  List.of(new PageTask.Piece(index, first, page + 1, firstRow, endRow, groupStart)),
                  runBytes + share));
          first = page + 1;
          runBytes = 0;
        }
      }
    }
  }

  private static PagePlan unsupported(String reason) {
    return new PagePlan(List.of(), reason, false, 0, List.of());
  }

  /** Why the page reader cannot read this input (one sentence naming file, column or feature). */
  public Optional<String> unsupportedReason() {
    return Optional.ofNullable(unsupportedReason);
  }

  /** The tasks, each row of each row group in exactly one; empty when unsupported. */
  public List<PageTask> tasks() {
    return tasks;
  }

  /** Whether the logits are stored as DOUBLE (else FLOAT). */
  public boolean doublePrecision() {
    return doublePrecision;
  }

  /** The top-level column names of the first file, from its footer. */
  public List<String> columns() {
    return columns;
  }

  /** Rows over all files. */
  public long rows() {
    return rows;
  }
}
