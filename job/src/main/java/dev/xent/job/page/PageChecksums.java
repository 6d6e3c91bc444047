package dev.xent.job.page;

import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.SeekableInputStream;

/**
 * Finds the page whose CRC32 does not match, once parquet has said that one does not: parquet's
 * error names neither the column nor the page, and a person deciding whether a file is damaged
 * wants both. Runs only after a failure, so it may read the chunks again.
 */
public final class PageChecksums {
  private PageChecksums() {}

  /**
   * "row group 0, column 'logits' page 3 at byte 123456: CRC32 0x… in the page header, 0x… over its
   * 4096 bytes", for the first such page of the given top-level columns (all columns when empty);
   * empty when every checksummed page matches.
   */
  public static Optional<String> firstMismatch(
      Configuration conf, Path path, Collection<String> columns) throws IOException {
    HadoopInputFile file = HadoopInputFile.fromPath(path, conf);
    List<BlockMetaData> groups;
    try (ParquetFileReader reader = ParquetFileReader.open(file)) {
      groups = reader.getFooter().getBlocks();
    }
    try (SeekableInputStream in = file.newStream()) {
      for (int group = 0; group < groups.size(); group++) {
        for (ColumnChunkMetaData chunk : groups.get(group).getColumns()) {
          String name = chunk.getPath().toArray()[0];
          if (!columns.isEmpty() && !columns.contains(name)) {
            continue;
          }
          Optional<String> found = mismatchIn(in, chunk);
          if (found.isPresent()) {
            return Optional.of(
                "row group "
                    + group
                    + ", column '"
                    + chunk.getPath().toDotString()
                    + "' "
                    + found.get());
          }
        }
      }
    }
    return Optional.empty();
  }

  private static Optional<String> mismatchIn(SeekableInputStream in, ColumnChunkMetaData chunk)
      throws IOException {
    long at = chunk.getStartingPos();
    long end = at + chunk.getTotalSize();
    CRC32 crc = new CRC32();
    byte[] bytes = new byte[0];
    for (int page = 0; at < end; page++) {
      in.seek(at);
      PageHeader header = Util.readPageHeader(in);
      int size = header.getCompressed_page_size();
      long dataStart = in.getPos();
      if (size < 0 || dataStart + size > end) {
        return Optional.of(
            "page "
                + page
                + " (at byte "
                + at
                + ") is damaged: its size runs past the column chunk");
      }
      if (header.isSetCrc()) {
        if (bytes.length < size) {
          bytes = new byte[size];
        }
        in.readFully(bytes, 0, size);
        crc.reset();
        crc.update(bytes, 0, size);
        int computed = (int) crc.getValue();
        if (computed != header.getCrc()) {
          return Optional.of(
              String.format(
                  "page %d (at byte %d) is damaged: its %d bytes have CRC32 0x%08x, its header"
                      + " says 0x%08x",
                  page, at, size, computed, header.getCrc()));
        }
      }
      at = dataStart + size;
    }
    return Optional.empty();
  }
}
