package dev.xent.kernel;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * An exact sum of doubles: every finite addend lands without rounding in a fixed-point accumulator
 * spanning the whole double range (bit 0 is 2^-1074), and the result is rounded once. The sum is
 * therefore independent of the order of additions and of how the input was split and merged, which
 * is what makes Spark results independent of partitioning.
 *
 * <p>Non-finite addends are counted, not accumulated: any NaN, or both +∞ and −∞, gives NaN; +∞
 * gives +∞; −∞ gives −∞. A finite exact sum beyond the double range rounds to ±∞.
 *
 * <p>Cost: a handful of shifts and three long additions per value. {@link #writeTo} stores only the
 * limbs in use (about 17 bytes for a sum of ordinary magnitude, instead of the 544 of the array).
 */
public final class ExactSum implements Serializable {
  private static final long serialVersionUID = 2L;

  private static final int LIMB_BITS = 32;
  private static final long LIMB_MASK = 0xFFFF_FFFFL;
  // Bit positions 0 … 2098 hold any double; two more limbs absorb carries of 2^63 additions.
  private static final int LIMBS = (2099 + 64) / LIMB_BITS + 1;
  // Each limb takes < 2^32 per addition, so carries must be folded in before 2^31 additions. They
  // are folded when a finite value is the (multiple of 2^29)-th value added; since zeros and
  // non-finite values skip that, at most 2^30 finite values pass between two folds.
  private static final long CARRY_PERIOD_MASK = (1L << 29) - 1;
  private static final BigDecimal ULP_OF_LIMB_ZERO = new BigDecimal(Double.MIN_VALUE);

  private final long[] limbs = new long[LIMBS];
  private long count;
  private long positiveInfinities;
  private long negativeInfinities;
  private long nans;

  /**
   * Adds the integer {@code n} ≥ 0 exactly, counted as n values of 1.0: one call where an audit
   * would add 1.0 n times (two limb additions, whatever n).
   */
  public void addCount(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("Cannot add a count of " + n);
    }
    long before = count;
    // Two doubles of at most 32 significant bits each, so both are exact.
    long high = n >>> 32 << 32;
    add((double) high);
    add((double) (n - high));
    count = before + n;
  }

  /**
   * Adds (high·2^64 + low)·2^exponent exactly, {@code high} ≥ 0 and {@code low} unsigned, counted
   * as {@code values} values: the sum of that many values kept in a narrower fixed point before
   * (four limb additions, whatever their number). {@code exponent} ≥ −1074.
   */
  void addFixedPoint(long high, long low, int exponent, long values) {
    if (high < 0 || values < 0) {
      throw new IllegalArgumentException(
          "Cannot add the fixed-point sum " + high + ":" + low + " of " + values + " values");
    }
    long before = count;
    // Each 32-bit piece is an exact double and so is its scaling by a power of two.
    add(Math.scalb((double) (low & LIMB_MASK), exponent));
    add(Math.scalb((double) (low >>> 32), exponent + 32));
    add(Math.scalb((double) (high & LIMB_MASK), exponent + 64));
    add(Math.scalb((double) (high >>> 32), exponent + 96));
    count = before + values;
  }

  public void add(double value) {
    long n = ++count;
    if (!Double.isFinite(value)) {
      if (value != value) {
        nans++;
      } else if (value > 0) {
        positiveInfinities++;
      } else {
        negativeInfinities++;
      }
      return;
    }
    long bits = Double.doubleToRawLongBits(value);
    int biasedExponent = (int) ((bits >>> 52) & 0x7FF);
    long mantissa = bits & 0x000F_FFFF_FFFF_FFFFL;
    if (biasedExponent == 0) {
      if (mantissa == 0) {
        return;
      }
    } else {
      mantissa |= 1L << 52;
    }
    // value = mantissa · 2^(shift − 1074); subnormals share the exponent of the smallest normal.
    int shift = biasedExponent == 0 ? 0 : biasedExponent - 1;
    int limb = shift >>> 5;
    int offset = shift & 31;
    long low = (mantissa << offset) & LIMB_MASK;
    long middle = (mantissa >>> (LIMB_BITS - offset)) & LIMB_MASK;
    long high = offset == 0 ? 0 : mantissa >>> (64 - offset);
    if (bits < 0) {
      limbs[limb] -= low;
      limbs[limb + 1] -= middle;
      limbs[limb + 2] -= high;
    } else {
      limbs[limb] += low;
      limbs[limb + 1] += middle;
      limbs[limb + 2] += high;
    }
    if ((n & CARRY_PERIOD_MASK) == 0) {
      propagateCarries();
    }
  }

  public void merge(ExactSum other) {
    propagateCarries();
    other.propagateCarries();
    for (int i = 0; i < LIMBS; i++) {
      limbs[i] += other.limbs[i];
    }
    propagateCarries();
    positiveInfinities += other.positiveInfinities;
    negativeInfinities += other.negativeInfinities;
    nans += other.nans;
    count += other.count;
  }

  /** How many values were added (zeros, NaN and infinities included), merged sums included. */
  public long count() {
    return count;
  }

  /** The sum rounded once to the nearest double (ties to even). */
  public double sum() {
    double special = nonFiniteSum();
    return special == 0.0 ? exact().doubleValue() : special;
  }

  /** The mean over {@code count} values: {@code sum / count} rounded once (ties to even). */
  public double mean(long count) {
    if (count <= 0) {
      return Double.NaN;
    }
    double special = nonFiniteSum();
    if (special != 0.0) {
      return special;
    }
    BigInteger numerator = fixedPoint();
    if (numerator.signum() == 0) {
      return 0.0;
    }
    // q = ⌊|sum|·2^shift / count⌋ with at least 56 bits, the remainder folded into its lowest bit
    // (sticky): rounding q·2^−(1074+shift+1) to a double then rounds the exact quotient, because a
    // value carrying two bits beyond the target precision plus a sticky bit rounds the same way.
    BigInteger divisor = BigInteger.valueOf(count);
    BigInteger magnitude = numerator.abs();
    int shift = Math.max(0, 56 + divisor.bitLength() - magnitude.bitLength());
    BigInteger[] quotient = magnitude.shiftLeft(shift).divideAndRemainder(divisor);
    BigInteger sticky =
        quotient[0].shiftLeft(1).add(quotient[1].signum() == 0 ? BigInteger.ZERO : BigInteger.ONE);
    BigDecimal scaled =
        new BigDecimal(sticky)
            .multiply(ULP_OF_LIMB_ZERO)
            .divide(new BigDecimal(BigInteger.ONE.shiftLeft(shift + 1)));
    double mean = scaled.doubleValue();
    return numerator.signum() < 0 ? -mean : mean;
  }

  /** The exact finite part of the sum. */
  public BigDecimal exact() {
    return new BigDecimal(fixedPoint()).multiply(ULP_OF_LIMB_ZERO);
  }

  /** The finite part of the sum in units of 2^−1074. */
  BigInteger fixedPoint() {
    propagateCarries();
    BigInteger total = BigInteger.ZERO;
    for (int i = LIMBS - 1; i >= 0; i--) {
      total = total.shiftLeft(LIMB_BITS).add(BigInteger.valueOf(limbs[i]));
    }
    return total;
  }

  /** NaN, ±∞ when non-finite values were added, or 0.0 when the sum is finite. */
  double nonFiniteSum() {
    if (nans > 0 || (positiveInfinities > 0 && negativeInfinities > 0)) {
      return Double.NaN;
    }
    if (positiveInfinities > 0) {
      return Double.POSITIVE_INFINITY;
    }
    return negativeInfinities > 0 ? Double.NEGATIVE_INFINITY : 0.0;
  }

  /**
   * {@code numerator / denominator} rounded once to the nearest double (ties to even); NaN when the
   * denominator is zero. For ratios of exact sums, such as a weighted mean.
   */
  static double quotient(BigInteger numerator, BigInteger denominator) {
    if (denominator.signum() == 0) {
      return Double.NaN;
    }
    boolean negative = numerator.signum() * denominator.signum() < 0;
    BigInteger magnitude = numerator.abs();
    BigInteger divisor = denominator.abs();
    if (magnitude.signum() == 0) {
      return negative ? -0.0 : 0.0;
    }
    // The same sticky-bit rounding as mean(): at least 55 quotient bits plus a sticky bit round
    // to 53 bits exactly as the infinite quotient does, subnormal results included.
    int shift = Math.max(0, 55 + divisor.bitLength() - magnitude.bitLength());
    BigInteger[] quotient = magnitude.shiftLeft(shift).divideAndRemainder(divisor);
    BigInteger sticky =
        quotient[0].shiftLeft(1).add(quotient[1].signum() == 0 ? BigInteger.ZERO : BigInteger.ONE);
    double value =
        new BigDecimal(sticky)
            .divide(new BigDecimal(BigInteger.ONE.shiftLeft(shift + 1)))
            .doubleValue();
    return negative ? -value : value;
  }

  private void propagateCarries() {
    normalize(limbs);
  }

  /**
   * Writes the state compactly; {@link #readFrom} restores it exactly. Layout: a flags byte (bit 0
   * negative sum, bits 1–3 whether NaN, +∞ and −∞ counts follow), the count, those counts, then the
   * magnitude of the finite sum in units of 2^−1074 as its lowest non-zero limb index, the number
   * of limbs n and n unsigned 32-bit limbs (n = 0 for a zero sum).
   */
  public void writeTo(DataOutput out) throws IOException {
    propagateCarries();
    boolean negative = limbs[LIMBS - 1] < 0;
    long[] magnitude = limbs;
    if (negative) {
      // Sign and magnitude: a negative sum in two's complement would fill every limb above it.
      magnitude = new long[LIMBS];
      for (int i = 0; i < LIMBS; i++) {
        magnitude[i] = -limbs[i];
      }
      normalize(magnitude);
    }
    int low = 0;
    while (low < LIMBS && magnitude[low] == 0) {
      low++;
    }
    int high = LIMBS;
    while (high > low && magnitude[high - 1] == 0) {
      high--;
    }
    out.writeByte(
        (negative ? 1 : 0)
            | (nans != 0 ? 2 : 0)
            | (positiveInfinities != 0 ? 4 : 0)
            | (negativeInfinities != 0 ? 8 : 0));
    out.writeLong(count);
    if (nans != 0) {
      out.writeLong(nans);
    }
    if (positiveInfinities != 0) {
      out.writeLong(positiveInfinities);
    }
    if (negativeInfinities != 0) {
      out.writeLong(negativeInfinities);
    }
    out.writeShort(high - low == 0 ? 0 : low);
    out.writeShort(high - low);
    for (int i = low; i < high; i++) {
      // Every limb of a normalised magnitude is below 2^32 (the top one below 2^17).
      out.writeInt((int) magnitude[i]);
    }
  }

  /** The sum {@link #writeTo} wrote; malformed input throws {@link IOException}. */
  public static ExactSum readFrom(DataInput in) throws IOException {
    ExactSum sum = new ExactSum();
    int flags = in.readUnsignedByte();
    if ((flags & ~0xF) != 0) {
      throw new IOException("Cannot read an exact sum: unknown flags " + flags);
    }
    sum.count = in.readLong();
    sum.nans = (flags & 2) != 0 ? in.readLong() : 0;
    sum.positiveInfinities = (flags & 4) != 0 ? in.readLong() : 0;
    sum.negativeInfinities = (flags & 8) != 0 ? in.readLong() : 0;
    int low = in.readUnsignedShort();
    int n = in.readUnsignedShort();
    if (low + n > LIMBS) {
      throw new IOException(
          "Cannot read an exact sum: limbs " + low + " … " + (low + n - 1) + " of " + LIMBS);
    }
    for (int i = low; i < low + n; i++) {
      sum.limbs[i] = in.readInt() & LIMB_MASK;
    }
    if ((flags & 1) != 0) {
      for (int i = 0; i < LIMBS; i++) {
        sum.limbs[i] = -sum.limbs[i];
      }
      normalize(sum.limbs);
    }
    return sum;
  }

  /** Folds carries (and borrows) so that every limb but the top one is in [0, 2^32). */
  private static void normalize(long[] limbs) {
    long carry = 0;
    for (int i = 0; i < LIMBS - 1; i++) {
      long v = limbs[i] + carry;
      // Arithmetic shift: a negative limb borrows from the next one.
      carry = v >> LIMB_BITS;
      limbs[i] = v & LIMB_MASK;
    }
    limbs[LIMBS - 1] += carry;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof ExactSum other)) {
      return false;
    }
    return exact().compareTo(other.exact()) == 0
        && positiveInfinities == other.positiveInfinities
        && negativeInfinities == other.negativeInfinities
        && nans == other.nans
        && count == other.count;
  }

  @Override
  public int hashCode() {
    propagateCarries();
    return Arrays.hashCode(limbs);
  }

  @Override
  public String toString() {
    return "ExactSum[" + sum() + "]";
  }
}
