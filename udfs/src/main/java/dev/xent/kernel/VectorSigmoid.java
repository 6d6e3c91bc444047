package dev.xent.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;

/**
 * {@link SigmoidCrossEntropy#scalarElements} with SIMD: the same operations lane by lane (the exp
 * of {@link ExpBlocks#exp}, the log1p of {@link Log1p#ofUnit}, both branches of every select
 * computed and blended), so the same bits. Used only when {@link ExpBlocks#simd()} says so; a chunk
 * with a logit that is not finite or whose e^−|z| is below the fast exp's range goes through the
 * scalar definition. The 512- and 256-bit loops are written out: a vector that crosses a call the
 * JIT does not inline is boxed, and a species chosen at run time is not a constant to it.
 */
final class VectorSigmoid {
  private VectorSigmoid() {}

  /**
   * |z| up to this keeps −|z|/ln 2 ≥ −1021 (k within {@link ExpBlocks#FAST_BITS}), where {@link
   * ExpBlocks#exp} takes its fast formula; NaN and ±∞ fail the comparison.
   */
  private static final double FAST_ABS = 707.0;

  /** {@link SigmoidCrossEntropy#scalarElements} for i in [0, n). */
  static void elements(
      double[] z, int zFrom, double[] t, int tFrom, double[] loss, double[] probability, int n) {
    if (VectorRows.WIDE) {
      elements512(z, zFrom, t, tFrom, loss, probability, n);
    } else {
      elements256(z, zFrom, t, tFrom, loss, probability, n);
    }
  }

  private static final DoubleVector P0_8 = DoubleVector.broadcast(VectorRows.D8, Log1p.P0);
  private static final DoubleVector P1_8 = DoubleVector.broadcast(VectorRows.D8, Log1p.P1);
  private static final DoubleVector P2_8 = DoubleVector.broadcast(VectorRows.D8, Log1p.P2);
  private static final DoubleVector P3_8 = DoubleVector.broadcast(VectorRows.D8, Log1p.P3);
  private static final DoubleVector P4_8 = DoubleVector.broadcast(VectorRows.D8, Log1p.P4);
  private static final DoubleVector P5_8 = DoubleVector.broadcast(VectorRows.D8, Log1p.P5);
  private static final DoubleVector P6_8 = DoubleVector.broadcast(VectorRows.D8, Log1p.P6);

  private static final DoubleVector P0_4 = DoubleVector.broadcast(VectorRows.D4, Log1p.P0);
  private static final DoubleVector P1_4 = DoubleVector.broadcast(VectorRows.D4, Log1p.P1);
  private static final DoubleVector P2_4 = DoubleVector.broadcast(VectorRows.D4, Log1p.P2);
  private static final DoubleVector P3_4 = DoubleVector.broadcast(VectorRows.D4, Log1p.P3);
  private static final DoubleVector P4_4 = DoubleVector.broadcast(VectorRows.D4, Log1p.P4);
  private static final DoubleVector P5_4 = DoubleVector.broadcast(VectorRows.D4, Log1p.P5);
  private static final DoubleVector P6_4 = DoubleVector.broadcast(VectorRows.D4, Log1p.P6);

  /** {@link #elements} with 512-bit vectors (8 doubles a chunk). */
  static void elements512(
      double[] z, int zFrom, double[] t, int tFrom, double[] loss, double[] probability, int n) {
    int lanes = 8;
    if (n < lanes) {
      SigmoidCrossEntropy.scalarElements(z, zFrom, t, tFrom, loss, probability, 0, n);
      return;
    }
    // Whole chunks, then the last 8 elements again (overlapping): each element is computed on
    // its own, so computing one twice writes the same bits twice.
    for (int i = 0; ; i += lanes) {
      int at = Math.min(i, n - lanes);
      DoubleVector zv = DoubleVector.fromArray(VectorRows.D8, z, zFrom + at);
      DoubleVector a = zv.abs();
      if (!a.compare(VectorOperators.LE, FAST_ABS).allTrue()) {
        // A non-finite logit, or e^−|z| below the fast exp's range: the scalar definition.
        SigmoidCrossEntropy.scalarElements(z, zFrom, t, tFrom, loss, probability, at, at + lanes);
      } else {
        DoubleVector tv = DoubleVector.fromArray(VectorRows.D8, t, tFrom + at);
        // e = e^−a, ExpBlocks.exp lane by lane.
        DoubleVector x = a.neg();
        DoubleVector shifted = x.fma(VectorRows.INV_LN2_V, VectorRows.SHIFT_V);
        LongVector bits = shifted.reinterpretAsLongs();
        DoubleVector k = shifted.sub(VectorRows.SHIFT_V);
        DoubleVector r = k.fma(VectorRows.MINUS_LN2_HI_V, x);
        r = k.fma(VectorRows.MINUS_LN2_LO_V, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low =
            r2.fma(
                r.fma(VectorRows.C5_V, VectorRows.C4_V), r.fma(VectorRows.C3_V, VectorRows.C2_V));
        DoubleVector high =
            r2.fma(
                r.fma(VectorRows.C9_V, VectorRows.C8_V), r.fma(VectorRows.C7_V, VectorRows.C6_V));
        DoubleVector q = r8.fma(r.fma(VectorRows.C11_V, VectorRows.C10_V), r4.fma(high, low));
        DoubleVector scale = bits.lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector e = r2.fma(q, r).fma(scale, scale);
        // log1p(e), Log1p.ofUnit lane by lane.
        DoubleVector u = e.add(1.0);
        DoubleVector c = e.sub(u.sub(1.0));
        VectorMask<Double> halve = u.compare(VectorOperators.GE, Log1p.SQRT2);
        DoubleVector kk = u.broadcast(0.0).blend(1.0, halve);
        DoubleVector f = u.blend(u.mul(0.5), halve).sub(1.0);
        DoubleVector correction = c.div(u);
        DoubleVector s = f.div(f.add(2.0));
        DoubleVector zz = s.mul(s);
        DoubleVector z2 = zz.mul(zz);
        DoubleVector pLow = z2.fma(zz.fma(P3_8, P2_8), zz.fma(P1_8, P0_8));
        DoubleVector pHigh = z2.fma(P6_8, zz.fma(P5_8, P4_8));
        DoubleVector rr = zz.mul(z2.mul(z2).fma(pHigh, pLow));
        DoubleVector halfSquare = f.mul(0.5).mul(f);
        DoubleVector log1p =
            kk.mul(Log1p.LN2_HI)
                .sub(
                    halfSquare
                        .sub(s.mul(halfSquare.add(rr)).add(kk.mul(Log1p.LN2_LO).add(correction)))
                        .sub(f));
        DoubleVector linear =
            a.mul(tv.blend(tv.broadcast(1.0).sub(tv), zv.compare(VectorOperators.GT, 0.0)));
        linear.add(log1p).intoArray(loss, at);
        e.blend(1.0, zv.compare(VectorOperators.GE, 0.0)).div(u).intoArray(probability, at);
      }
      if (at == n - lanes) {
        return;
      }
    }
  }

  /** {@link #elements} with 256-bit vectors (4 doubles a chunk). */
  static void elements256(
      double[] z, int zFrom, double[] t, int tFrom, double[] loss, double[] probability, int n) {
    int lanes = 4;
    if (n < lanes) {
      SigmoidCrossEntropy.scalarElements(z, zFrom, t, tFrom, loss, probability, 0, n);
      return;
    }
    // Whole chunks, then the last 4 elements again (overlapping): each element is computed on
    // its own, so computing one twice writes the same bits twice.
    for (int i = 0; ; i += lanes) {
      int at = Math.min(i, n - lanes);
      DoubleVector zv = DoubleVector.fromArray(VectorRows.D4, z, zFrom + at);
      DoubleVector a = zv.abs();
      if (!a.compare(VectorOperators.LE, FAST_ABS).allTrue()) {
        // A non-finite logit, or e^−|z| below the fast exp's range: the scalar definition.
        SigmoidCrossEntropy.scalarElements(z, zFrom, t, tFrom, loss, probability, at, at + lanes);
      } else {
        DoubleVector tv = DoubleVector.fromArray(VectorRows.D4, t, tFrom + at);
        // e = e^−a, ExpBlocks.exp lane by lane.
        DoubleVector x = a.neg();
        DoubleVector shifted = x.fma(VectorRows.INV_LN2_4, VectorRows.SHIFT_4);
        LongVector bits = shifted.reinterpretAsLongs();
        DoubleVector k = shifted.sub(VectorRows.SHIFT_4);
        DoubleVector r = k.fma(VectorRows.MINUS_LN2_HI_4, x);
        r = k.fma(VectorRows.MINUS_LN2_LO_4, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low =
            r2.fma(
                r.fma(VectorRows.C5_4, VectorRows.C4_4), r.fma(VectorRows.C3_4, VectorRows.C2_4));
        DoubleVector high =
            r2.fma(
                r.fma(VectorRows.C9_4, VectorRows.C8_4), r.fma(VectorRows.C7_4, VectorRows.C6_4));
        DoubleVector q = r8.fma(r.fma(VectorRows.C11_4, VectorRows.C10_4), r4.fma(high, low));
        DoubleVector scale = bits.lanewise(VectorOperators.LSHL, 52).reinterpretAsDoubles();
        DoubleVector e = r2.fma(q, r).fma(scale, scale);
        // log1p(e), Log1p.ofUnit lane by lane.
        DoubleVector u = e.add(1.0);
        DoubleVector c = e.sub(u.sub(1.0));
        VectorMask<Double> halve = u.compare(VectorOperators.GE, Log1p.SQRT2);
        DoubleVector kk = u.broadcast(0.0).blend(1.0, halve);
        DoubleVector f = u.blend(u.mul(0.5), halve).sub(1.0);
        DoubleVector correction = c.div(u);
        DoubleVector s = f.div(f.add(2.0));
        DoubleVector zz = s.mul(s);
        DoubleVector z2 = zz.mul(zz);
        DoubleVector pLow = z2.fma(zz.fma(P3_4, P2_4), zz.fma(P1_4, P0_4));
        DoubleVector pHigh = z2.fma(P6_4, zz.fma(P5_4, P4_4));
        DoubleVector rr = zz.mul(z2.mul(z2).fma(pHigh, pLow));
        DoubleVector halfSquare = f.mul(0.5).mul(f);
        DoubleVector log1p =
            kk.mul(Log1p.LN2_HI)
                .sub(
                    halfSquare
                        .sub(s.mul(halfSquare.add(rr)).add(kk.mul(Log1p.LN2_LO).add(correction)))
                        .sub(f));
        DoubleVector linear =
            a.mul(tv.blend(tv.broadcast(1.0).sub(tv), zv.compare(VectorOperators.GT, 0.0)));
        linear.add(log1p).intoArray(loss, at);
        e.blend(1.0, zv.compare(VectorOperators.GE, 0.0)).div(u).intoArray(probability, at);
      }
      if (at == n - lanes) {
        return;
      }
    }
  }

  /**
   * {@link SigmoidCrossEntropy#scalarLaneSums} with the eight lanes in one 512-bit vector or two
   * 256-bit ones. Each step's rounding error is Knuth's TwoSum, which needs no comparison, where
   * the scalar loop takes Fast2Sum in the order |s| ≥ |x| picks: both are the exact error of the
   * same addition, so the same bits. They differ only after a lane's sum has overflowed or met NaN
   * or ∞, and that lane's sum stays so, so the row's sum is not finite and its compensation is not
   * used ({@link SoftmaxCrossEntropy#finish}).
   */
  static void laneSums(double[] loss, int n, double[] lanes) {
    if (VectorRows.WIDE) {
      laneSums512(loss, n, lanes);
    } else {
      laneSums256(loss, n, lanes);
    }
  }

  static void laneSums512(double[] loss, int n, double[] lanes) {
    DoubleVector sum = DoubleVector.fromArray(VectorRows.D8, lanes, 0);
    DoubleVector compensation = DoubleVector.fromArray(VectorRows.D8, lanes, 8);
    for (int i = 0; i < n; i += 8) {
      DoubleVector x = DoubleVector.fromArray(VectorRows.D8, loss, i);
      DoubleVector next = sum.add(x);
      DoubleVector xPart = next.sub(sum);
      compensation = compensation.add(sum.sub(next.sub(xPart)).add(x.sub(xPart)));
      sum = next;
    }
    sum.intoArray(lanes, 0);
    compensation.intoArray(lanes, 8);
  }

  /** {@link #laneSums512} with lanes 0–3 and 4–7 in two 256-bit vectors. */
  static void laneSums256(double[] loss, int n, double[] lanes) {
    DoubleVector sumLow = DoubleVector.fromArray(VectorRows.D4, lanes, 0);
    DoubleVector sumHigh = DoubleVector.fromArray(VectorRows.D4, lanes, 4);
    DoubleVector compensationLow = DoubleVector.fromArray(VectorRows.D4, lanes, 8);
    DoubleVector compensationHigh = DoubleVector.fromArray(VectorRows.D4, lanes, 12);
    for (int i = 0; i < n; i += 8) {
      DoubleVector x = DoubleVector.fromArray(VectorRows.D4, loss, i);
      DoubleVector next = sumLow.add(x);
      DoubleVector xPart = next.sub(sumLow);
      compensationLow = compensationLow.add(sumLow.sub(next.sub(xPart)).add(x.sub(xPart)));
      sumLow = next;
      x = DoubleVector.fromArray(VectorRows.D4, loss, i + 4);
      next = sumHigh.add(x);
      xPart = next.sub(sumHigh);
      compensationHigh = compensationHigh.add(sumHigh.sub(next.sub(xPart)).add(x.sub(xPart)));
      sumHigh = next;
    }
    sumLow.intoArray(lanes, 0);
    sumHigh.intoArray(lanes, 4);
    compensationLow.intoArray(lanes, 8);
    compensationHigh.intoArray(lanes, 12);
  }
}
