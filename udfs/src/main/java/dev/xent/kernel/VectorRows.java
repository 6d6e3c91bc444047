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
 * conversions, all correctly rounded), so the result equals the scalar definition bit for bit. With
 * 512-bit vectors one register holds the 8 lanes; with 256-bit vectors two registers hold lanes 0–3
 * and 4–7. Loaded only when the incubator module is present.
 */
final class VectorRows {
  private VectorRows() {}

  private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;
  private static final VectorSpecies<Float> F8 = FloatVector.SPECIES_256;
  private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
  private static final VectorSpecies<Float> F4 = FloatVector.SPECIES_128;

  private static final DoubleVector IOTA8 = DoubleVector.zero(D8).addIndex(1);
  private static final DoubleVector IOTA4 = DoubleVector.zero(D4).addIndex(1);

  /** Whether 8 double lanes are native; otherwise the 4-lane pair is used. */
  static final boolean WIDE = DoubleVector.SPECIES_PREFERRED.length() >= 8;

  static boolean supported() {
    return DoubleVector.SPECIES_PREFERRED.length() >= 4;
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
   * {@link Logits#restMass(float[], int)}: block sums as {@link ExpBlocks#blockSum}, compensated
   * across blocks in the same way. The block loop lives here so that the JIT inlines the vector
   * code into it (a deeper call chain left vectors boxed).
   */
  static double restMass(float[] z, int k) {
    double max = z[k];
    double sum = 0.0;
    double compensation = 0.0;
    for (int start = 0; start < z.length; start += Logits.BLOCK) {
      int end = Math.min(z.length, start + Logits.BLOCK);
      double block = WIDE ? blockSum8(z, start, end, k, max) : blockSum4(z, start, end, k, max);
      double next = sum + block;
      compensation += CompensatedSum.roundingError(sum, block, next);
      sum = next;
    }
    return sum + compensation;
  }

  /** {@link Logits#restMass(double[], int)}, as {@link #restMass(float[], int)}. */
  static double restMass(double[] z, int k) {
    double max = z[k];
    double sum = 0.0;
    double compensation = 0.0;
    for (int start = 0; start < z.length; start += Logits.BLOCK) {
      int end = Math.min(z.length, start + Logits.BLOCK);
      double block = WIDE ? blockSum8(z, start, end, k, max) : blockSum4(z, start, end, k, max);
      double next = sum + block;
      compensation += CompensatedSum.roundingError(sum, block, next);
      sum = next;
    }
    return sum + compensation;
  }

  static double blockSum8(float[] z, int from, int to, int skip, double max) {
    double[] lanes = new double[LANES];
    DoubleVector sum = DoubleVector.zero(D8);
    int end = from + ((to - from) & -LANES);
    for (int i = from; i < end; i += LANES) {
      sum = sum.add(terms(widen(FloatVector.fromArray(F8, z, i), D8).sub(max), i, skip, IOTA8));
    }
    int tail = to - end;
    if (tail > 0) {
      // The last partial chunk through a padded copy: masked loads are not intrinsic on JDK 17.
      for (int lane = 0; lane < LANES; lane++) {
        lanes[lane] = lane < tail ? z[end + lane] - max : 0.0;
      }
      DoubleVector e = terms(DoubleVector.fromArray(D8, lanes, 0), end, skip, IOTA8);
      sum = sum.add(e.blend(0.0, IOTA8.compare(VectorOperators.GE, tail)));
    }
    sum.intoArray(lanes, 0);
    return ExpBlocks.addLanes(lanes);
  }

  static double blockSum8(double[] z, int from, int to, int skip, double max) {
    double[] lanes = new double[LANES];
    DoubleVector sum = DoubleVector.zero(D8);
    int end = from + ((to - from) & -LANES);
    for (int i = from; i < end; i += LANES) {
      sum = sum.add(terms(DoubleVector.fromArray(D8, z, i).sub(max), i, skip, IOTA8));
    }
    int tail = to - end;
    if (tail > 0) {
      // The last partial chunk through a padded copy: masked loads are not intrinsic on JDK 17.
      for (int lane = 0; lane < LANES; lane++) {
        lanes[lane] = lane < tail ? z[end + lane] - max : 0.0;
      }
      DoubleVector e = terms(DoubleVector.fromArray(D8, lanes, 0), end, skip, IOTA8);
      sum = sum.add(e.blend(0.0, IOTA8.compare(VectorOperators.GE, tail)));
    }
    sum.intoArray(lanes, 0);
    return ExpBlocks.addLanes(lanes);
  }

  static double blockSum4(float[] z, int from, int to, int skip, double max) {
    double[] lanes = new double[LANES];
    DoubleVector low = DoubleVector.zero(D4);
    DoubleVector high = DoubleVector.zero(D4);
    int end = from + ((to - from) & -LANES);
    for (int i = from; i < end; i += LANES) {
      int j = i + LANES / 2;
      low = low.add(terms(widen(FloatVector.fromArray(F4, z, i), D4).sub(max), i, skip, IOTA4));
      high = high.add(terms(widen(FloatVector.fromArray(F4, z, j), D4).sub(max), j, skip, IOTA4));
    }
    int tail = to - end;
    if (tail > 0) {
      for (int lane = 0; lane < LANES; lane++) {
        lanes[lane] = lane < tail ? z[end + lane] - max : 0.0;
      }
      int half = LANES / 2;
      DoubleVector eLow = terms(DoubleVector.fromArray(D4, lanes, 0), end, skip, IOTA4);
      DoubleVector eHigh = terms(DoubleVector.fromArray(D4, lanes, half), end + half, skip, IOTA4);
      low = low.add(eLow.blend(0.0, IOTA4.compare(VectorOperators.GE, tail)));
      high = high.add(eHigh.blend(0.0, IOTA4.compare(VectorOperators.GE, tail - half)));
    }
    low.intoArray(lanes, 0);
    high.intoArray(lanes, LANES / 2);
    return ExpBlocks.addLanes(lanes);
  }

  static double blockSum4(double[] z, int from, int to, int skip, double max) {
    double[] lanes = new double[LANES];
    DoubleVector low = DoubleVector.zero(D4);
    DoubleVector high = DoubleVector.zero(D4);
    int end = from + ((to - from) & -LANES);
    for (int i = from; i < end; i += LANES) {
      int j = i + LANES / 2;
      low = low.add(terms(DoubleVector.fromArray(D4, z, i).sub(max), i, skip, IOTA4));
      high = high.add(terms(DoubleVector.fromArray(D4, z, j).sub(max), j, skip, IOTA4));
    }
    int tail = to - end;
    if (tail > 0) {
      for (int lane = 0; lane < LANES; lane++) {
        lanes[lane] = lane < tail ? z[end + lane] - max : 0.0;
      }
      int half = LANES / 2;
      DoubleVector eLow = terms(DoubleVector.fromArray(D4, lanes, 0), end, skip, IOTA4);
      DoubleVector eHigh = terms(DoubleVector.fromArray(D4, lanes, half), end + half, skip, IOTA4);
      low = low.add(eLow.blend(0.0, IOTA4.compare(VectorOperators.GE, tail)));
      high = high.add(eHigh.blend(0.0, IOTA4.compare(VectorOperators.GE, tail - half)));
    }
    low.intoArray(lanes, 0);
    high.intoArray(lanes, LANES / 2);
    return ExpBlocks.addLanes(lanes);
  }

  private static DoubleVector widen(FloatVector floats, VectorSpecies<Double> species) {
    return (DoubleVector) floats.convertShape(VectorOperators.F2D, species, 0);
  }

  /**
   * e^x lane by lane for elements {@code first, first+1, …}; the lane of {@code skip} is +0.0, as
   * in the scalar sum that does not add it.
   */
  private static DoubleVector terms(DoubleVector x, int first, int skip, DoubleVector iota) {
    DoubleVector e = fastExp(x);
    if (!x.compare(VectorOperators.GE, FAST_FLOOR).allTrue()) {
      e = slowTerms(x);
    }
    int skipLane = skip - first;
    if (skipLane >= 0 && skipLane < iota.length()) {
      e = e.blend(0.0, iota.compare(VectorOperators.EQ, skipLane));
    }
    return e;
  }

  /** Rare: near-subnormal results or NaN, element by element as the scalar definition does. */
  private static DoubleVector slowTerms(DoubleVector x) {
    double[] values = x.toArray();
    for (int lane = 0; lane < values.length; lane++) {
      values[lane] = ExpBlocks.exp(values[lane]);
    }
    return DoubleVector.fromArray(x.species(), values, 0);
  }

  private static DoubleVector fastExp(DoubleVector x) {
    DoubleVector shifted = x.fma(INV_LN2, SHIFT);
    DoubleVector k = shifted.sub(SHIFT);
    DoubleVector r = k.fma(x.broadcast(-LN2_HI), x);
    r = k.fma(x.broadcast(-LN2_LO), r);
    DoubleVector p = r.fma(C13, C12);
    p = p.fma(r, x.broadcast(C11));
    p = p.fma(r, x.broadcast(C10));
    p = p.fma(r, x.broadcast(C9));
    p = p.fma(r, x.broadcast(C8));
    p = p.fma(r, x.broadcast(C7));
    p = p.fma(r, x.broadcast(C6));
    p = p.fma(r, x.broadcast(C5));
    p = p.fma(r, x.broadcast(C4));
    p = p.fma(r, x.broadcast(C3));
    p = p.fma(r, x.broadcast(C2));
    p = p.fma(r, x.broadcast(1.0));
    p = p.fma(r, x.broadcast(1.0));
    // The low mantissa bits of the shifted value are k: its bits + 1023, shifted up, are 2^k.
    LongVector exponent = shifted.reinterpretAsLongs().add(1023L);
    DoubleVector scale = exponent.lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
    return p.mul(scale);
  }
}
