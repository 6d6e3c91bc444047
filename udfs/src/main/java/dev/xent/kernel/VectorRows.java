package dev.xent.kernel;

import static dev.xent.kernel.ExpBlocks.C10;
import static dev.xent.kernel.ExpBlocks.C11;
import static dev.xent.kernel.ExpBlocks.C2;
import static dev.xent.kernel.ExpBlocks.C3;
import static dev.xent.kernel.ExpBlocks.C4;
import static dev.xent.kernel.ExpBlocks.C5;
import static dev.xent.kernel.ExpBlocks.C6;
import static dev.xent.kernel.ExpBlocks.C7;
import static dev.xent.kernel.ExpBlocks.C8;
import static dev.xent.kernel.ExpBlocks.C9;
import static dev.xent.kernel.ExpBlocks.FAST_BITS;
import static dev.xent.kernel.ExpBlocks.INV_LN2;
import static dev.xent.kernel.ExpBlocks.LANES;
import static dev.xent.kernel.ExpBlocks.LN2_HI;
import static dev.xent.kernel.ExpBlocks.LN2_LO;
import static dev.xent.kernel.ExpBlocks.SHIFT;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Row loops with the Vector API. {@link #argmax} finds the same index as the scalar {@link
 * Logits#argmax} (max is exact, so lane order cannot matter). The exp sums are {@link ExpBlocks}'
 * with the same operations lane by lane (only {@code fma}, {@code +}, {@code ×} and exact
 * conversions, all correctly rounded), so the result equals the scalar definition bit for bit; one
 * 512-bit register holds the 8 lanes (AVX-512), or two 256-bit ones (AVX2). Loaded only when the
 * incubator module is present.
 */
final class VectorRows {
  private VectorRows() {}

  static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;

  /**
   * Lane indexes 0 … 7: masks are made by comparing with it in the loop. A mask read from an array
   * has no class the JIT can see, and its blend then runs as the Java fallback.
   */
  private static final DoubleVector LANE_INDEX = DoubleVector.zero(D8).addIndex(1);

  private static final VectorSpecies<Long> L8 = LongVector.SPECIES_512;

  // The formula's constants as vectors, once: broadcasting in the loop did not always compile to a
  // register constant.
  static final DoubleVector INV_LN2_V = DoubleVector.broadcast(D8, INV_LN2);
  static final DoubleVector SHIFT_V = DoubleVector.broadcast(D8, SHIFT);
  static final DoubleVector MINUS_LN2_HI_V = DoubleVector.broadcast(D8, -LN2_HI);
  static final DoubleVector MINUS_LN2_LO_V = DoubleVector.broadcast(D8, -LN2_LO);
  static final DoubleVector C11_V = DoubleVector.broadcast(D8, C11);
  static final DoubleVector C10_V = DoubleVector.broadcast(D8, C10);
  static final DoubleVector C9_V = DoubleVector.broadcast(D8, C9);
  static final DoubleVector C8_V = DoubleVector.broadcast(D8, C8);
  static final DoubleVector C7_V = DoubleVector.broadcast(D8, C7);
  static final DoubleVector C6_V = DoubleVector.broadcast(D8, C6);
  static final DoubleVector C5_V = DoubleVector.broadcast(D8, C5);
  static final DoubleVector C4_V = DoubleVector.broadcast(D8, C4);
  static final DoubleVector C3_V = DoubleVector.broadcast(D8, C3);
  static final DoubleVector C2_V = DoubleVector.broadcast(D8, C2);

  /**
   * SIMD needs at least 4 native double lanes (AVX2 or wider). With 8 (AVX-512) one register holds
   * the definition's eight partial sums; with 4 two registers do (the {@code blockSum256} methods),
   * since a 512-bit species on 256-bit hardware would run the Vector API's slow Java fallback.
   */
  static boolean supported() {
    return DoubleVector.SPECIES_PREFERRED.length() >= LANES / 2;
  }

  /** Whether the 512-bit sums run; else the 256-bit ones (a JIT constant, so no branch remains). */
  static final boolean WIDE = DoubleVector.SPECIES_PREFERRED.length() >= LANES;

  static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
  private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;
  private static final DoubleVector LANE_INDEX_4 = DoubleVector.zero(D4).addIndex(1);
  static final DoubleVector INV_LN2_4 = DoubleVector.broadcast(D4, INV_LN2);
  static final DoubleVector SHIFT_4 = DoubleVector.broadcast(D4, SHIFT);
  static final DoubleVector MINUS_LN2_HI_4 = DoubleVector.broadcast(D4, -LN2_HI);
  static final DoubleVector MINUS_LN2_LO_4 = DoubleVector.broadcast(D4, -LN2_LO);
  static final DoubleVector C11_4 = DoubleVector.broadcast(D4, C11);
  static final DoubleVector C10_4 = DoubleVector.broadcast(D4, C10);
  static final DoubleVector C9_4 = DoubleVector.broadcast(D4, C9);
  static final DoubleVector C8_4 = DoubleVector.broadcast(D4, C8);
  static final DoubleVector C7_4 = DoubleVector.broadcast(D4, C7);
  static final DoubleVector C6_4 = DoubleVector.broadcast(D4, C6);
  static final DoubleVector C5_4 = DoubleVector.broadcast(D4, C5);
  static final DoubleVector C4_4 = DoubleVector.broadcast(D4, C4);
  static final DoubleVector C3_4 = DoubleVector.broadcast(D4, C3);
  static final DoubleVector C2_4 = DoubleVector.broadcast(D4, C2);

  /**
   * The lowest {@code x/ln2 + SHIFT} a fast-range term may have, as a double: for positive doubles
   * the order of the values is that of their bits, so this is the {@link ExpBlocks#FAST_BITS} test
   * (a negative or −∞ value is below it too). AVX2 has no 64-bit integer min; it has a double one.
   */
  private static final double FAST_SHIFTED = Double.longBitsToDouble(FAST_BITS);

  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Long> LONGS = LongVector.SPECIES_PREFERRED;

  /** Eight floats, widened to the eight double lanes. */
  private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;

  /**
   * {@link Logits#argmax(float[])}: a vector max (four running maxima, since each lanewise max
   * waits for the one before; the tail as an overlapping load of the last vector), then the first
   * chunk holding it and its first matching lane, read off the compare mask: a scalar scan for that
   * lane ended in a second mispredicted branch per row (about 20 ns of a 100-float row on rows with
   * the maximum in random places).
   */
  static int argmax(float[] z) {
    int n = z.length;
    int width = FLOATS.length();
    if (n < width) {
      return Logits.scalarArgmax(z);
    }
    int last = n - width;
    FloatVector m0 = FloatVector.fromArray(FLOATS, z, last);
    FloatVector m1 = m0;
    FloatVector m2 = m0;
    FloatVector m3 = m0;
    int i = 0;
    // MAX propagates NaN like Math.max, so a NaN anywhere makes the row maximum NaN.
    for (; i + 4 * width <= last; i += 4 * width) {
      m0 = m0.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOATS, z, i));
      m1 = m1.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOATS, z, i + width));
      m2 = m2.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOATS, z, i + 2 * width));
      m3 = m3.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOATS, z, i + 3 * width));
    }
    for (; i < last; i += width) {
      m0 = m0.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOATS, z, i));
    }
    float max =
        m0.lanewise(VectorOperators.MAX, m1)
            .lanewise(VectorOperators.MAX, m2.lanewise(VectorOperators.MAX, m3))
            .reduceLanes(VectorOperators.MAX);
    if (max != max) {
      return Logits.scalarArgmax(z);
    }
    // Ends within the row: max is one of its values.
    for (int j = 0; ; j += width) {
      int at = Math.min(j, last);
      VectorMask<Float> hits =
          FloatVector.fromArray(FLOATS, z, at).compare(VectorOperators.EQ, max);
      if (hits.anyTrue()) {
        return at + hits.firstTrue();
      }
    }
  }

  /** {@link Logits#argmax(double[])}, as {@link #argmax(float[])}. */
  static int argmax(double[] z) {
    int n = z.length;
    int width = DOUBLES.length();
    if (n < width) {
      return Logits.scalarArgmax(z);
    }
    int last = n - width;
    DoubleVector m0 = DoubleVector.fromArray(DOUBLES, z, last);
    DoubleVector m1 = m0;
    DoubleVector m2 = m0;
    DoubleVector m3 = m0;
    int i = 0;
    for (; i + 4 * width <= last; i += 4 * width) {
      m0 = m0.lanewise(VectorOperators.MAX, DoubleVector.fromArray(DOUBLES, z, i));
      m1 = m1.lanewise(VectorOperators.MAX, DoubleVector.fromArray(DOUBLES, z, i + width));
      m2 = m2.lanewise(VectorOperators.MAX, DoubleVector.fromArray(DOUBLES, z, i + 2 * width));
      m3 = m3.lanewise(VectorOperators.MAX, DoubleVector.fromArray(DOUBLES, z, i + 3 * width));
    }
    for (; i < last; i += width) {
      m0 = m0.lanewise(VectorOperators.MAX, DoubleVector.fromArray(DOUBLES, z, i));
    }
    double max =
        m0.lanewise(VectorOperators.MAX, m1)
            .lanewise(VectorOperators.MAX, m2.lanewise(VectorOperators.MAX, m3))
            .reduceLanes(VectorOperators.MAX);
    if (max != max) {
      return Logits.scalarArgmax(z);
    }
    // Ends within the row: max is one of its values.
    for (int j = 0; ; j += width) {
      int at = Math.min(j, last);
      VectorMask<Double> hits =
          DoubleVector.fromArray(DOUBLES, z, at).compare(VectorOperators.EQ, max);
      if (hits.anyTrue()) {
        return at + hits.firstTrue();
      }
    }
  }

  /**
   * Whether every logit is finite, for {@link Validity#logits(float[], boolean)}: {@code v − v} is
   * +0.0 for a finite v and NaN for NaN and ±∞, so the lanes' sum of them is 0 exactly when all are
   * finite (additions only: no mask, no branch per vector). False for a row shorter than one
   * vector, and whenever a value is not finite: the scalar loop then finds the reason.
   */
  static boolean allFinite(float[] z) {
    int width = FLOATS.length();
    int last = z.length - width;
    if (last < 0) {
      return false;
    }
    FloatVector tail = FloatVector.fromArray(FLOATS, z, last);
    FloatVector zeros = tail.sub(tail);
    for (int i = 0; i < last; i += width) {
      FloatVector v = FloatVector.fromArray(FLOATS, z, i);
      zeros = zeros.add(v.sub(v));
    }
    return zeros.reduceLanes(VectorOperators.ADD) == 0f;
  }

  /** {@link #allFinite(float[])} for double logits. */
  static boolean allFinite(double[] z) {
    int width = DOUBLES.length();
    int last = z.length - width;
    if (last < 0) {
      return false;
    }
    DoubleVector tail = DoubleVector.fromArray(DOUBLES, z, last);
    DoubleVector zeros = tail.sub(tail);
    for (int i = 0; i < last; i += width) {
      DoubleVector v = DoubleVector.fromArray(DOUBLES, z, i);
      zeros = zeros.add(v.sub(v));
    }
    return zeros.reduceLanes(VectorOperators.ADD) == 0.0;
  }

  /**
   * 1.0's bits: a double in [+0.0, 1] has bits in [0, these] as a signed long, and no other has.
   */
  private static final long ONE_BITS = Double.doubleToRawLongBits(1.0);

  /**
   * Whether every target is in [0, 1], for {@link Validity#sigmoidTargets}: the least and greatest
   * bits of the row as signed longs (one integer min and max a vector, where the double ones take a
   * blend sequence to be Math's), which are in [0, {@link #ONE_BITS}] exactly when every target is
   * +0.0 or in (0, 1]. So NaN, ±∞, negatives and above 1 fail, and so does −0.0 (its sign bit),
   * which the scalar loop then passes. False also for a row shorter than one vector.
   */
  static boolean allUnit(double[] t) {
    int width = LONGS.length();
    int last = t.length - width;
    if (last < 0) {
      return false;
    }
    LongVector low = DoubleVector.fromArray(DOUBLES, t, last).reinterpretAsLongs();
    LongVector high = low;
    for (int i = 0; i < last; i += width) {
      LongVector v = DoubleVector.fromArray(DOUBLES, t, i).reinterpretAsLongs();
      low = low.lanewise(VectorOperators.MIN, v);
      high = high.lanewise(VectorOperators.MAX, v);
    }
    return low.reduceLanes(VectorOperators.MIN) >= 0
        && high.reduceLanes(VectorOperators.MAX) <= ONE_BITS;
  }

  /**
   * {@link LabelRank#of(float[], int)}: the classes before y counted with a {@code >=} mask, those
   * after it with {@code >}, a vector at a time (the counts are integers, so the order cannot
   * matter); the tails scalar. The lanewise compares are IEEE, like Java's: −0.0 equals 0.0 and NaN
   * compares false.
   */
  static int rank(float[] z, int y) {
    float v = z[y];
    int width = FLOATS.length();
    FloatVector label = FloatVector.broadcast(FLOATS, v);
    int rank = 0;
    int c = 0;
    for (; c + width <= y; c += width) {
      rank += FloatVector.fromArray(FLOATS, z, c).compare(VectorOperators.GE, label).trueCount();
    }
    for (; c < y; c++) {
      rank += z[c] >= v ? 1 : 0;
    }
    for (c = y + 1; c + width <= z.length; c += width) {
      rank += FloatVector.fromArray(FLOATS, z, c).compare(VectorOperators.GT, label).trueCount();
    }
    for (; c < z.length; c++) {
      rank += z[c] > v ? 1 : 0;
    }
    return rank;
  }

  /** {@link LabelRank#of(double[], int)}, as {@link #rank(float[], int)}. */
  static int rank(double[] z, int y) {
    double v = z[y];
    int width = DOUBLES.length();
    DoubleVector label = DoubleVector.broadcast(DOUBLES, v);
    int rank = 0;
    int c = 0;
    for (; c + width <= y; c += width) {
      rank += DoubleVector.fromArray(DOUBLES, z, c).compare(VectorOperators.GE, label).trueCount();
    }
    for (; c < y; c++) {
      rank += z[c] >= v ? 1 : 0;
    }
    for (c = y + 1; c + width <= z.length; c += width) {
      rank += DoubleVector.fromArray(DOUBLES, z, c).compare(VectorOperators.GT, label).trueCount();
    }
    for (; c < z.length; c++) {
      rank += z[c] > v ? 1 : 0;
    }
    return rank;
  }

  /**
   * {@link ExpBlocks#scalarBlockSum(float[], int, int, int, double)}, bit for bit: each chunk of
   * eight floats is widened to doubles in the register (exact) and reduced there. The partial chunk
   * at the end is the block's last eight elements with the lanes of terms already summed masked
   * off, which puts its terms in the lanes the scalar definition gives them. Everything is written
   * out in this one method and only scalars cross its boundary: a vector passed to a call the JIT
   * declines to inline becomes an object, and its operations the slow Java fallbacks. So the exp is
   * written twice, in the unchecked loop and for the masked chunk; one loop testing each chunk for
   * masking gave the same bits but took 2–7% longer on 100-float rows. A change to the formula goes
   * into all four copies here and {@link ExpBlocks#exp}; ExpBlocksTest compares them.
   */
  static double blockSum(float[] z, int from, int to, int skip, double max) {
    return WIDE ? blockSum512(z, from, to, skip, max) : blockSum256(z, from, to, skip, max);
  }

  /** {@link #blockSum(double[], int, int, int, double)} on the vectors the hardware has. */
  static double blockSum(double[] z, int from, int to, int skip, double max) {
    return WIDE ? blockSum512(z, from, to, skip, max) : blockSum256(z, from, to, skip, max);
  }

  /** The sums in one 512-bit register of eight double lanes (AVX-512). */
  static double blockSum512(float[] z, int from, int to, int skip, double max) {
    if (to < LANES) {
      return ExpBlocks.scalarBlockSum(z, from, to, skip, max);
    }
    // Loop-carried vectors start from vectors made here, not from static constants: a constant
    // is an object, and a loop variable that starts as one is boxed on every iteration.
    DoubleVector zero = DoubleVector.zero(D8);
    DoubleVector maxV = DoubleVector.broadcast(D8, max);
    DoubleVector sum = zero;
    LongVector lowest = LongVector.broadcast(L8, Long.MAX_VALUE);
    // Whole chunks with no lane to drop run in the plain loop; the chunk holding skip and the
    // partial chunk at the end (at most two) leave it to be masked.
    int whole = to - ((to - from) & (LANES - 1));
    int skipChunk = skip >= from && skip < whole ? skip - ((skip - from) & (LANES - 1)) : whole;
    int i = from;
    while (true) {
      int plainEnd = i <= skipChunk ? skipChunk : whole;
      for (; i < plainEnd; i += LANES) {
        // e^v = 2^k · (1 + (r + r²q)), ExpBlocks.exp lane by lane.
        DoubleVector v =
            ((DoubleVector)
                    FloatVector.fromArray(F8, z, i).convertShape(VectorOperators.F2D, D8, 0))
                .sub(maxV);
        DoubleVector shifted = v.fma(INV_LN2_V, SHIFT_V);
        LongVector bits = shifted.reinterpretAsLongs();
        lowest = lowest.min(bits);
        DoubleVector k = shifted.sub(SHIFT_V);
        DoubleVector r = k.fma(MINUS_LN2_HI_V, v);
        r = k.fma(MINUS_LN2_LO_V, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low = r2.fma(r.fma(C5_V, C4_V), r.fma(C3_V, C2_V));
        DoubleVector high = r2.fma(r.fma(C9_V, C8_V), r.fma(C7_V, C6_V));
        DoubleVector q = r8.fma(r.fma(C11_V, C10_V), r4.fma(high, low));
        DoubleVector scale = bits.lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector e = r2.fma(q, r).fma(scale, scale);
        sum = sum.add(e);
      }
      if (i >= to) {
        break;
      }
      // The chunk holding skip, or the partial chunk at the end: the same terms, then masked.
      int at = Math.min(i, to - LANES);
      DoubleVector v =
          ((DoubleVector) FloatVector.fromArray(F8, z, at).convertShape(VectorOperators.F2D, D8, 0))
              .sub(maxV);
      DoubleVector shifted = v.fma(INV_LN2_V, SHIFT_V);
      LongVector bits = shifted.reinterpretAsLongs();
      lowest = lowest.min(bits);
      DoubleVector k = shifted.sub(SHIFT_V);
      DoubleVector r = k.fma(MINUS_LN2_HI_V, v);
      r = k.fma(MINUS_LN2_LO_V, r);
      DoubleVector r2 = r.mul(r);
      DoubleVector r4 = r2.mul(r2);
      DoubleVector r8 = r4.mul(r4);
      DoubleVector low = r2.fma(r.fma(C5_V, C4_V), r.fma(C3_V, C2_V));
      DoubleVector high = r2.fma(r.fma(C9_V, C8_V), r.fma(C7_V, C6_V));
      DoubleVector q = r8.fma(r.fma(C11_V, C10_V), r4.fma(high, low));
      DoubleVector scale = bits.lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
      DoubleVector e = r2.fma(q, r).fma(scale, scale);
      int skipLane = skip - at;
      if (skipLane >= 0 && skipLane < LANES) {
        e = e.blend(zero, LANE_INDEX.compare(VectorOperators.EQ, (double) skipLane));
      }
      if (at < i) {
        e = e.blend(zero, LANE_INDEX.compare(VectorOperators.LT, (double) (i - at)));
      }
      sum = sum.add(e);
      i += LANES;
    }
    double total =
        ((sum.lane(0) + sum.lane(1)) + (sum.lane(2) + sum.lane(3)))
            + ((sum.lane(4) + sum.lane(5)) + (sum.lane(6) + sum.lane(7)));
    // Terms below the fast range (k < −1021) or NaN need fdlibm: the block is then summed by the
    // scalar definition (merging a call's vector into this loop would box it on every iteration).
    // A NaN term makes its lane, and so the total, NaN.
    if (lowest.reduceLanes(VectorOperators.MIN) < FAST_BITS || total != total) {
      return ExpBlocks.scalarBlockSum(z, from, to, skip, max);
    }
    return total;
  }

  /** {@link ExpBlocks#scalarBlockSum(double[], int, int, int, double)}, as the float version. */
  static double blockSum512(double[] z, int from, int to, int skip, double max) {
    if (to < LANES) {
      return ExpBlocks.scalarBlockSum(z, from, to, skip, max);
    }
    // Loop-carried vectors start from vectors made here, not from static constants: a constant
    // is an object, and a loop variable that starts as one is boxed on every iteration.
    DoubleVector zero = DoubleVector.zero(D8);
    DoubleVector maxV = DoubleVector.broadcast(D8, max);
    DoubleVector sum = zero;
    LongVector lowest = LongVector.broadcast(L8, Long.MAX_VALUE);
    // Whole chunks with no lane to drop run in the plain loop; the chunk holding skip and the
    // partial chunk at the end (at most two) leave it to be masked.
    int whole = to - ((to - from) & (LANES - 1));
    int skipChunk = skip >= from && skip < whole ? skip - ((skip - from) & (LANES - 1)) : whole;
    int i = from;
    while (true) {
      int plainEnd = i <= skipChunk ? skipChunk : whole;
      for (; i < plainEnd; i += LANES) {
        // e^v = 2^k · (1 + (r + r²q)), ExpBlocks.exp lane by lane.
        DoubleVector v = DoubleVector.fromArray(D8, z, i).sub(maxV);
        DoubleVector shifted = v.fma(INV_LN2_V, SHIFT_V);
        LongVector bits = shifted.reinterpretAsLongs();
        lowest = lowest.min(bits);
        DoubleVector k = shifted.sub(SHIFT_V);
        DoubleVector r = k.fma(MINUS_LN2_HI_V, v);
        r = k.fma(MINUS_LN2_LO_V, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low = r2.fma(r.fma(C5_V, C4_V), r.fma(C3_V, C2_V));
        DoubleVector high = r2.fma(r.fma(C9_V, C8_V), r.fma(C7_V, C6_V));
        DoubleVector q = r8.fma(r.fma(C11_V, C10_V), r4.fma(high, low));
        DoubleVector scale = bits.lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector e = r2.fma(q, r).fma(scale, scale);
        sum = sum.add(e);
      }
      if (i >= to) {
        break;
      }
      // The chunk holding skip, or the partial chunk at the end: the same terms, then masked.
      int at = Math.min(i, to - LANES);
      DoubleVector v = DoubleVector.fromArray(D8, z, at).sub(maxV);
      DoubleVector shifted = v.fma(INV_LN2_V, SHIFT_V);
      LongVector bits = shifted.reinterpretAsLongs();
      lowest = lowest.min(bits);
      DoubleVector k = shifted.sub(SHIFT_V);
      DoubleVector r = k.fma(MINUS_LN2_HI_V, v);
      r = k.fma(MINUS_LN2_LO_V, r);
      DoubleVector r2 = r.mul(r);
      DoubleVector r4 = r2.mul(r2);
      DoubleVector r8 = r4.mul(r4);
      DoubleVector low = r2.fma(r.fma(C5_V, C4_V), r.fma(C3_V, C2_V));
      DoubleVector high = r2.fma(r.fma(C9_V, C8_V), r.fma(C7_V, C6_V));
      DoubleVector q = r8.fma(r.fma(C11_V, C10_V), r4.fma(high, low));
      DoubleVector scale = bits.lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
      DoubleVector e = r2.fma(q, r).fma(scale, scale);
      int skipLane = skip - at;
      if (skipLane >= 0 && skipLane < LANES) {
        e = e.blend(zero, LANE_INDEX.compare(VectorOperators.EQ, (double) skipLane));
      }
      if (at < i) {
        e = e.blend(zero, LANE_INDEX.compare(VectorOperators.LT, (double) (i - at)));
      }
      sum = sum.add(e);
      i += LANES;
    }
    double total =
        ((sum.lane(0) + sum.lane(1)) + (sum.lane(2) + sum.lane(3)))
            + ((sum.lane(4) + sum.lane(5)) + (sum.lane(6) + sum.lane(7)));
    // Terms below the fast range (k < −1021) or NaN need fdlibm: the block is then summed by the
    // scalar definition (merging a call's vector into this loop would box it on every iteration).
    // A NaN term makes its lane, and so the total, NaN.
    if (lowest.reduceLanes(VectorOperators.MIN) < FAST_BITS || total != total) {
      return ExpBlocks.scalarBlockSum(z, from, to, skip, max);
    }
    return total;
  }

  /**
   * {@link #blockSum512(float[], int, int, int, double)} in two 256-bit registers (AVX2): the same
   * terms in the same lanes, so the same bits. Written out like it, for the same reason.
   */
  static double blockSum256(float[] z, int from, int to, int skip, double max) {
    if (to < LANES) {
      return ExpBlocks.scalarBlockSum(z, from, to, skip, max);
    }
    DoubleVector zero = DoubleVector.zero(D4);
    DoubleVector maxV = DoubleVector.broadcast(D4, max);
    // The definition's lanes 0–3 and 4–7: each half-chunk of four terms is added to `current`,
    // and the two swap after it, so after every whole chunk `current` holds lanes 0–3 again.
    DoubleVector current = zero;
    DoubleVector other = zero;
    DoubleVector lowest = DoubleVector.broadcast(D4, Double.POSITIVE_INFINITY);
    int whole = to - ((to - from) & (LANES - 1));
    int skipChunk = skip >= from && skip < whole ? skip - ((skip - from) & (LANES - 1)) : whole;
    int i = from;
    while (true) {
      int plainEnd = i <= skipChunk ? skipChunk : whole;
      for (; i < plainEnd; i += LANES / 2) {
        // e^v = 2^k · (1 + (r + r²q)), ExpBlocks.exp lane by lane.
        DoubleVector v =
            ((DoubleVector)
                    FloatVector.fromArray(F4, z, i).convertShape(VectorOperators.F2D, D4, 0))
                .sub(maxV);
        DoubleVector shifted = v.fma(INV_LN2_4, SHIFT_4);
        lowest = lowest.lanewise(VectorOperators.MIN, shifted);
        DoubleVector k = shifted.sub(SHIFT_4);
        DoubleVector r = k.fma(MINUS_LN2_HI_4, v);
        r = k.fma(MINUS_LN2_LO_4, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low = r2.fma(r.fma(C5_4, C4_4), r.fma(C3_4, C2_4));
        DoubleVector high = r2.fma(r.fma(C9_4, C8_4), r.fma(C7_4, C6_4));
        DoubleVector q = r8.fma(r.fma(C11_4, C10_4), r4.fma(high, low));
        DoubleVector scale =
            shifted.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector e = r2.fma(q, r).fma(scale, scale);
        DoubleVector added = current.add(e);
        current = other;
        other = added;
      }
      if (i >= to) {
        break;
      }
      // The chunk holding skip, or the partial chunk at the end: its two halves, then masked.
      int at = Math.min(i, to - LANES);
      for (int half = 0; half < LANES; half += LANES / 2) {
        int h = at + half;
        DoubleVector v =
            ((DoubleVector)
                    FloatVector.fromArray(F4, z, h).convertShape(VectorOperators.F2D, D4, 0))
                .sub(maxV);
        DoubleVector shifted = v.fma(INV_LN2_4, SHIFT_4);
        lowest = lowest.lanewise(VectorOperators.MIN, shifted);
        DoubleVector k = shifted.sub(SHIFT_4);
        DoubleVector r = k.fma(MINUS_LN2_HI_4, v);
        r = k.fma(MINUS_LN2_LO_4, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low = r2.fma(r.fma(C5_4, C4_4), r.fma(C3_4, C2_4));
        DoubleVector high = r2.fma(r.fma(C9_4, C8_4), r.fma(C7_4, C6_4));
        DoubleVector q = r8.fma(r.fma(C11_4, C10_4), r4.fma(high, low));
        DoubleVector scale =
            shifted.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector e = r2.fma(q, r).fma(scale, scale);
        int skipLane = skip - h;
        if (skipLane >= 0 && skipLane < LANES / 2) {
          e = e.blend(zero, LANE_INDEX_4.compare(VectorOperators.EQ, (double) skipLane));
        }
        if (h < i) {
          e = e.blend(zero, LANE_INDEX_4.compare(VectorOperators.LT, (double) (i - h)));
        }
        DoubleVector added = current.add(e);
        current = other;
        other = added;
      }
      i += LANES;
    }
    double total =
        ((current.lane(0) + current.lane(1)) + (current.lane(2) + current.lane(3)))
            + ((other.lane(0) + other.lane(1)) + (other.lane(2) + other.lane(3)));
    // As blockSum512; NaN in `lowest` (a NaN term, summed or masked) also sends the block there.
    if (!(lowest.reduceLanes(VectorOperators.MIN) >= FAST_SHIFTED) || total != total) {
      return ExpBlocks.scalarBlockSum(z, from, to, skip, max);
    }
    return total;
  }

  /** {@link #blockSum256(float[], int, int, int, double)} for double logits. */
  static double blockSum256(double[] z, int from, int to, int skip, double max) {
    if (to < LANES) {
      return ExpBlocks.scalarBlockSum(z, from, to, skip, max);
    }
    DoubleVector zero = DoubleVector.zero(D4);
    DoubleVector maxV = DoubleVector.broadcast(D4, max);
    // The definition's lanes 0–3 and 4–7: each half-chunk of four terms is added to `current`,
    // and the two swap after it, so after every whole chunk `current` holds lanes 0–3 again.
    DoubleVector current = zero;
    DoubleVector other = zero;
    DoubleVector lowest = DoubleVector.broadcast(D4, Double.POSITIVE_INFINITY);
    int whole = to - ((to - from) & (LANES - 1));
    int skipChunk = skip >= from && skip < whole ? skip - ((skip - from) & (LANES - 1)) : whole;
    int i = from;
    while (true) {
      int plainEnd = i <= skipChunk ? skipChunk : whole;
      for (; i < plainEnd; i += LANES / 2) {
        // e^v = 2^k · (1 + (r + r²q)), ExpBlocks.exp lane by lane.
        DoubleVector v = DoubleVector.fromArray(D4, z, i).sub(maxV);
        DoubleVector shifted = v.fma(INV_LN2_4, SHIFT_4);
        lowest = lowest.lanewise(VectorOperators.MIN, shifted);
        DoubleVector k = shifted.sub(SHIFT_4);
        DoubleVector r = k.fma(MINUS_LN2_HI_4, v);
        r = k.fma(MINUS_LN2_LO_4, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low = r2.fma(r.fma(C5_4, C4_4), r.fma(C3_4, C2_4));
        DoubleVector high = r2.fma(r.fma(C9_4, C8_4), r.fma(C7_4, C6_4));
        DoubleVector q = r8.fma(r.fma(C11_4, C10_4), r4.fma(high, low));
        DoubleVector scale =
            shifted.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector e = r2.fma(q, r).fma(scale, scale);
        DoubleVector added = current.add(e);
        current = other;
        other = added;
      }
      if (i >= to) {
        break;
      }
      // The chunk holding skip, or the partial chunk at the end: its two halves, then masked.
      int at = Math.min(i, to - LANES);
      for (int half = 0; half < LANES; half += LANES / 2) {
        int h = at + half;
        DoubleVector v = DoubleVector.fromArray(D4, z, h).sub(maxV);
        DoubleVector shifted = v.fma(INV_LN2_4, SHIFT_4);
        lowest = lowest.lanewise(VectorOperators.MIN, shifted);
        DoubleVector k = shifted.sub(SHIFT_4);
        DoubleVector r = k.fma(MINUS_LN2_HI_4, v);
        r = k.fma(MINUS_LN2_LO_4, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low = r2.fma(r.fma(C5_4, C4_4), r.fma(C3_4, C2_4));
        DoubleVector high = r2.fma(r.fma(C9_4, C8_4), r.fma(C7_4, C6_4));
        DoubleVector q = r8.fma(r.fma(C11_4, C10_4), r4.fma(high, low));
        DoubleVector scale =
            shifted.reinterpretAsLongs().lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector e = r2.fma(q, r).fma(scale, scale);
        int skipLane = skip - h;
        if (skipLane >= 0 && skipLane < LANES / 2) {
          e = e.blend(zero, LANE_INDEX_4.compare(VectorOperators.EQ, (double) skipLane));
        }
        if (h < i) {
          e = e.blend(zero, LANE_INDEX_4.compare(VectorOperators.LT, (double) (i - h)));
        }
        DoubleVector added = current.add(e);
        current = other;
        other = added;
      }
      i += LANES;
    }
    double total =
        ((current.lane(0) + current.lane(1)) + (current.lane(2) + current.lane(3)))
            + ((other.lane(0) + other.lane(1)) + (other.lane(2) + other.lane(3)));
    // As blockSum512; NaN in `lowest` (a NaN term, summed or masked) also sends the block there.
    if (!(lowest.reduceLanes(VectorOperators.MIN) >= FAST_SHIFTED) || total != total) {
      return ExpBlocks.scalarBlockSum(z, from, to, skip, max);
    }
    return total;
  }
}
