package dev.xent.job.page;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ColumnPath;
import org.apache.parquet.hadoop.metadata.FileMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.internal.column.columnindex.OffsetIndex;
import org.apache.parquet.internal.filter2.columnindex.RowRanges;

/**
 * The executor's half of the page reader: reads a {@link PageTask}'s row groups with parquet's page
 * API (which decompresses), decodes the logits' levels and values itself and hands each row to a
 * {@link PageRowSink} straight from the page's values, never building Spark arrays. The label (one
 * value per row) is decoded a page at a time by {@link LabelPages}.
 */
public final class PageRowReader {
  private PageRowReader() {}

  private static final int READ_SLICE = 256 * 1024;

  /** Checked unless the conf turns it off (EvaluateConfig.VERIFY_PAGE_CHECKSUMS, same key). */
  private static final String VERIFY_PAGE_CHECKSUMS = "parquet.page.verify-checksum.enabled";

  /**
   * Per-thread page buffers larger than this are dropped when a task ends. Ordinary pages (about 1
   * MiB) keep theirs across tasks; a page of 100 wide rows can be 100 MB, and keeping three such
   * buffers per executor thread after the scan left 400 MB of a 1 GiB driver unusable for the
   * per-class output that follows.
   */
  private static final int KEPT_BUFFER_BYTES = 16 << 20;

  /** Reads the task's pieces in order and calls the sink once per row. */
  public static void read(
      Configuration conf,
      PageTask task,
      String logitsColumn,
      String labelColumn,
      String weightColumn,
      PageRowSink sink)
      throws IOException {
    read(conf, task, logitsColumn, labelColumn, weightColumn, RowShape.SPARSE, sink);
  }

  /**
   * As above for a request of {@code shape}; a dense or sigmoid request's rows go to a {@link
   * TargetRowSink}, {@code labelColumn} being its target column.
   */
  public static void read(
      Configuration conf,
      PageTask task,
      String logitsColumn,
      String labelColumn,
      String weightColumn,
      RowShape shape,
      PageRowSink sink)
      throws IOException {
    if (!shape.sparse() && !(sink instanceof TargetRowSink)) {
      throw new IllegalArgumentException("Cannot read " + shape + " rows into " + sink);
    }
    try {
      readPieces(conf, task, logitsColumn, labelColumn, weightColumn, shape, sink);
    } finally {
      SCRATCH.get().trim(KEPT_BUFFER_BYTES);
      PageCodecs.trimThreadBuffers(KEPT_BUFFER_BYTES);
    }
  }

  private static void readPieces(
      Configuration conf,
      PageTask task,
      String logitsColumn,
      String labelColumn,
      String weightColumn,
      RowShape shape,
      PageRowSink sink)
      throws IOException {
    Path path = new Path(task.file());
    // Column chunks are read in slices below G1's humongous-object size (half a region), so that
    // reading does not start a concurrent GC cycle per slice.
    ParquetReadOptions.Builder builder =
        HadoopReadOptions.builder(conf, path)
            .withMaxAllocationInBytes(READ_SLICE)
            // A page whose CRC32 does not match fails the task instead of changing the loss.
            .usePageChecksumVerification(conf.getBoolean(VERIFY_PAGE_CHECKSUMS, true));
    ParquetReadOptions options =
        builder.withCodecFactory(new PageCodecs(builder.build().getCodecFactory())).build();
    try (ParquetFileReader reader =
        ParquetFileReader.open(HadoopInputFile.fromPath(path, conf), options)) {
      FileMetaData meta = reader.getFooter().getFileMetaData();
      ColumnLayout layout;
      try {
        layout =
            ColumnLayout.analyze(
                meta.getSchema(), logitsColumn, labelColumn, weightColumn, shape, path.getName());
      } catch (ColumnLayout.Unsupported e) {
        throw new IOException("Cannot read " + path + " page by page: " + e.getMessage(), e);
      }
      reader.setRequestedSchema(layout.columns());
      // Dense and sigmoid rows pair two columns a row at a time; the sparse loop stays as it was.
      TargetRows targets = shape.sparse() ? null : new TargetRows(layout, (TargetRowSink) sink);
      Rows rows = targets == null ? new Rows(layout, sink) : null;
      for (PageTask.Piece piece : task.pieces()) {
        String where = path + " " + piece;
        try {
          PageReadStore store = readPiece(reader, layout, piece);
          long count = store.getRowCount();
          if (count != piece.rows()) {
            throw new IOException("read " + count + " rows, planned " + piece.rows());
          }
          if (count > Integer.MAX_VALUE - 16) {
            throw new IOException(count + " rows, more than one task can hold");
          }
          if (targets != null) {
            sink.piece(piece.fileRow());
            targets.readPiece(
                store,
                piece.firstRow(),
                reader.getRowGroups().get(piece.rowGroup()).getRowCount(),
                (int) count);
            continue;
          }
          LabelPages labels =
              new LabelPages(store.getPageReader(layout.label), layout.label, piece.firstRow());
          rows.weights =
              layout.weight == null
                  ? null
                  : new LabelPages(
                      store.getPageReader(layout.weight), layout.weight, piece.firstRow());
          sink.piece(piece.fileRow());
          rows.readGroup(store.getPageReader(layout.logits), labels, (int) count);
        } catch (PageRowSink.Stop e) {
          throw e;
        } catch (IOException | RuntimeException e) {
          throw new IOException("Cannot read " + where + ": " + e.getMessage(), e);
        }
      }
    }
  }

  /**
   * A whole row group, or the logits pages of a piece with the label pages that overlap them (the
   * label reader then skips the rows outside the piece by their row indexes).
   */
  private static PageReadStore readPiece(
      ParquetFileReader reader, ColumnLayout layout, PageTask.Piece piece) throws IOException {
    if (piece.wholeRowGroup()) {
      return reader.readRowGroup(piece.rowGroup());
    }
    // The row group's index store, which readFilteredRowGroup then reuses: one offset-index read.
    OffsetIndex pages =
        reader
            .getColumnIndexStore(piece.rowGroup())
            .getOffsetIndex(ColumnPath.get(layout.logits.getPath()));
    if (pages.getPageCount() < piece.endPage()
        || pages.getFirstRowIndex(piece.firstPage()) != piece.firstRow()) {
      throw new IOException("the offset index changed since the plan was made");
    }
    RowRanges ranges =
        RowRanges.create(
            reader.getRowGroups().get(piece.rowGroup()).getRowCount(),
            IntStream.range(piece.firstPage(), piece.endPage()).iterator(),
            pages);
    return reader.readFilteredRowGroup(piece.rowGroup(), ranges);
  }

  /**
   * Assembles rows from the logits pages of consecutive row groups of one file. A page whose
   * definition levels are one run of "present" (no nulls, no empty lists: the common case) takes a
   * fast path: row starts come straight from the repetition levels' bits and each row is copied
   * once, from the page into the array the sink gets.
   */
  private static final class Rows {
    private final PageRowSink sink;

    /** The row group's weights, or null when the run has none. */
    LabelPages weights;

    private final boolean doubles;
    private final String[] logitsPath;
    private final int maxDefinition;
    private final int emptyList;
    private final int repetitionWidth;
    private final int definitionWidth;

    private int[] repetition = new int[0];
    private int[] definition = new int[0];
    private int[] starts = new int[0];
    private int[] ids = new int[0];
    private float[] floatValues = new float[0];
    private double[] doubleValues = new double[0];
    private float[] floatDictionary;
    private double[] doubleDictionary;
    private final Scratch scratch = SCRATCH.get();

    // The page's values, in order of the present entries.
    private FloatBuffer floatSource;
    private DoubleBuffer doubleSource;
    private boolean allPresent;
    private int startCount;

    // The row being assembled; it may continue on the next page.
    private float[] floatRow = new float[0];
    private double[] doubleRow = new double[0];
    private float[] floatExact = new float[0];
    private double[] doubleExact = new double[0];
    private int rowLength;
    private boolean rowNull;
    private boolean pending;
    private int row;
    private int groupRows;

    Rows(ColumnLayout layout, PageRowSink sink) {
      this.sink = sink;
      this.doubles = layout.doubleLogits;
      this.logitsPath = layout.logits.getPath();
      this.maxDefinition = layout.maxDefinition();
      this.emptyList = layout.slotLevel - 1;
      this.repetitionWidth = BytesUtils.getWidthFromMaxInt(layout.logits.getMaxRepetitionLevel());
      this.definitionWidth = BytesUtils.getWidthFromMaxInt(maxDefinition);
    }

    void readGroup(PageReader pages, LabelPages labels, int rows) throws IOException {
      DictionaryPage dictionary = pages.readDictionaryPage();
      floatDictionary = null;
      doubleDictionary = null;
      if (dictionary != null) {
        readDictionary(dictionary);
      }
      row = -1;
      groupRows = rows;
      pending = false;
      String[] column = logitsPath;
      for (int index = 0; ; index++) {
        DataPage page;
        try {
          page = pages.readPage();
        } catch (RuntimeException e) {
          throw LocatedPageException.of(column, "page " + index, e);
        }
        if (page == null) {
          break;
        }
        int firstRow = row + (pending ? 0 : 1);
        try {
          int entries = page.getValueCount();
          if (page instanceof DataPageV1 v1) {
            readV1(v1, entries);
          } else {
            readV2((DataPageV2) page, entries);
          }
          if (allPresent) {
            assemblePresent(entries, labels, rows);
          } else {
            assemble(entries, labels, rows);
          }
        } catch (PageRowSink.Stop e) {
          // The sink's own way out (--strict), not a damaged page.
          throw e;
        } catch (IOException | RuntimeException e) {
          throw LocatedPageException.of(
              column, "page " + index + " (rows from " + firstRow + ")", e);
        }
      }
      if (pending) {
        emit(labels);
      }
      if (row + 1 != rows) {
        throw new IOException("logits hold " + (row + 1) + " rows, the row group " + rows);
      }
    }

    private void readDictionary(DictionaryPage page) throws IOException {
      if (page.getEncoding() != Encoding.PLAIN && page.getEncoding() != Encoding.PLAIN_DICTIONARY) {
        throw new IOException("dictionary page encoding " + page.getEncoding());
      }
      byte[] bytes = page.getBytes().toByteArray();
      int size = page.getDictionarySize();
      ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
      if (doubles) {
        doubleDictionary = new double[size];
        in.asDoubleBuffer().get(doubleDictionary);
      } else {
        floatDictionary = new float[size];
        in.asFloatBuffer().get(floatDictionary);
      }
    }

    /**
     * Room for a page's row starts: no more than the rows left in the row group (a 100-row page of
     * 262,144-float rows has 26M entries but 100 starts; sizing by entries took 105 MB per task and
     * ran a 1 GiB driver out of memory). The level and dictionary-id arrays are reserved only by
     * the pages that decode into them.
     */
    private void reserve(int entries) {
      int rowsLeft = groupRows - row - 1;
      starts = scratch.starts(Math.min(entries, Math.max(rowsLeft, 0)) + 1);
    }

    private void reserveLevels(int entries) {
      repetition = scratch.repetition(entries + 8);
      definition = scratch.definition(entries + 8);
    }

    /**
     * The bytes of a page part: its backing array where it has one, else read into a reused buffer
     * (a decompressed page is a stream; materialising it would allocate a page-sized array per
     * page, which G1 treats as humongous).
     */
    private ByteBuffer bytes(BytesInput input) throws IOException {
      ByteBuffer buffer = input.toByteBuffer(scratch.bytes, released -> {});
      if (!buffer.hasArray()) {
        throw new IOException("page bytes are not on the heap");
      }
      return buffer;
    }

    private void readV1(DataPageV1 page, int entries) throws IOException {
      if (page.getRlEncoding() != Encoding.RLE || page.getDlEncoding() != Encoding.RLE) {
        throw new IOException(
            "level encodings " + page.getRlEncoding() + "/" + page.getDlEncoding());
      }
      reserve(entries);
      ByteBuffer buffer = bytes(page.getBytes());
      byte[] bytes = buffer.array();
      int at = buffer.arrayOffset() + buffer.position();
      int end = buffer.arrayOffset() + buffer.limit();
      int repetitionFrom = at + 4;
      int repetitionTo = repetitionFrom + intLittleEndian(bytes, at, end);
      int definitionFrom = repetitionTo + 4;
      int definitionTo = definitionFrom + intLittleEndian(bytes, repetitionTo, end);
      if (definitionTo > end) {
        throw new IOException("levels run past the page");
      }
      levels(bytes, repetitionFrom, repetitionTo, bytes, definitionFrom, definitionTo, entries);
      readValues(page.getValueEncoding(), bytes, definitionTo, end, present(entries));
    }

    private void readV2(DataPageV2 page, int entries) throws IOException {
      reserve(entries);
      byte[] repetitionBytes = page.getRepetitionLevels().toByteArray();
      byte[] definitionBytes = page.getDefinitionLevels().toByteArray();
      levels(
          repetitionBytes,
          0,
          repetitionBytes.length,
          definitionBytes,
          0,
          definitionBytes.length,
          entries);
      ByteBuffer data = bytes(page.getData());
      readValues(
          page.getDataEncoding(),
          data.array(),
          data.arrayOffset() + data.position(),
          data.arrayOffset() + data.limit(),
          present(entries));
    }

    /** Decodes a page's levels: row starts, and definition levels unless all are "present". */
    private void levels(
        byte[] repetitionBytes,
        int repetitionFrom,
        int repetitionTo,
        byte[] definitionBytes,
        int definitionFrom,
        int definitionTo,
        int entries)
        throws IOException {
      allPresent =
          HybridDecoder.isOneValue(
              definitionBytes,
              definitionFrom,
              definitionTo,
              definitionWidth,
              entries,
              maxDefinition);
      if (allPresent && repetitionWidth == 1) {
        startCount =
            HybridDecoder.zeroPositions(
                repetitionBytes, repetitionFrom, repetitionTo, entries, starts);
        return;
      }
      reserveLevels(entries);
      HybridDecoder.decode(
          repetitionBytes, repetitionFrom, repetitionTo, repetitionWidth, repetition, entries);
      HybridDecoder.decode(
          definitionBytes, definitionFrom, definitionTo, definitionWidth, definition, entries);
      allPresent = false;
    }

    private int present(int entries) {
      if (allPresent) {
        return entries;
      }
      int count = 0;
      for (int i = 0; i < entries; i++) {
        if (definition[i] == maxDefinition) {
          count++;
        }
      }
      return count;
    }

    private void readValues(Encoding encoding, byte[] bytes, int from, int to, int count)
        throws IOException {
      switch (encoding) {
        case PLAIN -> {
          long need = (long) count * (doubles ? 8 : 4);
          if (need > to - from) {
            throw new IOException("page holds fewer values than its levels say");
          }
          ByteBuffer in = ByteBuffer.wrap(bytes, from, to - from).slice();
          in.order(ByteOrder.LITTLE_ENDIAN);
          if (doubles) {
            doubleSource = in.asDoubleBuffer();
          } else {
            floatSource = in.asFloatBuffer();
          }
        }
        case PLAIN_DICTIONARY, RLE_DICTIONARY -> {
          if (floatDictionary == null && doubleDictionary == null) {
            throw new IOException("dictionary-encoded page without a dictionary page");
          }
          if (count > 0) {
            int width = bytes[from] & 0xFF;
            // Bit-packed groups decode eight ids at a time, so the last group may overrun count.
            ids = scratch.ids(count + 8);
            HybridDecoder.decode(bytes, from + 1, to, width, ids, count);
          }
          reserveValues(count);
          if (doubles) {
            for (int i = 0; i < count; i++) {
              doubleValues[i] = doubleDictionary[ids[i]];
            }
          } else {
            for (int i = 0; i < count; i++) {
              floatValues[i] = floatDictionary[ids[i]];
            }
          }
        }
        case BYTE_STREAM_SPLIT -> byteStreamSplit(bytes, from, to, count);
        default -> throw new IOException("logits encoding " + encoding);
      }
    }

    private void reserveValues(int count) {
      if (doubles) {
        if (doubleValues.length < count) {
          doubleValues = new double[count];
        }
        doubleSource = DoubleBuffer.wrap(doubleValues);
      } else {
        if (floatValues.length < count) {
          floatValues = new float[count];
        }
        floatSource = FloatBuffer.wrap(floatValues);
      }
    }

    /** Byte k of value i is at {@code from + k·count + i}. */
    private void byteStreamSplit(byte[] bytes, int from, int to, int count) throws IOException {
      int width = doubles ? 8 : 4;
      if ((long) count * width > to - from) {
        throw new IOException("page holds fewer values than its levels say");
      }
      reserveValues(count);
      for (int i = 0; i < count; i++) {
        long bits = 0;
        for (int k = 0; k < width; k++) {
          bits |= (bytes[from + k * count + i] & 0xFFL) << (8 * k);
        }
        if (doubles) {
          doubleValues[i] = Double.longBitsToDouble(bits);
        } else {
          floatValues[i] = Float.intBitsToFloat((int) bits);
        }
      }
    }

    /** Starts a row; the previous one, if still open, is complete. */
    private void startRow(LabelPages labels, int rows) throws IOException {
      if (pending) {
        emit(labels);
      }
      row++;
      if (row >= rows) {
        throw new IOException("logits hold more rows than the row group");
      }
      rowLength = 0;
      rowNull = false;
      pending = true;
    }

    /** Every entry is a value: rows are runs between row starts, values are entries. */
    private void assemblePresent(int entries, LabelPages labels, int rows) throws IOException {
      int first = startCount > 0 ? starts[0] : entries;
      if (first > 0) {
        if (!pending) {
          throw new IOException("the first page starts inside a row");
        }
        append(0, first);
      }
      for (int k = 0; k < startCount; k++) {
        startRow(labels, rows);
        int from = starts[k];
        if (k + 1 < startCount) {
          // The whole row is on this page: one copy, page to the sink's array.
          emitFromPage(from, starts[k + 1] - from, labels);
        } else {
          append(from, entries - from);
        }
      }
    }

    /** Splits a decoded page into rows; a row may have begun on an earlier page. */
    private void assemble(int entries, LabelPages labels, int rows) throws IOException {
      int value = 0;
      int entry = 0;
      while (entry < entries) {
        if (repetition[entry] == 0) {
          startRow(labels, rows);
        } else if (!pending) {
          throw new IOException("the first page starts inside a row");
        }
        int end = entry + 1;
        while (end < entries && repetition[end] != 0) {
          end++;
        }
        int values = 0;
        for (int i = entry; i < end; i++) {
          int level = definition[i];
          if (level == maxDefinition) {
            values++;
          } else if (level != emptyList) {
            // A null element (slot ≤ level < max) or a null list (level < slot − 1).
            rowNull = true;
          }
        }
        append(value, values);
        value += values;
        entry = end;
      }
    }

    private void append(int from, int count) {
      if (count == 0) {
        return;
      }
      int length = rowLength + count;
      if (doubles) {
        if (doubleRow.length < length) {
          doubleRow = Arrays.copyOf(doubleRow, length);
        }
        doubleSource.get(from, doubleRow, rowLength, count);
      } else {
        if (floatRow.length < length) {
          floatRow = Arrays.copyOf(floatRow, length);
        }
        floatSource.get(from, floatRow, rowLength, count);
      }
      rowLength = length;
    }

    private void emitFromPage(int from, int length, LabelPages labels) throws IOException {
      pending = false;
      boolean hasLabel = labels.next();
      double weight = weight();
      if (!hasLabel) {
        sink.nullRow(Double.NaN);
      } else if (doubles) {
        if (doubleExact.length != length) {
          doubleExact = new double[length];
        }
        doubleSource.get(from, doubleExact, 0, length);
        sink.row(doubleExact, labels.value(), weight);
      } else {
        if (floatExact.length != length) {
          floatExact = new float[length];
        }
        floatSource.get(from, floatExact, 0, length);
        sink.row(floatExact, labels.value(), weight);
      }
    }

    private void emit(LabelPages labels) throws IOException {
      pending = false;
      boolean hasLabel = labels.next();
      double weight = weight();
      if (rowNull || !hasLabel) {
        sink.nullRow(hasLabel ? labels.value() : Double.NaN);
      } else if (doubles) {
        sink.row(exactDoubles(), labels.value(), weight);
      } else {
        sink.row(exactFloats(), labels.value(), weight);
      }
    }

    /** The next row's weight: NaN when it is NULL or there is no weight column. */
    private double weight() throws IOException {
      if (weights == null) {
        return Double.NaN;
      }
      return weights.next() ? weights.value() : Double.NaN;
    }

    private float[] exactFloats() {
      if (floatRow.length == rowLength) {
        return floatRow;
      }
      if (floatExact.length != rowLength) {
        floatExact = new float[rowLength];
      }
      System.arraycopy(floatRow, 0, floatExact, 0, rowLength);
      return floatExact;
    }

    private double[] exactDoubles() {
      if (doubleRow.length == rowLength) {
        return doubleRow;
      }
      if (doubleExact.length != rowLength) {
        doubleExact = new double[rowLength];
      }
      System.arraycopy(doubleRow, 0, doubleExact, 0, rowLength);
      return doubleExact;
    }
  }

  /**
   * Page-sized work arrays, kept per executor thread across tasks: allocating them per task (or per
   * page) made G1 start a concurrent cycle for each, as they exceed half a heap region.
   */
  private static final class Scratch {
    int[] repetition = new int[0];
    int[] definition = new int[0];
    int[] starts = new int[0];
    int[] ids = new int[0];

    /** Parquet copies page bytes into the one buffer it "allocates" here. */
    final ReusedHeapBuffer bytes = new ReusedHeapBuffer();

    void trim(int maxBytes) {
      int maxInts = maxBytes / Integer.BYTES;
      if (repetition.length > maxInts) {
        repetition = new int[0];
      }
      if (definition.length > maxInts) {
        definition = new int[0];
      }
      if (starts.length > maxInts) {
        starts = new int[0];
      }
      if (ids.length > maxInts) {
        ids = new int[0];
      }
      bytes.trim(maxBytes);
    }

    int[] repetition(int size) {
      return repetition = atLeast(repetition, size);
    }

    int[] definition(int size) {
      return definition = atLeast(definition, size);
    }

    int[] starts(int size) {
      return starts = atLeast(starts, size);
    }

    int[] ids(int size) {
      return ids = atLeast(ids, size);
    }

    private static int[] atLeast(int[] array, int size) {
      return array.length < size ? new int[size] : array;
    }
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** The 4-byte little-endian length that precedes a V1 page's levels. */
  static int intLittleEndian(byte[] bytes, int at, int end) throws IOException {
    if (at + 4 > end) {
      throw new IOException("truncated level length");
    }
    return (bytes[at] & 0xFF)
        | (bytes[at + 1] & 0xFF) << 8
        | (bytes[at + 2] & 0xFF) << 16
        | (bytes[at + 3] & 0xFF) << 24;
  }
}
