package dev.xent.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link CalibrationParts#scalarParts} with SIMD: the same operations lane by lane, so the same
 * bins and limbs. Used only when {@link ExpBlocks#simd()} says so; the elements after the last
 * whole chunk go through the scalar definition. Written out for each width, as {@link
 * VectorSigmoid} is.
 */
final class VectorCalibration {
  private VectorCalibration() {}

  private static final int BLOCK = CalibrationParts.BLOCK;
  private static final double SCALE = CalibrationParts.SCALE;
  private static final double MAGIC = CalibrationParts.MAGIC;
  private static final long MAGIC_BITS = CalibrationParts.MAGIC_BITS;
  private static final double SMALLEST_SPLIT = CalibrationParts.SMALLEST_SPLIT;

  private static final VectorSpecies<Double> D8 = VectorRows.D8;
  private static final VectorSpecies<Double> D4 = VectorRows.D4;
  private static final DoubleVector MAGIC_8 = DoubleVector.broadcast(D8, MAGIC);
  private static final DoubleVector MAGIC_4 = DoubleVector.broadcast(D4, MAGIC);
  private static final LongVector MAGIC_BITS_8 =
      LongVector.broadcast(LongVector.SPECIES_512, MAGIC_BITS);
  private static final LongVector MAGIC_BITS_4 =
      LongVector.broadcast(LongVector.SPECIES_256, MAGIC_BITS);

  /** {@link CalibrationParts#parts} with 512-bit vectors (8 elements a chunk). */
  static boolean parts512(
      double[] p, int pFrom, double[] t, int tFrom, int n, int bins, long[] bin, long[] limbs) {
    int lanes = 8;
    DoubleVector b = DoubleVector.broadcast(D8, bins);
    DoubleVector last = DoubleVector.broadcast(D8, bins - 1);
    int k = 0;
    for (; k + lanes <= n; k += lanes) {
      DoubleVector v = DoubleVector.fromArray(D8, p, pFrom + k);
      DoubleVector u = DoubleVector.fromArray(D8, t, tFrom + k);
      VectorMask<Double> unsplit =
          v.compare(VectorOperators.LT, SMALLEST_SPLIT)
              .and(v.compare(VectorOperators.NE, 0.0))
              .or(
                  u.compare(VectorOperators.LT, SMALLEST_SPLIT)
                      .and(u.compare(VectorOperators.NE, 0.0)));
      if (unsplit.anyTrue()) {
        return false;
      }
      DoubleVector hi = v.mul(b);
      DoubleVector nearest = hi.add(MAGIC_8).sub(MAGIC_8);
      DoubleVector ceiling = nearest.add(1.0, nearest.compare(VectorOperators.LT, hi));
      VectorMask<Double> up =
          ceiling
              .compare(VectorOperators.EQ, hi)
              .and(v.fma(b, hi.neg()).compare(VectorOperators.GT, 0.0));
      DoubleVector index = ceiling.sub(1.0).add(1.0, up).max(0.0).min(last);
      index.add(MAGIC_8).reinterpretAsLongs().sub(MAGIC_BITS_8).intoArray(bin, k);
      split8(v, limbs, k);
      split8(u, limbs, 3 * BLOCK + k);
    }
    return CalibrationParts.scalarParts(p, pFrom, t, tFrom, k, n, bins, bin, limbs);
  }

  private static void split8(DoubleVector v, long[] limbs, int at) {
    DoubleVector x = v.mul(SCALE);
    DoubleVector y = x.add(MAGIC_8);
    y.reinterpretAsLongs().sub(MAGIC_BITS_8).intoArray(limbs, at);
    DoubleVector x1 = x.sub(y.sub(MAGIC_8)).mul(SCALE);
    DoubleVector y1 = x1.add(MAGIC_8);
    y1.reinterpretAsLongs().sub(MAGIC_BITS_8).intoArray(limbs, at + BLOCK);
    DoubleVector x2 = x1.sub(y1.sub(MAGIC_8)).mul(SCALE);
    x2.add(MAGIC_8).reinterpretAsLongs().sub(MAGIC_BITS_8).intoArray(limbs, at + 2 * BLOCK);
  }

  /** {@link CalibrationParts#parts} with 256-bit vectors (4 elements a chunk). */
  static boolean parts256(
      double[] p, int pFrom, double[] t, int tFrom, int n, int bins, long[] bin, long[] limbs) {
    int lanes = 4;
    DoubleVector b = DoubleVector.broadcast(D4, bins);
    DoubleVector last = DoubleVector.broadcast(D4, bins - 1);
    int k = 0;
    for (; k + lanes <= n; k += lanes) {
      DoubleVector v = DoubleVector.fromArray(D4, p, pFrom + k);
      DoubleVector u = DoubleVector.fromArray(D4, t, tFrom + k);
      VectorMask<Double> unsplit =
          v.compare(VectorOperators.LT, SMALLEST_SPLIT)
              .and(v.compare(VectorOperators.NE, 0.0))
              .or(
                  u.compare(VectorOperators.LT, SMALLEST_SPLIT)
                      .and(u.compare(VectorOperators.NE, 0.0)));
      if (unsplit.anyTrue()) {
        return false;
      }
      DoubleVector hi = v.mul(b);
      DoubleVector nearest = hi.add(MAGIC_4).sub(MAGIC_4);
      DoubleVector ceiling = nearest.add(1.0, nearest.compare(VectorOperators.LT, hi));
      VectorMask<Double> up =
          ceiling
              .compare(VectorOperators.EQ, hi)
              .and(v.fma(b, hi.neg()).compare(VectorOperators.GT, 0.0));
      DoubleVector index = ceiling.sub(1.0).add(1.0, up).max(0.0).min(last);
      index.add(MAGIC_4).reinterpretAsLongs().sub(MAGIC_BITS_4).intoArray(bin, k);
      split4(v, limbs, k);
      split4(u, limbs, 3 * BLOCK + k);
    }
    return CalibrationParts.scalarParts(p, pFrom, t, tFrom, k, n, bins, bin, limbs);
  }

  private static void split4(DoubleVector v, long[] limbs, int at) {
    DoubleVector x = v.mul(SCALE);
    DoubleVector y = x.add(MAGIC_4);
    y.reinterpretAsLongs().sub(MAGIC_BITS_4).intoArray(limbs, at);
    DoubleVector x1 = x.sub(y.sub(MAGIC_4)).mul(SCALE);
    DoubleVector y1 = x1.add(MAGIC_4);
    y1.reinterpretAsLongs().sub(MAGIC_BITS_4).intoArray(limbs, at + BLOCK);
    DoubleVector x2 = x1.sub(y1.sub(MAGIC_4)).mul(SCALE);
    x2.add(MAGIC_4).reinterpretAsLongs().sub(MAGIC_BITS_4).intoArray(limbs, at + 2 * BLOCK);
  }
}
