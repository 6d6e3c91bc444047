package dev.xent.job.page;

import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.crypto.ParquetCryptoRuntimeException;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
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

  private PagePlan(
      List<PageTask> tasks, String unsupportedReason, boolean doublePrecision, long rows) {
    this.tasks = List.copyOf(tasks);
    this.unsupportedReason = unsupportedReason;
    this.doublePrecision = doublePrecision;
    this.rows = rows;
  }

  /**
   * Plans {@code files}: consecutive row groups of a file go into one task until their two column
   * chunks reach {@code maxTaskBytes} compressed; a larger row group is a task of its own.
   */
  public static PagePlan plan(
      Configuration conf,
      List<String> files,
      String logitsColumn,
      String labelColumn,
      long maxTaskBytes)
      throws IOException {
    List<PageTask> tasks = new ArrayList<>();
    Boolean doubles = null;
    PrimitiveTypeName labelType = null;
    long rows = 0;
    for (String file : files) {
      String name = new Path(file).getName();
      ParquetMetadata footer;
      try (ParquetFileReader reader =
          ParquetFileReader.open(HadoopInputFile.fromPath(new Path(file), conf))) {
        footer = reader.getFooter();
      } catch (ParquetCryptoRuntimeException e) {
        return unsupported(name + " is encrypted");
      }
      FileMetaData meta = footer.getFileMetaData();
      if (meta.getEncryptionType() != FileMetaData.EncryptionType.UNENCRYPTED) {
        return unsupported(name + " is encrypted");
      }
      ColumnLayout layout;
      try {
        layout = ColumnLayout.analyze(meta.getSchema(), logitsColumn, labelColumn, name);
      } catch (ColumnLayout.Unsupported e) {
        return unsupported(e.getMessage());
      }
      if (doubles == null) {
        doubles = layout.doubleLogits;
        labelType = layout.labelType();
      } else if (doubles != layout.doubleLogits || labelType != layout.labelType()) {
        return unsupported("column types differ between files (" + name + ")");
      }
      List<BlockMetaData> groups = footer.getBlocks();
      List<Integer> pending = new ArrayList<>();
      long pendingBytes = 0;
      for (int index = 0; index < groups.size(); index++) {
        BlockMetaData group = groups.get(index);
        long bytes = 0;
        for (ColumnChunkMetaData chunk : group.getColumns()) {
          String top = chunk.getPath().toArray()[0];
          if (top.equals(logitsColumn)) {
            for (Encoding encoding : chunk.getEncodings()) {
              if (!LOGITS_ENCODINGS.contains(encoding)) {
                return unsupported(
                    "logits encoding " + encoding + " in " + name + " row group " + index);
              }
            }
            bytes += chunk.getTotalSize();
          } else if (top.equals(labelColumn)) {
            bytes += chunk.getTotalSize();
          }
        }
        rows += group.getRowCount();
        if (!pending.isEmpty() && pendingBytes + bytes > maxTaskBytes) {
          tasks.add(task(file, pending, pendingBytes));
          pending.clear();
          pendingBytes = 0;
        }
        pending.add(index);
        pendingBytes += bytes;
      }
      if (!pending.isEmpty()) {
        tasks.add(task(file, pending, pendingBytes));
      }
    }
    return new PagePlan(tasks, null, doubles != null && doubles, rows);
  }

  private static PageTask task(String file, List<Integer> groups, long bytes) {
    return new PageTask(file, groups.stream().mapToInt(Integer::intValue).toArray(), bytes);
  }

  private static PagePlan unsupported(String reason) {
    return new PagePlan(List.of(), reason, false, 0);
  }

  /** Why the page reader cannot read this input (one sentence naming file, column or feature). */
  public Optional<String> unsupportedReason() {
    return Optional.ofNullable(unsupportedReason);
  }

  /** The tasks, each row group of each file in exactly one; empty when unsupported. */
  public List<PageTask> tasks() {
    return tasks;
  }

  /** Whether the logits are stored as DOUBLE (else FLOAT). */
  public boolean doublePrecision() {
    return doublePrecision;
  }

  /** Rows over all files. */
  public long rows() {
    return rows;
  }
}
