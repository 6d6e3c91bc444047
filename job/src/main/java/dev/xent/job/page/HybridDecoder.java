package dev.xent.job.page;

import java.io.IOException;
import org.apache.parquet.column.values.bitpacking.BytePacker;
import org.apache.parquet.column.values.bitpacking.Packer;

/**
 * Parquet's RLE / bit-packed hybrid (levels and dictionary ids), decoded a run at a time: an RLE
 * run is one fill, a bit-packed run goes through parquet's {@link BytePacker} eight values per
 * call. Spark's reader and parquet's {@code readInt()} decode one value per call, which dominated
 * their time on list columns.
 */
final class HybridDecoder {
  private HybridDecoder() {}

  /**
   * Decodes {@code count} values of {@code bitWidth} bits from {@code in[position..limit)} into
   * {@code out[0..count)}; {@code out} needs 8 slots of slack for a last partial group. Returns the
   * position after the last run read.
   */
  static int decode(byte[] in, int position, int limit, int bitWidth, int[] out, int count)
      throws IOException {
    if (bitWidth == 0) {
      java.util.Arrays.fill(out, 0, count, 0);
      return position;
    }
    BytePacker packer = Packer.LITTLE_ENDIAN.newBytePacker(bitWidth);
    int byteWidth = (bitWidth + 7) / 8;
    int filled = 0;
    int at = position;
    while (filled < count) {
      int header = 0;
      int shift = 0;
      int b;
      do {
        if (at >= limit) {
          throw new IOException("truncated RLE/bit-packed run (" + filled + " of " + count + ")");
        }
        b = in[at++] & 0xFF;
        header |= (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if ((header & 1) == 0) {
        int run = Math.min(header >>> 1, count - filled);
        if (at + byteWidth > limit) {
          throw new IOException("truncated RLE run");
        }
        int value = 0;
        for (int i = 0; i < byteWidth; i++) {
          value |= (in[at + i] & 0xFF) << (8 * i);
        }
        at += byteWidth;
        java.util.Arrays.fill(out, filled, filled + run, value);
        filled += run;
      } else {
        int groups = header >>> 1;
        int end = at + groups * bitWidth;
        if (end > limit) {
          throw new IOException("truncated bit-packed run");
        }
        // Values past count in the last group are padding (they land in the slack).
        for (int g = at; g < end && filled < count; g += bitWidth) {
          packer.unpack8Values(in, g, out, filled);
          filled += Math.min(8, count - filled);
        }
        at = end;
      }
    }
    return at;
  }

  /**
   * Whether {@code count} values of the hybrid encoding are all {@code value} in RLE runs (how
   * writers store "every entry present"). A bit-packed run answers false without decoding; the
   * caller then decodes the levels.
   */
  static boolean isOneValue(byte[] in, int position, int limit, int bitWidth, int count, int value)
      throws IOException {
    if (bitWidth == 0) {
      return value == 0;
    }
    int byteWidth = (bitWidth + 7) / 8;
    int covered = 0;
    int at = position;
    while (covered < count) {
      int header = 0;
      int shift = 0;
      int b;
      do {
        if (at >= limit) {
          throw new IOException("truncated RLE/bit-packed run");
        }
        b = in[at++] & 0xFF;
        header |= (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if ((header & 1) != 0 || at + byteWidth > limit) {
        return false;
      }
      int runValue = 0;
      for (int i = 0; i < byteWidth; i++) {
        runValue |= (in[at + i] & 0xFF) << (8 * i);
      }
      if (runValue != value) {
        return false;
      }
      at += byteWidth;
      covered += header >>> 1;
    }
    return true;
  }

  /**
   * The positions of the zeros among {@code count} one-bit values (repetition levels of a list:
   * zero starts a row) into {@code out}; returns how many. Bit-packed bytes are scanned eight
   * values at a time: a byte of ones (all continuations) costs one comparison. {@code out} may be
   * shorter than {@code count} (a page of wide rows has few starts among many values): more zeros
   * than it holds is an error, as they would be more rows than the row group has.
   */
  static int zeroPositions(byte[] in, int position, int limit, int count, int[] out)
      throws IOException {
    int found = 0;
    int index = 0;
    int at = position;
    while (index < count) {
      int header = 0;
      int shift = 0;
      int b;
      do {
        if (at >= limit) {
          throw new IOException("truncated RLE/bit-packed run");
        }
        b = in[at++] & 0xFF;
        header |= (b & 0x7F) << shift;
        shift += 7;
      } while ((b & 0x80) != 0);
      if ((header & 1) == 0) {
        int run = Math.min(header >>> 1, count - index);
        if (at >= limit) {
          throw new IOException("truncated RLE run");
        }
        if ((in[at++] & 1) == 0) {
          if (found + run > out.length) {
            throw tooManyStarts(out.length);
          }
          for (int i = 0; i < run; i++) {
            out[found++] = index + i;
          }
        }
        index += run;
      } else {
        int end = at + (header >>> 1);
        if (end > limit) {
          throw new IOException("truncated bit-packed run");
        }
        for (; at < end && index < count; at++, index += 8) {
          int zeros = ~in[at] & 0xFF;
          while (zeros != 0) {
            int bit = Integer.numberOfTrailingZeros(zeros);
            if (index + bit < count) {
              if (found == out.length) {
                throw tooManyStarts(out.length);
              }
              out[found++] = index + bit;
            }
            zeros &= zeros - 1;
          }
        }
        at = end;
      }
    }
    return found;
  }

  private static IOException tooManyStarts(int room) {
    return new IOException("the repetition levels start more than " + room + " rows on one page");
  }
}
