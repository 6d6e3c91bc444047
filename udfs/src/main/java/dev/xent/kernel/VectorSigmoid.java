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
import static dev.xent.kernel.ExpBlocks.INV_LN2;
import static dev.xent.kernel.ExpBlocks.LN2_HI;
import static dev.xent.kernel.ExpBlocks.LN2_LO;
import static dev.xent.kernel.ExpBlocks.SHIFT;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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

  private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;
  private static final DoubleVector INV_LN2_8 = DoubleVector.broadcast(D8, INV_LN2);
  private static final DoubleVector SHIFT_8 = DoubleVector.broadcast(D8, SHIFT);
  private static final DoubleVector MINUS_LN2_HI_8 = DoubleVector.broadcast(D8, -LN2_HI);
  private static final DoubleVector MINUS_LN2_LO_8 = DoubleVector.broadcast(D8, -LN2_LO);
  private static final DoubleVector C2_8 = DoubleVector.broadcast(D8, C2);
  private static final DoubleVector C3_8 = DoubleVector.broadcast(D8, C3);
  private static final DoubleVector C4_8 = DoubleVector.broadcast(D8, C4);
  private static final DoubleVector C5_8 = DoubleVector.broadcast(D8, C5);
  private static final DoubleVector C6_8 = DoubleVector.broadcast(D8, C6);
  private static final DoubleVector C7_8 = DoubleVector.broadcast(D8, C7);
  private static final DoubleVector C8_8 = DoubleVector.broadcast(D8, C8);
  private static final DoubleVector C9_8 = DoubleVector.broadcast(D8, C9);
  private static final DoubleVector C10_8 = DoubleVector.broadcast(D8, C10);
  private static final DoubleVector C11_8 = DoubleVector.broadcast(D8, C11);
  private static final DoubleVector P0_8 = DoubleVector.broadcast(D8, Log1p.P0);
  private static final DoubleVector P1_8 = DoubleVector.broadcast(D8, Log1p.P1);
  private static final DoubleVector P2_8 = DoubleVector.broadcast(D8, Log1p.P2);
  private static final DoubleVector P3_8 = DoubleVector.broadcast(D8, Log1p.P3);
  private static final DoubleVector P4_8 = DoubleVector.broadcast(D8, Log1p.P4);
  private static final DoubleVector P5_8 = DoubleVector.broadcast(D8, Log1p.P5);
  private static final DoubleVector P6_8 = DoubleVector.broadcast(D8, Log1p.P6);

  private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
  private static final DoubleVector INV_LN2_4 = DoubleVector.broadcast(D4, INV_LN2);
  private static final DoubleVector SHIFT_4 = DoubleVector.broadcast(D4, SHIFT);
  private static final DoubleVector MINUS_LN2_HI_4 = DoubleVector.broadcast(D4, -LN2_HI);
  private static final DoubleVector MINUS_LN2_LO_4 = DoubleVector.broadcast(D4, -LN2_LO);
  private static final DoubleVector C2_4 = DoubleVector.broadcast(D4, C2);
  private static final DoubleVector C3_4 = DoubleVector.broadcast(D4, C3);
  private static final DoubleVector C4_4 = DoubleVector.broadcast(D4, C4);
  private static final DoubleVector C5_4 = DoubleVector.broadcast(D4, C5);
  private static final DoubleVector C6_4 = DoubleVector.broadcast(D4, C6);
  private static final DoubleVector C7_4 = DoubleVector.broadcast(D4, C7);
  private static final DoubleVector C8_4 = DoubleVector.broadcast(D4, C8);
  private static final DoubleVector C9_4 = DoubleVector.broadcast(D4, C9);
  private static final DoubleVector C10_4 = DoubleVector.broadcast(D4, C10);
  private static final DoubleVector C11_4 = DoubleVector.broadcast(D4, C11);
  private static final DoubleVector P0_4 = DoubleVector.broadcast(D4, Log1p.P0);
  private static final DoubleVector P1_4 = DoubleVector.broadcast(D4, Log1p.P1);
  private static final DoubleVector P2_4 = DoubleVector.broadcast(D4, Log1p.P2);
  private static final DoubleVector P3_4 = DoubleVector.broadcast(D4, Log1p.P3);
  private static final DoubleVector P4_4 = DoubleVector.broadcast(D4, Log1p.P4);
  private static final DoubleVector P5_4 = DoubleVector.broadcast(D4, Log1p.P5);
  private static final DoubleVector P6_4 = DoubleVector.broadcast(D4, Log1p.P6);

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
      DoubleVector zv = DoubleVector.fromArray(D8, z, zFrom + at);
      DoubleVector a = zv.abs();
      if (!a.compare(VectorOperators.LE, FAST_ABS).allTrue()) {
        // A non-finite logit, or e^−|z| below the fast exp's range: the scalar definition.
        SigmoidCrossEntropy.scalarElements(z, zFrom, t, tFrom, loss, probability, at, at + lanes);
      } else {
        DoubleVector tv = DoubleVector.fromArray(D8, t, tFrom + at);
        // e = e^−a, ExpBlocks.exp lane by lane.
        DoubleVector x = a.neg();
        DoubleVector shifted = x.fma(INV_LN2_8, SHIFT_8);
        LongVector bits = shifted.reinterpretAsLongs();
        DoubleVector k = shifted.sub(SHIFT_8);
        DoubleVector r = k.fma(MINUS_LN2_HI_8, x);
        r = k.fma(MINUS_LN2_LO_8, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low = r2.fma(r.fma(C5_8, C4_8), r.fma(C3_8, C2_8));
        DoubleVector high = r2.fma(r.fma(C9_8, C8_8), r.fma(C7_8, C6_8));
        DoubleVector q = r8.fma(r.fma(C11_8, C10_8), r4.fma(high, low));
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
      DoubleVector zv = DoubleVector.fromArray(D4, z, zFrom + at);
      DoubleVector a = zv.abs();
      if (!a.compare(VectorOperators.LE, FAST_ABS).allTrue()) {
        // A non-finite logit, or e^−|z| below the fast exp's range: the scalar definition.
        SigmoidCrossEntropy.scalarElements(z, zFrom, t, tFrom, loss, probability, at, at + lanes);
      } else {
        DoubleVector tv = DoubleVector.fromArray(D4, t, tFrom + at);
        // e = e^−a, ExpBlocks.exp lane by lane.
        DoubleVector x = a.neg();
        DoubleVector shifted = x.fma(INV_LN2_4, SHIFT_4);
        LongVector bits = shifted.reinterpretAsLongs();
        DoubleVector k = shifted.sub(SHIFT_4);
        DoubleVector r = k.fma(MINUS_LN2_HI_4, x);
        r = k.fma(MINUS_LN2_LO_4, r);
        DoubleVector r2 = r.mul(r);
        DoubleVector r4 = r2.mul(r2);
        DoubleVector r8 = r4.mul(r4);
        DoubleVector low = r2.fma(r.fma(C5_4, C4_4), r.fma(C3_4, C2_4));
        DoubleVector high = r2.fma(r.fma(C9_4, C8_4), r.fma(C7_4, C6_4));
        DoubleVector q = r8.fma(r.fma(C11_4, C10_4), r4.fma(high, low));
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
}
