package dev.xent.job.page;

import java.io.IOException;
import java.nio.ByteBuffer;
import org.apache.parquet.bytes.ByteBufferInputStream;
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
 * A piece's labels (a flat INT32, INT64, FLOAT or DOUBLE column, one entry per row), decoded a page
 * at a time into arrays: definition levels and dictionary ids with {@link HybridDecoder}'s batched
 * runs, PLAIN values straight from the page bytes. Other encodings of a page (DELTA,
 * BYTE_STREAM_SPLIT, BIT_PACKED levels, ...) go through parquet's own value readers, so every page
 * is read. Parquet's column reader, which this replaces, decoded one id per call: a fifth of the
 * page reader's time at 100 classes.
 *
 * <p>When the piece starts inside a row group, its first label page may begin before the piece: the
 * page's first row index (from the offset index) says how many entries to skip.
 */
final class LabelPages {
  private final PageReader pages;
  private final ColumnDescriptor column;
  private final PrimitiveTypeName type;
  private final int maxDefinition;
  private final long firstRow;
  private final double[] dictionary;

  private boolean[] present = new boolean[0];
  private double[] values = new double[0];
  private int[] levels = new int[0];
  private int[] ids = new int[0];
  private int position;
  private int count;
  private long nextPageRow;
  private int pagesRead;
  private double value;

  /** Labels of the rows from {@code firstRow} (of the row group) on, from {@code pages}. */
  LabelPages(PageReader pages, ColumnDescriptor column, long firstRow) throws IOException {
    this.pages = pages;
    this.column = column;
    this.type = column.getPrimitiveType().getPrimitiveTypeName();
    this.maxDefinition = column.getMaxDefinitionLevel();
    this.firstRow = firstRow;
    DictionaryPage page = pages.readDictionaryPage();
    this.dictionary = page == null ? null : dictionary(page);
  }

  /** Moves to the next row's label; false when it is null. */
  boolean next() throws IOException {
    while (position == count) {
      readPage();
    }
    value = values[position];
    return present[position++];
  }

  double value() {
    return value;
  }

  private double[] dictionary(DictionaryPage page) throws IOException {
    Dictionary decoded = page.getEncoding().initDictionary(column, page);
    double[] entries = new double[decoded.getMaxId() + 1];
    for (int id = 0; id < entries.length; id++) {
      entries[id] =
          switch (type) {
            case INT32 -> decoded.decodeToInt(id);
            case INT64 -> (double) decoded.decodeToLong(id);
            case FLOAT -> decoded.decodeToFloat(id);
            default -> decoded.decodeToDouble(id);
          };
    }
    return entries;
  }

  private void readPage() throws IOException {
    DataPage page;
    try {
      page = pages.readPage();
    } catch (RuntimeException e) {
      throw LocatedPageException.of(column.getPath(), "page " + pagesRead, e);
    }
    if (page == null) {
      throw LocatedPageException.of(
          column.getPath(), null, new IOException("the pages end before the logits rows"));
    }
    try {
      decode(page);
    } catch (IOException | RuntimeException e) {
      long pageRow = page.getFirstRowIndex().orElse(nextPageRow);
      throw LocatedPageException.of(
          column.getPath(), "page " + pagesRead + " (rows from " + pageRow + ")", e);
    }
    pagesRead++;
  }

  private void decode(DataPage page) throws IOException {
    int entries = page.getValueCount();
    reserve(entries);
    long pageRow = page.getFirstRowIndex().orElse(nextPageRow);
    if (page instanceof DataPageV1 v1) {
      readV1(v1, entries);
    } else {
      DataPageV2 v2 = (DataPageV2) page;
      byte[] definition = v2.getDefinitionLevels().toByteArray();
      if (maxDefinition > 0) {
        HybridDecoder.decode(definition, 0, definition.length, levelWidth(), levels, entries);
      }
      byte[] data = v2.getData().toByteArray();
      readValues(v2.getDataEncoding(), data, 0, data.length, entries);
    }
    position = (int) Math.max(0, Math.min(entries, firstRow - pageRow));
    count = entries;
    nextPageRow = pageRow + entries;
  }

  private void readV1(DataPageV1 page, int entries) throws IOException {
    byte[] bytes = page.getBytes().toByteArray();
    int at = 0;
    if (maxDefinition > 0) {
      if (page.getDlEncoding() == Encoding.RLE && column.getMaxRepetitionLevel() == 0) {
        int length = PageRowReader.intLittleEndian(bytes, 0, bytes.length);
        if (length < 0 || 4 + length > bytes.length) {
          throw new IOException("label definition levels run past the page");
        }
        HybridDecoder.decode(bytes, 4, 4 + length, levelWidth(), levels, entries);
        at = 4 + length;
      } else {
        // Other level encodings (BIT_PACKED from old writers) through parquet's readers.
        ByteBufferInputStream in = ByteBufferInputStream.wrap(ByteBuffer.wrap(bytes));
        page.getRlEncoding()
            .getValuesReader(column, ValuesType.REPETITION_LEVEL)
            .initFromPage(entries, in);
        ValuesReader definition =
            page.getDlEncoding().getValuesReader(column, ValuesType.DEFINITION_LEVEL);
        definition.initFromPage(entries, in);
        for (int i = 0; i < entries; i++) {
          levels[i] = definition.readInteger();
        }
        at = (int) in.position();
      }
    }
    readValues(page.getValueEncoding(), bytes, at, bytes.length, entries);
  }

  /** The values of the present entries into {@code values}, null entries marked absent. */
  private void readValues(Encoding encoding, byte[] bytes, int from, int to, int entries)
      throws IOException {
    int presentCount = 0;
    for (int i = 0; i < entries; i++) {
      boolean here = maxDefinition == 0 || levels[i] == maxDefinition;
      present[i] = here;
      presentCount += here ? 1 : 0;
    }
    // Decode the present values densely into the front of the array, then spread them out.
    switch (encoding) {
      case PLAIN -> plain(bytes, from, to, presentCount);
      case PLAIN_DICTIONARY, RLE_DICTIONARY -> {
        if (dictionary == null) {
          throw new IOException("dictionary-encoded label page without a dictionary page");
        }
        if (presentCount > 0) {
          if (from >= to) {
            throw new IOException("truncated label dictionary ids");
          }
          HybridDecoder.decode(bytes, from + 1, to, bytes[from] & 0xFF, ids, presentCount);
        }
        for (int i = 0; i < presentCount; i++) {
          int id = ids[i];
          if (id < 0 || id >= dictionary.length) {
            throw new IOException("label dictionary id " + id + " of " + dictionary.length);
          }
          values[i] = dictionary[id];
        }
      }
      default -> general(encoding, bytes, from, to, presentCount);
    }
    if (presentCount < entries) {
      for (int i = entries - 1, v = presentCount - 1; i >= 0; i--) {
        values[i] = present[i] ? values[v--] : 0.0;
      }
    }
  }

  private void plain(byte[] bytes, int from, int to, int presentCount) throws IOException {
    int width = type == PrimitiveTypeName.INT64 || type == PrimitiveTypeName.DOUBLE ? 8 : 4;
    if ((long) presentCount * width > to - from) {
      throw new IOException("label page holds fewer values than its levels say");
    }
    for (int i = 0, at = from; i < presentCount; i++, at += width) {
      long bits = bytes[at] & 0xFFL;
      for (int k = 1; k < width; k++) {
        bits |= (bytes[at + k] & 0xFFL) << (8 * k);
      }
      values[i] =
          switch (type) {
            case INT32 -> (int) bits;
            case INT64 -> (double) bits;
            case FLOAT -> Float.intBitsToFloat((int) bits);
            default -> Double.longBitsToDouble(bits);
          };
    }
  }

  private void general(Encoding encoding, byte[] bytes, int from, int to, int presentCount)
      throws IOException {
    ValuesReader reader = encoding.getValuesReader(column, ValuesType.VALUES);
    reader.initFromPage(
        presentCount, ByteBufferInputStream.wrap(ByteBuffer.wrap(bytes, from, to - from)));
    for (int i = 0; i < presentCount; i++) {
      values[i] =
          switch (type) {
            case INT32 -> reader.readInteger();
            case INT64 -> (double) reader.readLong();
            case FLOAT -> reader.readFloat();
            default -> reader.readDouble();
          };
    }
  }

  private int levelWidth() {
    return BytesUtils.getWidthFromMaxInt(maxDefinition);
  }

  private void reserve(int entries) {
    if (present.length < entries) {
      present = new boolean[entries];
      values = new double[entries];
      levels = new int[entries + 8];
      ids = new int[entries + 8];
    }
  }
}
