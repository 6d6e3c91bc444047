package dev.xent.kernel;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/** Unsigned LEB128 integers: 7 bits a byte, so small counts take one byte instead of eight. */
final class Varint {
  private Varint() {}

  /** Writes {@code value} (read as unsigned) in 1 to 10 bytes. */
  static void write(DataOutput out, long value) throws IOException {
    while ((value & ~0x7FL) != 0) {
      out.writeByte((int) (value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.writeByte((int) value);
  }

  static long read(DataInput in) throws IOException {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.readUnsignedByte();
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new IOException("Cannot read a varint: more than 10 bytes");
  }

  /** Reads a value that must fit an int in [0, max]. */
  static int readInt(DataInput in, int max, String what) throws IOException {
    long value = read(in);
    if (value < 0 || value > max) {
      throw new IOException("Cannot read " + what + ": " + value + " is not in [0, " + max + "]");
    }
    return (int) value;
  }
}
