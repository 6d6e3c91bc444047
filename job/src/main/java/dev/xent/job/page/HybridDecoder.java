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
}
