package dev.xent.kernel;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * One exact sum per index, for accumulators that keep hundreds of thousands of them ({@link
 * ClassTally}): a full {@link ExactSum} (68 limbs, ~560 bytes) per index would not fit a driver
 * heap, so each sum lives in a small floating window and only the rare sum that outgrows it is
 * promoted to an unbounded {@link BigInteger}.
 *
 * <p>Layout of cell {@code i}, for a column of width W (2 or 3): {@code words[i·W … i·W+W−1]} hold
 * a W·64-bit two's complement integer X (least significant word first) and {@code exponents[i]} the
 * binary exponent of its lowest bit, so the cell's value is exactly {@code X · 2^exponent}. That is
 * 8·W + 2 bytes per index. An addend {@code m · 2^e} (m an integer, trailing zeros stripped) goes
 * in at exponent {@code min(exponent, e)}: the window is rebased down when the addend has lower
 * bits, which keeps every bit. The window holds the sum exactly as long as it spans at most W·64 −
 * 1 bits from its lowest set addend bit to the top of the running sum; the add that would need more
 * (checked before it is made: bit lengths for the shifts, the sign rule for the two's complement
 * overflow of the addition) promotes the cell instead. A cell whose X becomes 0 forgets its
 * exponent, so cancellation makes room again.
 *
 * <p>Promoted cells are {@code BigInteger · 2^}{@value #PROMOTED_EXPONENT}, in a map: every addend
 * this column accepts (a double, or the exact product of two doubles) is a multiple of 2^−2148 =
 * 2^−1074 · 2^−1074. The one non-finite state is +∞ (the caller adds no NaN and no −∞), which
 * absorbs everything.
 *
 * <p>Every state change keeps the invariant value(cell) = Σ addends exactly, so the sum does not
 * depend on the order of additions or merges; only the representation (window or promoted) may.
 */
final class ExactSumColumn {
  /** The exponent of a promoted cell's unscaled BigInteger: the lowest bit of any addend. */
  static final int PROMOTED_EXPONENT = -2148;

  private static final short PROMOTED = Short.MIN_VALUE;
  private static final short INFINITE = Short.MIN_VALUE + 1;

  // Serialised cell headers; a window of k bytes is WINDOW + k.
  private static final int ZERO_CELL = 0;
  private static final int INFINITE_CELL = 1;
  private static final int PROMOTED_CELL = 2;
  private static final int WINDOW = 3;

  private final int width;
  private final int bits;
  private long[] words;
  private short[] exponents;
  private final Map<Integer, BigInteger> promoted = new HashMap<>();
  // Scratch for one shifted addend and one tentative result.
  private final long[] addend;
  private final long[] result;

  ExactSumColumn(int width, int capacity) {
    if (width < 2 || width > 8) {
      throw new IllegalArgumentException("Cannot make a column of width " + width + ": not 2..8");
    }
    this.width = width;
    this.bits = 64 * width;
    this.words = new long[Math.multiplyExact(capacity, width)];
    this.exponents = new short[capacity];
    this.addend = new long[width];
    this.result = new long[width];
  }

  int capacity() {
    return exponents.length;
  }

  void grow(int capacity) {
    if (capacity > exponents.length) {
      words = Arrays.copyOf(words, Math.multiplyExact(capacity, width));
      exponents = Arrays.copyOf(exponents, capacity);
    }
  }

  /** Adds {@code v}: any finite double, or +∞. */
  void add(int i, double v) {
    if (v == Double.POSITIVE_INFINITY) {
      setInfinite(i);
      return;
    }
    if (!Double.isFinite(v)) {
      throw new IllegalArgumentException("Cannot add " + v + ": only finite values and +∞");
    }
    if (v == 0.0) {
      return;
    }
    long bitsOf = Double.doubleToRawLongBits(v);
    addInteger(i, bitsOf < 0, 0, significand(bitsOf), exponent(bitsOf));
  }

  /**
   * Adds the exact product {@code a · b} of two finite doubles: the 106-bit product of their
   * significands at the sum of their exponents, so neither underflow (subnormal weights) nor
   * overflow (a product beyond the double range) loses a bit; where the two-product {@code hi =
   * a·b, lo = fma(a, b, −hi)} is exact this is the same number as {@code hi + lo}.
   */
  void addProduct(int i, double a, double b) {
    if (!Double.isFinite(a) || !Double.isFinite(b)) {
      throw new IllegalArgumentException(
          "Cannot add the product " + a + " · " + b + ": not finite");
    }
    if (a == 0.0 || b == 0.0) {
      return;
    }
    long abits = Double.doubleToRawLongBits(a);
    long bbits = Double.doubleToRawLongBits(b);
    long ma = significand(abits);
    long mb = significand(bbits);
    // Both significands are < 2^53, so the signed high half of the product is the unsigned one.
    addInteger(
        i,
        (abits ^ bbits) < 0,
        Math.multiplyHigh(ma, mb),
        ma * mb,
        exponent(abits) + exponent(bbits));
  }

  private static long significand(long bitsOf) {
    long mantissa = bitsOf & 0x000F_FFFF_FFFF_FFFFL;
    return ((bitsOf >>> 52) & 0x7FF) == 0 ? mantissa : mantissa | (1L << 52);
  }

  /** The exponent of the significand's lowest bit: v = significand · 2^exponent. */
  private static int exponent(long bitsOf) {
    int biased = (int) ((bitsOf >>> 52) & 0x7FF);
    // Subnormals share the exponent of the smallest normal.
    return (biased == 0 ? 1 : biased) - 1075;
  }

  /** Adds ±(hi·2^64 + lo)·2^e, hi·2^64 + lo a non-zero magnitude below 2^126. */
  private void addInteger(int i, boolean negative, long hi, long lo, int e) {
    short state = exponents[i];
    if (state == INFINITE) {
      return;
    }
    // Strip trailing zeros: the window then starts at the addend's lowest set bit.
    if (lo == 0) {
      lo = hi;
      hi = 0;
      e += 64;
    }
    int tz = Long.numberOfTrailingZeros(lo);
    if (tz > 0) {
      lo = (lo >>> tz) | (hi << (64 - tz));
      hi >>>= tz;
      e += tz;
    }
    if (state == PROMOTED) {
      addPromoted(i, magnitude(hi, lo, negative), e);
      return;
    }
    int magnitudeBits =
        hi != 0 ? 128 - Long.numberOfLeadingZeros(hi) : 64 - Long.numberOfLeadingZeros(lo);
    int off = i * width;
    if (isZero(words, off)) {
      Arrays.fill(addend, 0);
      addend[0] = lo;
      addend[1] = hi;
      if (negative) {
        negate(addend, 0);
      }
      System.arraycopy(addend, 0, words, off, width);
      exponents[i] = (short) e;
      return;
    }
    int base = state;
    int newBase = Math.min(base, e);
    // Both operands must stay below 2^(bits−1) in magnitude once shifted to the new base.
    if (signedBitLength(words, off) + (base - newBase) > bits - 1
        || magnitudeBits + (e - newBase) > bits - 1) {
      promote(i);
      addPromoted(i, magnitude(hi, lo, negative), e);
      return;
    }
    if (base != newBase) {
      // Rebase down: the value is unchanged, so the cell stays consistent whatever follows.
      shiftLeft(words, off, base - newBase);
      exponents[i] = (short) newBase;
    }
    Arrays.fill(addend, 0);
    addend[0] = lo;
    addend[1] = hi;
    shiftLeft(addend, 0, e - newBase);
    if (negative) {
      negate(addend, 0);
    }
    addInto(i, addend);
  }

  /** words[cell] += operand (same base), or promotes the cell when the sum would overflow. */
  private void addInto(int i, long[] operand) {
    int off = i * width;
    long carry = 0;
    for (int j = 0; j < width; j++) {
      long x = words[off + j];
      long y = operand[j];
      long r = x + y + carry;
      // Carry out of bit 63 is the majority of x63, y63 and the carry into bit 63.
      carry = ((x & y) | ((x | y) & ~r)) >>> 63;
      result[j] = r;
    }
    boolean xNegative = words[off + width - 1] < 0;
    boolean yNegative = operand[width - 1] < 0;
    // Two's complement overflow: operands of one sign, a result of the other.
    if (xNegative == yNegative && (result[width - 1] < 0) != xNegative) {
      BigInteger y = toBigInteger(operand, 0).shiftLeft(exponents[i] - PROMOTED_EXPONENT);
      promote(i);
      promoted.merge(i, y, BigInteger::add);
      return;
    }
    System.arraycopy(result, 0, words, off, width);
  }

  private static BigInteger magnitude(long hi, long lo, boolean negative) {
    BigInteger m = BigInteger.valueOf(hi).shiftLeft(64).add(unsigned(lo));
    return negative ? m.negate() : m;
  }

  private void addPromoted(int i, BigInteger m, int e) {
    promoted.merge(i, m.shiftLeft(e - PROMOTED_EXPONENT), BigInteger::add);
  }

  /** Moves a window cell into the promoted map, value unchanged. */
  private void promote(int i) {
    int off = i * width;
    BigInteger value =
        isZero(words, off)
            ? BigInteger.ZERO
            : toBigInteger(words, off).shiftLeft(exponents[i] - PROMOTED_EXPONENT);
    promoted.put(i, value);
    Arrays.fill(words, off, off + width, 0);
    exponents[i] = PROMOTED;
  }

  private void setInfinite(int i) {
    promoted.remove(i);
    Arrays.fill(words, i * width, (i + 1) * width, 0);
    exponents[i] = INFINITE;
  }

  /** Adds cell {@code i} of {@code other} (of the same width) into cell {@code i}. */
  void merge(int i, ExactSumColumn other) {
    if (other.width != width) {
      throw new IllegalArgumentException(
          "Cannot merge a column of width " + other.width + " into one of width " + width);
    }
    short theirs = other.exponents[i];
    if (theirs == INFINITE) {
      setInfinite(i);
      return;
    }
    short ours = exponents[i];
    if (ours == INFINITE) {
      return;
    }
    int off = i * width;
    if (theirs == PROMOTED) {
      if (ours != PROMOTED) {
        promote(i);
      }
      promoted.merge(i, other.promoted.get(i), BigInteger::add);
      return;
    }
    if (isZero(other.words, off)) {
      return;
    }
    if (ours == PROMOTED) {
      promoted.merge(
          i, toBigInteger(other.words, off).shiftLeft(theirs - PROMOTED_EXPONENT), BigInteger::add);
      return;
    }
    if (isZero(words, off)) {
      System.arraycopy(other.words, off, words, off, width);
      exponents[i] = theirs;
      return;
    }
    int newBase = Math.min(ours, theirs);
    if (signedBitLength(words, off) + (ours - newBase) > bits - 1
        || signedBitLength(other.words, off) + (theirs - newBase) > bits - 1) {
      promote(i);
      promoted.merge(
          i, toBigInteger(other.words, off).shiftLeft(theirs - PROMOTED_EXPONENT), BigInteger::add);
      return;
    }
    if (ours != newBase) {
      shiftLeft(words, off, ours - newBase);
      exponents[i] = (short) newBase;
    }
    System.arraycopy(other.words, off, addend, 0, width);
    shiftLeft(addend, 0, theirs - newBase);
    addInto(i, addend);
  }

  boolean isInfinite(int i) {
    return exponents[i] == INFINITE;
  }

  boolean isPromoted(int i) {
    return exponents[i] == PROMOTED;
  }

  /** The finite value of cell {@code i} exactly (0 for an infinite cell). */
  Dyadic exact(int i) {
    short state = exponents[i];
    if (state == INFINITE) {
      return Dyadic.ZERO;
    }
    if (state == PROMOTED) {
      return new Dyadic(promoted.get(i), PROMOTED_EXPONENT);
    }
    int off = i * width;
    return isZero(words, off) ? Dyadic.ZERO : new Dyadic(toBigInteger(words, off), state);
  }

  /** Cell {@code i} rounded once to the nearest double; +∞ for an infinite cell. */
  double sum(int i) {
    return isInfinite(i) ? Double.POSITIVE_INFINITY : exact(i).toDouble();
  }

  /** Whether the exact value of cell {@code i} is > 0 (+∞ included). */
  boolean isPositive(int i) {
    return isInfinite(i) || exact(i).signum() > 0;
  }

  /**
   * Bytes held: both arrays with their 16-byte headers, and for each promoted cell its BigInteger
   * (magnitude bytes + ~56 bytes of object headers and fields) plus ~48 bytes of map entry and
   * boxed key. The window layout itself is 8·W + 2 bytes per index of capacity.
   */
  long retainedBytes() {
    long total = 16 + 8L * words.length + 16 + 2L * exponents.length;
    for (BigInteger value : promoted.values()) {
      total += 56 + 48 + (value.bitLength() + 31) / 32 * 4;
    }
    return total;
  }

  /** Promoted cells among the first {@code n}. */
  int promotedCount() {
    return promoted.size();
  }

  // ---- compact serialisation ----

  /**
   * Writes cells {@code 0 … n−1}: per cell a varint header (0 zero, 1 +∞, 2 promoted, 3 + k a
   * window of k bytes), then for a window the zigzag varint exponent and the k low bytes of X
   * (least significant first; k is the fewest bytes whose sign extension gives X back), for a
   * promoted cell the varint length and bytes of its BigInteger.
   */
  void write(DataOutput out, int n) throws IOException {
    for (int i = 0; i < n; i++) {
      short state = exponents[i];
      int off = i * width;
      if (state == INFINITE) {
        writeVarLong(out, INFINITE_CELL);
      } else if (state == PROMOTED) {
        writeVarLong(out, PROMOTED_CELL);
        byte[] bytes = promoted.get(i).toByteArray();
        writeVarLong(out, bytes.length);
        out.write(bytes);
      } else if (isZero(words, off)) {
        writeVarLong(out, ZERO_CELL);
      } else {
        // The sign bit needs a place too: bitLength + 1 bits.
        int k = signedBitLength(words, off) / 8 + 1;
        writeVarLong(out, WINDOW + k);
        writeVarLong(out, zigzag(state));
        for (int b = 0; b < k; b++) {
          out.writeByte((int) (words[off + b / 8] >>> (8 * (b % 8))));
        }
      }
    }
  }

  /** Reads what {@link #write} wrote for {@code n} cells into a column of that capacity. */
  static ExactSumColumn read(DataInput in, int n, int width) throws IOException {
    ExactSumColumn column = new ExactSumColumn(width, n);
    for (int i = 0; i < n; i++) {
      long header = readVarLong(in);
      int off = i * width;
      if (header == ZERO_CELL) {
        continue;
      }
      if (header == INFINITE_CELL) {
        column.exponents[i] = INFINITE;
      } else if (header == PROMOTED_CELL) {
        long length = readVarLong(in);
        if (length < 1 || length > 1 << 16) {
          throw new InvalidObjectException(
              "Cannot read cell " + i + ": a promoted sum of " + length + " bytes");
        }
        byte[] bytes = new byte[(int) length];
        in.readFully(bytes);
        column.exponents[i] = PROMOTED;
        column.promoted.put(i, new BigInteger(bytes));
      } else {
        long k = header - WINDOW;
        if (k < 1 || k > 8L * width) {
          throw new InvalidObjectException(
              "Cannot read cell " + i + ": a window of " + k + " bytes in " + width + " words");
        }
        long e = unzigzag(readVarLong(in));
        if (e <= INFINITE || e > Short.MAX_VALUE) {
          throw new InvalidObjectException("Cannot read cell " + i + ": exponent " + e);
        }
        long[] w = column.words;
        for (int b = 0; b < k; b++) {
          w[off + b / 8] |= (long) in.readUnsignedByte() << (8 * (b % 8));
        }
        // Sign-extend from bit 8k − 1.
        int top = (int) (8 * k - 1);
        if (((w[off + top / 64] >>> (top % 64)) & 1) == 1) {
          int shift = 63 - top % 64;
          w[off + top / 64] = (w[off + top / 64] << shift) >> shift;
          for (int j = top / 64 + 1; j < width; j++) {
            w[off + j] = -1L;
          }
        }
        column.exponents[i] = (short) e;
      }
    }
    return column;
  }

  static void writeVarLong(DataOutput out, long value) throws IOException {
    while ((value & ~0x7FL) != 0) {
      out.writeByte((int) ((value & 0x7F) | 0x80));
      value >>>= 7;
    }
    out.writeByte((int) value);
  }

  static long readVarLong(DataInput in) throws IOException {
    long value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.readUnsignedByte();
      value |= (long) (b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        return value;
      }
    }
    throw new InvalidObjectException("Cannot read a varint: more than 10 bytes");
  }

  private static long zigzag(long v) {
    return (v << 1) ^ (v >> 63);
  }

  private static long unzigzag(long v) {
    return (v >>> 1) ^ -(v & 1);
  }

  // ---- W-word two's complement integers at words[off … off+W−1], least significant first ----

  private boolean isZero(long[] w, int off) {
    for (int j = 0; j < width; j++) {
      if (w[off + j] != 0) {
        return false;
      }
    }
    return true;
  }

  /** BigInteger.bitLength of the integer: the bits it needs besides its sign bit. */
  private int signedBitLength(long[] w, int off) {
    long sign = w[off + width - 1] >> 63;
    for (int j = width - 1; j >= 0; j--) {
      long v = w[off + j] ^ sign;
      if (v != 0) {
        return 64 * j + 64 - Long.numberOfLeadingZeros(v);
      }
    }
    return 0;
  }

  /** Shifts left by k bits, 0 ≤ k < W·64; the caller has checked that nothing falls off. */
  private void shiftLeft(long[] w, int off, int k) {
    if (k == 0) {
      return;
    }
    int wordShift = k >>> 6;
    int bitShift = k & 63;
    for (int j = width - 1; j >= 0; j--) {
      int src = j - wordShift;
      long v = src >= 0 ? w[off + src] : 0;
      if (bitShift != 0) {
        long lower = src >= 1 ? w[off + src - 1] : 0;
        v = (v << bitShift) | (lower >>> (64 - bitShift));
      }
      w[off + j] = v;
    }
  }

  private void negate(long[] w, int off) {
    long carry = 1;
    for (int j = 0; j < width; j++) {
      long v = ~w[off + j] + carry;
      carry = (carry == 1 && v == 0) ? 1 : 0;
      w[off + j] = v;
    }
  }

  private BigInteger toBigInteger(long[] w, int off) {
    BigInteger value = BigInteger.valueOf(w[off + width - 1]);
    for (int j = width - 2; j >= 0; j--) {
      value = value.shiftLeft(64).add(unsigned(w[off + j]));
    }
    return value;
  }

  private static BigInteger unsigned(long v) {
    BigInteger b = BigInteger.valueOf(v & Long.MAX_VALUE);
    return v < 0 ? b.setBit(63) : b;
  }
}
