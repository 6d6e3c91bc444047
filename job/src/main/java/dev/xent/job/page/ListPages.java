package dev.xent.job.page;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.apache.parquet.bytes.ByteBufferInputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Dictionary;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ValuesType;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.DataPageV1;
import org.apache.parquet.column.page.DataPageV2;
import org.apache.parquet.column.page.DictionaryPage;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.column.values.ValuesReader;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;

/**
 * A list column (one repeated level: the logits or the label rows of dense and sigmoid requests)
 * read one row per {@link #next()} call, a page at a time: levels with {@link HybridDecoder}, PLAIN
 * and dictionary values from the page bytes, other encodings through parquet's own value readers.
 * Two list columns have their own page boundaries, so {@link PageRowReader}'s push loop, which
 * walks one column's pages, cannot pair them; pulling a row at a time from each can. The sparse
 * path keeps that push loop: this reader is for the rows it cannot take.
 *
 * <p>Definition levels as {@link ColumnLayout} describes them: a value, a null element, an empty
 * list or a null list. A row with a null element or a null list is a null row, as Spark's row
 * scorer treats it.
 *
 * <p>When the piece starts inside a row group its first page may begin before the piece (pages then
 * begin on row boundaries, which the offset index guarantees): the page's first row index says how
 * many rows to skip. Without an offset index a row may continue on the next page.
 */
final class ListPages {
  private final PageReader pages;
  private final ColumnDescriptor column;
  private final PrimitiveTypeName type;
  private final boolean floats;
  private final int maxDefinition;
  private final int emptyList;
  private final int repetitionWidth;
  private final int definitionWidth;
  private final long firstRow;
  private final long groupRows;
  private final ReusedHeapBuffer buffer;
  private final float[] floatDictionary;
  private final double[] doubleDictionary;

  // The page: its entries, the entries that start rows, and its present values in order.
  private int entries;
  private int[] repetition = new int[0];
  private int[] definition = new int[0];
  private int[] starts = new int[0];
  private int[] ids = new int[0];
  private int startCount;
  private boolean allPresent;
  private float[] floatValues = new float[0];
  private double[] doubleValues = new double[0];
  private int nextStart;
  private int entry;
  private int value;
  private long nextPageRow;
  private int pagesRead;
  private boolean ended;

  // The row just read.
  private float[] floatRow = new float[0];
  private double[] doubleRow = new double[0];
  private float[] floatExact = new float[0];
  private double[] doubleExact = new double[0];
  private int rowLength;
  private boolean rowNull;

  /**
   * Rows from {@code firstRow} (of a row group of {@code groupRows} rows) on. {@code floats}: the
   * column holds FLOAT values kept as floats (float logits); otherwise every value is widened to
   * double as Spark's row scorer widens label rows (integers through long, exact up to 2^53).
   */
  ListPages(
      PageReader pages,
      ColumnDescriptor column,
      int slotLevel,
      long firstRow,
      long groupRows,
      boolean floats,
      ReusedHeapBuffer buffer)
      throws IOException {
    this.pages = pages;
    this.column = column;
    this.type = column.getPrimitiveType().getPrimitiveTypeName();
    this.floats = floats;
    if (floats && type != PrimitiveTypeName.FLOAT) {
      throw new IllegalArgumentException("float rows of a " + type + " column");
    }
    this.maxDefinition = column.getMaxDefinitionLevel();
    this.emptyList = slotLevel - 1;
    this.repetitionWidth = BytesUtils.getWidthFromMaxInt(column.getMaxRepetitionLevel());
    this.definitionWidth = BytesUtils.getWidthFromMaxInt(maxDefinition);
    this.firstRow = firstRow;
    this.groupRows = groupRows;
    this.buffer = buffer;
    DictionaryPage page = pages.readDictionaryPage();
    if (page == null) {
      floatDictionary = null;
      doubleDictionary = null;
    } else {
      Dictionary decoded = page.getEncoding().initDictionary(column, page);
      int size = decoded.getMaxId() + 1;
      if (floats) {
        floatDictionary = new float[size];
        doubleDictionary = null;
        for (int id = 0; id < size; id++) {
          floatDictionary[id] = decoded.decodeToFloat(id);
        }
      } else {
        floatDictionary = null;
        doubleDictionary = new double[size];
        for (int id = 0; id < size; id++) {
          doubleDictionary[id] =
              switch (type) {
                case INT32 -> decoded.decodeToInt(id);
                case INT64 -> (double) decoded.decodeToLong(id);
                case FLOAT -> decoded.decodeToFloat(id);
                default -> decoded.decodeToDouble(id);
              };
        }
      }
    }
  }

  /** Moves to the next row; false when it is null (a null list or a null element). */
  boolean next() throws IOException {
    while (nextStart == startCount) {
      if (!readPage(false)) {
        throw LocatedPageException.of(
            column.getPath(), null, new IOException("the pages end before the logits rows"));
      }
    }
    rowLength = 0;
    rowNull = false;
    int from = starts[nextStart++];
    while (true) {
      int to = nextStart < startCount ? starts[nextStart] : entries;
      take(from, to);
      if (to < entries) {
        return !rowNull;
      }
      // The row reaches the end of the page: it may continue on the next one.
      if (!readPage(true)) {
        return !rowNull;
      }
      if (startCount > 0 && starts[0] == 0) {
        return !rowNull;
      }
      from = 0;
    }
  }

  /** Whether no row is left: no row start on this page and no further page. */
  boolean exhausted() throws IOException {
    while (nextStart == startCount) {
      if (!readPage(false)) {
        return true;
      }
    }
    return false;
  }

  /** The row just read, of exactly its length (reused: valid until the next call). */
  float[] floatRow() {
    if (floatRow.length == rowLength) {
      return floatRow;
    }
    if (floatExact.length != rowLength) {
      floatExact = new float[rowLength];
    }
    System.arraycopy(floatRow, 0, floatExact, 0, rowLength);
    return floatExact;
  }

  double[] doubleRow() {
    if (doubleRow.length == rowLength) {
      return doubleRow;
    }
    if (doubleExact.length != rowLength) {
      doubleExact = new double[rowLength];
    }
    System.arraycopy(doubleRow, 0, doubleExact, 0, rowLength);
    return doubleExact;
  }

  /** Adds entries {@code [from, to)} of the page to the row. */
  private void take(int from, int to) {
    int count;
    if (allPresent) {
      count = to - from;
    } else {
      count = 0;
      for (int i = from; i < to; i++) {
        int level = definition[i];
        if (level == maxDefinition) {
          count++;
        } else if (level != emptyList) {
          // A null element (slot ≤ level < max) or a null list (level < slot − 1).
          rowNull = true;
        }
      }
    }
    if (count == 0) {
      return;
    }
    int length = rowLength + count;
    if (floats) {
      if (floatRow.length < length) {
        floatRow = Arrays.copyOf(floatRow, Math.max(length, 2 * floatRow.length));
      }
      System.arraycopy(floatValues, value, floatRow, rowLength, count);
    } else {
      if (doubleRow.length < length) {
        doubleRow = Arrays.copyOf(doubleRow, Math.max(length, 2 * doubleRow.length));
      }
      System.arraycopy(doubleValues, value, doubleRow, rowLength, count);
    }
    value += count;
    rowLength = length;
  }

  /**
   * Decodes the next page; false when there is none. A {@code continuation} page's leading entries
   * belong to the row being read; otherwise the page must begin on a row, and the rows before the
   * piece are skipped.
   */
  private boolean readPage(boolean continuation) throws IOException {
    if (ended) {
      return false;
    }
    DataPage page;
    try {
      page = pages.readPage();
    } catch (RuntimeException e) {
      throw LocatedPageException.of(column.getPath(), "page " + pagesRead, e);
    }
    if (page == null) {
      ended = true;
      entries = 0;
      startCount = 0;
      nextStart = 0;
      return false;
    }
    long pageRow = page.getFirstRowIndex().orElse(nextPageRow);
    try {
      decode(page, pageRow);
      nextPageRow = pageRow + startCount;
      value = 0;
      nextStart = 0;
      if (!continuation) {
        long skip = Math.max(0, firstRow - pageRow);
        if (skip == 0 && entries > 0 && (startCount == 0 || starts[0] != 0)) {
          throw new IOException("the page starts inside a row");
        }
        nextStart = (int) Math.min(skip, startCount);
        int to = nextStart < startCount ? starts[nextStart] : entries;
        // The skipped rows' values.
        value = allPresent ? to : present(0, to);
      }
    } catch (IOException | RuntimeException e) {
      throw LocatedPageException.of(
          column.getPath(), "page " + pagesRead + " (rows from " + pageRow + ")", e);
    }
    pagesRead++;
    return true;
  }

  private int present(int from, int to) {
    int count = 0;
    for (int i = from; i < to; i++) {
      if (definition[i] == maxDefinition) {
        count++;
      }
    }
    return count;
  }

  private void decode(DataPage page, long pageRow) throws IOException {
    entries = page.getValueCount();
    // Room for the row starts: no more than the rows left in the row group (a page of wide rows
    // holds many entries and few rows).
    int room = (int) Math.max(0, Math.min(entries, groupRows - pageRow)) + 1;
    if (starts.length < room) {
      starts = new int[room];
    }
    if (page instanceof DataPageV1 v1) {
      if (v1.getRlEncoding() != Encoding.RLE || v1.getDlEncoding() != Encoding.RLE) {
        throw new IOException("level encodings " + v1.getRlEncoding() + "/" + v1.getDlEncoding());
      }
      ByteBuffer bytes = bytes(v1.getBytes());
      byte[] array = bytes.array();
      int at = bytes.arrayOffset() + bytes.position();
      int end = bytes.arrayOffset() + bytes.limit();
      int repetitionFrom = at + 4;
      int repetitionTo = repetitionFrom + PageRowReader.intLittleEndian(array, at, end);
      int definitionFrom = repetitionTo + 4;
      int definitionTo = definitionFrom + PageRowReader.intLittleEndian(array, repetitionTo, end);
      if (repetitionTo < repetitionFrom || definitionTo < definitionFrom || definitionTo > end) {
        throw new IOException("levels run past the page");
      }
      levels(array, repetitionFrom, repetitionTo, array, definitionFrom, definitionTo);
      values(v1.getValueEncoding(), array, definitionTo, end);
    } else {
      DataPageV2 v2 = (DataPageV2) page;
      byte[] repetitionBytes = v2.getRepetitionLevels().toByteArray();
      byte[] definitionBytes = v2.getDefinitionLevels().toByteArray();
      levels(
          repetitionBytes, 0, repetitionBytes.length, definitionBytes, 0, definitionBytes.length);
      ByteBuffer data = bytes(v2.getData());
      values(
          v2.getDataEncoding(),
          data.array(),
          data.arrayOffset() + data.position(),
          data.arrayOffset() + data.limit());
    }
  }

  /** A page part's bytes, in its own array or read into the reused one (not one per page). */
  private ByteBuffer bytes(BytesInput input) throws IOException {
    ByteBuffer bytes = input.toByteBuffer(buffer, released -> {});
    if (!bytes.hasArray()) {
      throw new IOException("page bytes are not on the heap");
    }
    return bytes;
  }

  /** Row starts, and definition levels unless every entry is a value. */
  private void levels(
      byte[] repetitionBytes,
      int repetitionFrom,
      int repetitionTo,
      byte[] definitionBytes,
      int definitionFrom,
      int definitionTo)
      throws IOException {
    allPresent =
        HybridDecoder.isOneValue(
            definitionBytes, definitionFrom, definitionTo, definitionWidth, entries, maxDefinition);
    if (allPresent && repetitionWidth == 1) {
      startCount =
          HybridDecoder.zeroPositions(
              repetitionBytes, repetitionFrom, repetitionTo, entries, starts);
      return;
    }
    if (repetition.length < entries + 8) {
      repetition = new int[entries + 8];
      definition = new int[entries + 8];
    }
    HybridDecoder.decode(
        repetitionBytes, repetitionFrom, repetitionTo, repetitionWidth, repetition, entries);
    HybridDecoder.decode(
        definitionBytes, definitionFrom, definitionTo, definitionWidth, definition, entries);
    allPresent = false;
    int found = 0;
    for (int i = 0; i < entries; i++) {
      if (repetition[i] == 0) {
        if (found == starts.length) {
          throw new IOException("the repetition levels start more rows than the row group has");
        }
        starts[found++] = i;
      }
    }
    startCount = found;
  }

  /** The page's present values, in order, into the page value array. */
  private void values(Encoding encoding, byte[] bytes, int from, int to) throws IOException {
    int count = allPresent ? entries : present(0, entries);
    if (floats) {
      if (floatValues.length < count) {
        floatValues = new float[count];
      }
    } else if (doubleValues.length < count) {
      doubleValues = new double[count];
    }
    switch (encoding) {
      case PLAIN -> plain(bytes, from, to, count);
      case PLAIN_DICTIONARY, RLE_DICTIONARY -> {
        if (floatDictionary == null && doubleDictionary == null) {
          throw new IOException("dictionary-encoded page without a dictionary page");
        }
        if (count == 0) {
          return;
        }
        if (from >= to) {
          throw new IOException("truncated dictionary ids");
        }
        // Bit-packed groups decode eight ids at a time, so the last group may overrun count.
        if (ids.length < count + 8) {
          ids = new int[count + 8];
        }
        HybridDecoder.decode(bytes, from + 1, to, bytes[from] & 0xFF, ids, count);
        int size = floats ? floatDictionary.length : doubleDictionary.length;
        for (int i = 0; i < count; i++) {
          int id = ids[i];
          if (id < 0 || id >= size) {
            throw new IOException("dictionary id " + id + " of " + size);
          }
          if (floats) {
            floatValues[i] = floatDictionary[id];
          } else {
            doubleValues[i] = doubleDictionary[id];
          }
        }
      }
      default -> general(encoding, bytes, from, to, count);
    }
  }

  private void plain(byte[] bytes, int from, int to, int count) throws IOException {
    int width = type == PrimitiveTypeName.INT64 || type == PrimitiveTypeName.DOUBLE ? 8 : 4;
    if ((long) count * width > to - from) {
      throw new IOException("page holds fewer values than its levels say");
    }
    ByteBuffer in = ByteBuffer.wrap(bytes, from, to - from).slice().order(ByteOrder.LITTLE_ENDIAN);
    switch (type) {
      case FLOAT -> {
        if (floats) {
          in.asFloatBuffer().get(floatValues, 0, count);
        } else {
          for (int i = 0; i < count; i++) {
            doubleValues[i] = in.getFloat(4 * i);
          }
        }
      }
      case DOUBLE -> in.asDoubleBuffer().get(doubleValues, 0, count);
      case INT32 -> {
        for (int i = 0; i < count; i++) {
          doubleValues[i] = in.getInt(4 * i);
        }
      }
      default -> {
        for (int i = 0; i < count; i++) {
          doubleValues[i] = (double) in.getLong(8 * i);
        }
      }
    }
  }

  private void general(Encoding encoding, byte[] bytes, int from, int to, int count)
      throws IOException {
    ValuesReader reader = encoding.getValuesReader(column, ValuesType.VALUES);
    reader.initFromPage(count, ByteBufferInputStream.wrap(ByteBuffer.wrap(bytes, from, to - from)));
    for (int i = 0; i < count; i++) {
      if (floats) {
        floatValues[i] = reader.readFloat();
      } else {
        doubleValues[i] =
            switch (type) {
              case INT32 -> reader.readInteger();
              case INT64 -> (double) reader.readLong();
              case FLOAT -> reader.readFloat();
              default -> reader.readDouble();
            };
      }
    }
  }
}
