package dev.xent.kernel;

import static dev.xent.kernel.ExpBlocks.C10;
import static dev.xent.kernel.ExpBlocks.C11;
import static dev.xent.kernel.ExpBlocks.C12;
import static dev.xent.kernel.ExpBlocks.C13;
import static dev.xent.kernel.ExpBlocks.C2;
import static dev.xent.kernel.ExpBlocks.C3;
import static dev.xent.kernel.ExpBlocks.C4;
import static dev.xent.kernel.ExpBlocks.C5;
import static dev.xent.kernel.ExpBlocks.C6;
import static dev.xent.kernel.ExpBlocks.C7;
import static dev.xent.kernel.ExpBlocks.C8;
import static dev.xent.kernel.ExpBlocks.C9;
import static dev.xent.kernel.ExpBlocks.FAST_FLOOR;
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
 * 512-bit register holds the 8 lanes. Loaded only when the incubator module is present.
 */
final class VectorRows {
  private VectorRows() {}

  private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;

  private static final DoubleVector ZERO_V = DoubleVector.zero(D8);

  /** {@code LANE[j]}: only lane j; {@code FROM_LANE[j]}: lanes j and above. */
  private static final VectorMask<Double>[] LANE = masks(false);

  private static final VectorMask<Double>[] FROM_LANE = masks(true);

  @SuppressWarnings("unchecked")
  private static VectorMask<Double>[] masks(boolean andAbove) {
    DoubleVector iota = DoubleVector.zero(D8).addIndex(1);
    VectorMask<Double>[] masks = new VectorMask[LANES];
    for (int j = 0; j < LANES; j++) {
      masks[j] = iota.compare(andAbove ? VectorOperators.GE : VectorOperators.EQ, (double) j);
    }
    return masks;
  }

  // The formula's constants as vectors, once: broadcasting in the loop did not always compile to a
  // register constant.
  private static final DoubleVector INV_LN2_V = DoubleVector.broadcast(D8, INV_LN2);
  private static final DoubleVector SHIFT_V = DoubleVector.broadcast(D8, SHIFT);
  private static final DoubleVector MINUS_LN2_HI_V = DoubleVector.broadcast(D8, -LN2_HI);
  private static final DoubleVector MINUS_LN2_LO_V = DoubleVector.broadcast(D8, -LN2_LO);
  private static final DoubleVector ONE_V = DoubleVector.broadcast(D8, 1.0);
  private static final DoubleVector C13_V = DoubleVector.broadcast(D8, C13);
  private static final DoubleVector C12_V = DoubleVector.broadcast(D8, C12);
  private static final DoubleVector C11_V = DoubleVector.broadcast(D8, C11);
  private static final DoubleVector C10_V = DoubleVector.broadcast(D8, C10);
  private static final DoubleVector C9_V = DoubleVector.broadcast(D8, C9);
  private static final DoubleVector C8_V = DoubleVector.broadcast(D8, C8);
  private static final DoubleVector C7_V = DoubleVector.broadcast(D8, C7);
  private static final DoubleVector C6_V = DoubleVector.broadcast(D8, C6);
  private static final DoubleVector C5_V = DoubleVector.broadcast(D8, C5);
  private static final DoubleVector C4_V = DoubleVector.broadcast(D8, C4);
  private static final DoubleVector C3_V = DoubleVector.broadcast(D8, C3);
  private static final DoubleVector C2_V = DoubleVector.broadcast(D8, C2);

  /**
   * SIMD needs 8 native double lanes (AVX-512 or wider); with narrower vectors the 512-bit species
   * would run the Vector API's slow Java fallback, so the scalar definition is used instead.
   */
  static boolean supported() {
    return DoubleVector.SPECIES_PREFERRED.length() >= LANES;
  }

  private static final VectorSpecies<Float> FLOATS = FloatVector.SPECIES_PREFERRED;
  private static final VectorSpecies<Double> DOUBLES = DoubleVector.SPECIES_PREFERRED;

  /** {@link Logits#argmax(float[])}: a vector max, then the first index holding it. */
  static int argmax(float[] z) {
    int n = z.length;
    if (n < 2 * FLOATS.length()) {
      return Logits.scalarArgmax(z);
    }
    FloatVector maxima = FloatVector.fromArray(FLOATS, z, 0);
    int i = FLOATS.length();
    for (int bound = FLOATS.loopBound(n); i < bound; i += FLOATS.length()) {
      // MAX propagates NaN like Math.max, so a NaN anywhere makes the row maximum NaN.
      maxima = maxima.lanewise(VectorOperators.MAX, FloatVector.fromArray(FLOATS, z, i));
    }
    float max = maxima.reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) {
      max = Math.max(max, z[i]);
    }
    if (max != max) {
      return Logits.scalarArgmax(z);
    }
    int j = 0;
    for (int bound = FLOATS.loopBound(n); j < bound; j += FLOATS.length()) {
      VectorMask<Float> hits = FloatVector.fromArray(FLOATS, z, j).compare(VectorOperators.EQ, max);
      if (hits.anyTrue()) {
        return j + hits.firstTrue();
      }
    }
    while (z[j] != max) {
      j++;
    }
    return j;
  }

  /** {@link Logits#argmax(double[])}: a vector max, then the first index holding it. */
  static int argmax(double[] z) {
    int n = z.length;
    if (n < 2 * DOUBLES.length()) {
      return Logits.scalarArgmax(z);
    }
    DoubleVector maxima = DoubleVector.fromArray(DOUBLES, z, 0);
    int i = DOUBLES.length();
    for (int bound = DOUBLES.loopBound(n); i < bound; i += DOUBLES.length()) {
      maxima = maxima.lanewise(VectorOperators.MAX, DoubleVector.fromArray(DOUBLES, z, i));
    }
    double max = maxima.reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) {
      max = Math.max(max, z[i]);
    }
    if (max != max) {
      return Logits.scalarArgmax(z);
    }
    int j = 0;
    for (int bound = DOUBLES.loopBound(n); j < bound; j += DOUBLES.length()) {
      VectorMask<Double> hits =
          DoubleVector.fromArray(DOUBLES, z, j).compare(VectorOperators.EQ, max);
      if (hits.anyTrue()) {
        return j + hits.firstTrue();
      }
    }
    while (z[j] != max) {
      j++;
    }
    return j;
  }

  /**
   * Per thread: one block's differences, padded with zeros to whole chunks, then {@link
   * ExpBlocks#LANES} slots for the lane sums.
   */
  private static final ThreadLocal<double[]> SCRATCH =
      ThreadLocal.withInitial(() -> new double[Logits.BLOCK + LANES]);

  /**
   * {@link Logits#restMass(float[], int)}: each block's differences {@code z[i] − max} are taken in
   * a scalar loop (exactly as the scalar definition rounds them) and summed by {@link #sumExp}, the
   * one vector loop; block sums are compensated as in {@link Logits}.
   */
  static double restMass(float[] z, int k) {
    double max = z[k];
    double[] x = SCRATCH.get();
    double sum = 0.0;
    double compensation = 0.0;
    for (int start = 0; start < z.length; start += Logits.BLOCK) {
      int n = Math.min(z.length - start, Logits.BLOCK);
      for (int i = 0; i < n; i++) {
        x[i] = z[start + i] - max;
      }
      for (int i = n; (i & (LANES - 1)) != 0; i++) {
        x[i] = 0.0;
      }
      double block = sumExp(x, n, k - start);
      double next = sum + block;
      compensation += CompensatedSum.roundingError(sum, block, next);
      sum = next;
    }
    return sum + compensation;
  }

  /** {@link Logits#restMass(double[], int)}, as {@link #restMass(float[], int)}. */
  static double restMass(double[] z, int k) {
    double max = z[k];
    double[] x = SCRATCH.get();
    double sum = 0.0;
    double compensation = 0.0;
    for (int start = 0; start < z.length; start += Logits.BLOCK) {
      int n = Math.min(z.length - start, Logits.BLOCK);
      for (int i = 0; i < n; i++) {
        x[i] = z[start + i] - max;
      }
      for (int i = n; (i & (LANES - 1)) != 0; i++) {
        x[i] = 0.0;
      }
      double block = sumExp(x, n, k - start);
      double next = sum + block;
      compensation += CompensatedSum.roundingError(sum, block, next);
      sum = next;
    }
    return sum + compensation;
  }

  /**
   * {@link ExpBlocks#scalarBlockSum}'s value for the differences {@code x[0..n)} ({@code n ≤}
   * {@link Logits#BLOCK}), leaving out index {@code skip}. {@code x} holds zeros up to the next
   * multiple of {@link ExpBlocks#LANES} and has {@link ExpBlocks#LANES} free slots from {@link
   * Logits#BLOCK}. Everything is written out in this one method: a call the JIT declines to inline
   * (it may, once the callee was compiled on its own) turns the vectors into objects and the
   * operations into their slow Java fallbacks.
   */
  static double sumExp(double[] x, int n, int skip) {
    DoubleVector sum = DoubleVector.zero(D8);
    for (int i = 0; i < n; i += LANES) {
      DoubleVector v = DoubleVector.fromArray(D8, x, i);
      // e^v = 2^k · p(r), exactly as ExpBlocks.exp computes it lane by lane.
      DoubleVector shifted = v.fma(INV_LN2_V, SHIFT_V);
      DoubleVector k = shifted.sub(SHIFT_V);
      DoubleVector r = k.fma(MINUS_LN2_HI_V, v);
      r = k.fma(MINUS_LN2_LO_V, r);
      DoubleVector r2 = r.mul(r);
      DoubleVector r4 = r2.mul(r2);
      DoubleVector q0 = r2.fma(r.fma(C3_V, C2_V), r.add(ONE_V));
      DoubleVector q1 = r2.fma(r.fma(C7_V, C6_V), r.fma(C5_V, C4_V));
      DoubleVector q2 = r2.fma(r.fma(C11_V, C10_V), r.fma(C9_V, C8_V));
      DoubleVector q3 = r.fma(C13_V, C12_V);
      DoubleVector p = r4.mul(r4).fma(r4.fma(q3, q2), r4.fma(q1, q0));
      // The low mantissa bits of the shifted value are k: its bits + 1023, shifted up, are 2^k.
      LongVector exponent = shifted.reinterpretAsLongs().add(1023L);
      DoubleVector e = p.mul(exponent.lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles());
      if (!v.compare(VectorOperators.GE, FAST_FLOOR).allTrue()) {
        e = slowTerms(v);
      }
      int skipLane = skip - i;
      if (skipLane >= 0 && skipLane < LANES) {
        e = e.blend(ZERO_V, LANE[skipLane]);
      }
      if (i + LANES > n) {
        e = e.blend(ZERO_V, FROM_LANE[n - i]);
      }
      sum = sum.add(e);
    }
    sum.intoArray(x, Logits.BLOCK);
    return ((x[Logits.BLOCK] + x[Logits.BLOCK + 1]) + (x[Logits.BLOCK + 2] + x[Logits.BLOCK + 3]))
        + ((x[Logits.BLOCK + 4] + x[Logits.BLOCK + 5])
            + (x[Logits.BLOCK + 6] + x[Logits.BLOCK + 7]));
  }

  /** Rare: near-subnormal results or NaN, element by element as the scalar definition does. */
  private static DoubleVector slowTerms(DoubleVector x) {
    double[] values = x.toArray();
    for (int lane = 0; lane < values.length; lane++) {
      values[lane] = ExpBlocks.exp(values[lane]);
    }
    return DoubleVector.fromArray(x.species(), values, 0);
  }
}
