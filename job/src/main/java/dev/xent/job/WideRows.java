package dev.xent.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;

/**
 * Sizes Spark's Parquet columnar batches for the row width: a batch of the default 4096 rows of
 * 131,072 float logits is 2 GiB, which no ordinary executor survives. The width comes from a
 * Parquet footer (values per row of the logits column), so nothing is scanned to learn it.
 */
final class WideRows {
  private WideRows() {}

  static final String BATCH_SIZE_KEY = "spark.sql.parquet.columnarReaderBatchSize";

  /** The most memory one columnar batch of logits should take. */
  static final long BATCH_BYTES = 32L << 20;

  /**
   * The mean number of logits per row in the first Parquet file under {@code input}, from its
   * footer; empty when there is no Parquet file or no such column.
   */
  static Optional<Double> meanRowWidth(Configuration conf, String input, String column) {
    try {
      Path root = new Path(input);
      FileSystem fs = root.getFileSystem(conf);
      Optional<FileStatus> first = firstDataFile(fs, fs.getFileStatus(root));
      if (first.isEmpty()) {
        return Optional.empty();
      }
      // Options from the session's configuration (without them parquet parses Hadoop's XML
      // defaults into a new one).
      try (ParquetFileReader reader =
          ParquetFileReader.open(
              HadoopInputFile.fromStatus(first.get(), conf),
              HadoopReadOptions.builder(conf, first.get().getPath()).build())) {
        return meanRowWidth(reader.getFooter(), column);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot read a Parquet footer under '" + input + "'", e);
    }
  }

  /** The mean number of values per row of {@code column} in a footer already read. */
  static Optional<Double> meanRowWidth(ParquetMetadata footer, String column) {
    long rows = 0;
    long values = 0;
    for (BlockMetaData block : footer.getBlocks()) {
      rows += block.getRowCount();
      for (ColumnChunkMetaData chunk : block.getColumns()) {
        if (chunk.getPath().toArray()[0].equals(column)) {
          values += chunk.getValueCount();
        }
      }
    }
    return rows == 0 || values == 0 ? Optional.empty() : Optional.of((double) values / rows);
  }

  /**
   * Rows per batch so that a batch of logits stays within {@link #BATCH_BYTES}, never above {@code
   * current}.
   */
  static int batchSize(double meanRowWidth, int elementBytes, int current) {
    long rowBytes = (long) Math.ceil(meanRowWidth * elementBytes);
    return (int) Math.max(1, Math.min(current, BATCH_BYTES / Math.max(1, rowBytes)));
  }

  private static Optional<FileStatus> firstDataFile(FileSystem fs, FileStatus status)
      throws IOException {
    if (!status.isDirectory()) {
      return Optional.of(status);
    }
    FileStatus[] children = fs.listStatus(status.getPath());
    Arrays.sort(children, Comparator.comparing(s -> s.getPath().getName()));
    for (FileStatus child : children) {
      String name = child.getPath().getName();
      // Spark's markers (_SUCCESS) and hidden files are not data.
      if (name.startsWith("_") || name.startsWith(".")) {
        continue;
      }
      Optional<FileStatus> found = firstDataFile(fs, child);
      if (found.isPresent()) {
        return found;
      }
    }
    return Optional.empty();
  }
}
