package dev.xent.kernel;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.LongVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The calibration of sigmoid elements of weight 1 ({@link
 * AuditAccumulator#addValidSigmoidElements}) with SIMD: each element's bin, and for its confidence
 * and outcome the slot and significand that {@link AuditAccumulator} adds, computed lane by lane
 * with exact operations only (a product, an fma, the rounding of a value below 2^52 to an integer
 * by adding 2^52, integer shifts and masks), so the same integers. What is left for the caller is
 * one integer addition per value, the scatter that vectors cannot do. A chunk with a value below
 * 2^−63 other than 0 (which goes to an exact sum of its own) is marked for the scalar path instead.
 * Used only when {@link ExpBlocks#simd()} says so; the 512- and 256-bit loops are written out, as
 * in {@link VectorSigmoid}.
 */
final class VectorCalibration {
  private VectorCalibration() {}

  private static final VectorSpecies<Double> D8 = DoubleVector.SPECIES_512;
  private static final VectorSpecies<Long> L8 = LongVector.SPECIES_512;
  private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;
  private static final VectorSpecies<Long> L4 = LongVector.SPECIES_256;

  private static final double TWO_52 = 0x1p52;
  private static final long TWO_52_BITS = Double.doubleToRawLongBits(TWO_52);
  private static final long SIGNIFICAND = 0x000F_FFFF_FFFF_FFFFL;
  private static final long IMPLICIT = 1L << 52;

  /**
   * For elements i in [0, n) and {@code bins} bins: {@code confidenceAt[i]} and {@code
   * outcomeAt[i]}, {@link AuditAccumulator#unitAt} of σ(z) = {@code probability[probabilityFrom +
   * i]} and of its target {@code targets[targetsFrom + i]} in σ(z)'s bin, and {@code
   * confidenceSignificand[i]}, {@code outcomeSignificand[i]}, their {@link
   * AuditAccumulator#unitSignificand}; {@code confidenceAt[i]} is −1 for every element of a chunk
   * with a value that unitAt sends to the scalar path. Returns the elements done, a multiple of the
   * lanes: the rest is the caller's.
   */
  static int split(
      double[] probability,
      int probabilityFrom,
      double[] targets,
      int targetsFrom,
      int n,
      int bins,
      long[] confidenceAt,
      long[] outcomeAt,
      long[] confidenceSignificand,
      long[] outcomeSignificand) {
    return VectorRows.WIDE
        ? split512(
            probability,
            probabilityFrom,
            targets,
            targetsFrom,
            n,
            bins,
            confidenceAt,
            outcomeAt,
            confidenceSignificand,
            outcomeSignificand)
        : split256(
            probability,
            probabilityFrom,
            targets,
            targetsFrom,
            n,
            bins,
            confidenceAt,
            outcomeAt,
            confidenceSignificand,
            outcomeSignificand);
  }

  /** {@link #split} with 512-bit vectors (8 elements a chunk). */
  static int split512(
      double[] probability,
      int probabilityFrom,
      double[] targets,
      int targetsFrom,
      int n,
      int bins,
      long[] confidenceAt,
      long[] outcomeAt,
      long[] confidenceSignificand,
      long[] outcomeSignificand) {
    DoubleVector binsV = DoubleVector.broadcast(D8, bins);
    DoubleVector lastBin = DoubleVector.broadcast(D8, bins - 1);
    int done = n - n % 8;
    for (int i = 0; i < done; i += 8) {
      DoubleVector p = DoubleVector.fromArray(D8, probability, probabilityFrom + i);
      // AuditAccumulator.bin: ⌈p·B⌉ − 1 for the exact real p·B, clamped to [0, B − 1].
      DoubleVector hi = p.mul(binsV);
      DoubleVector nearest = hi.add(TWO_52).sub(TWO_52);
      // ⌈hi⌉ is nearest + 1 below hi, else nearest; at an integer hi, + 1 when the exact p·B is
      // above it.
      VectorMask<Double> up =
          nearest
              .compare(VectorOperators.LT, hi)
              .or(
                  nearest
                      .compare(VectorOperators.EQ, hi)
                      .and(p.fma(binsV, hi.neg()).compare(VectorOperators.GT, 0.0)));
      DoubleVector bin = nearest.sub(1.0).blend(nearest, up);
      bin = bin.blend(0.0, bin.compare(VectorOperators.LT, 0.0));
      bin = bin.blend(lastBin, bin.compare(VectorOperators.GT, lastBin));
      LongVector base =
          bin.add(TWO_52)
              .reinterpretAsLongs()
              .sub(TWO_52_BITS)
              .lanewise(VectorOperators.LSHL, AuditAccumulator.UNIT_BIN_SHIFT);
      LongVector pBits = p.reinterpretAsLongs();
      LongVector pSlot =
          pBits.lanewise(VectorOperators.LSHR, 52).sub(AuditAccumulator.UNIT_FIRST_EXPONENT);
      // All ones for a value below the slots' range (0 included), else 0.
      LongVector pBelow = pSlot.lanewise(VectorOperators.LSHR, 63).neg();
      LongVector t = DoubleVector.fromArray(D8, targets, targetsFrom + i).reinterpretAsLongs();
      LongVector tSlot =
          t.lanewise(VectorOperators.LSHR, 52).sub(AuditAccumulator.UNIT_FIRST_EXPONENT);
      LongVector tBelow = tSlot.lanewise(VectorOperators.LSHR, 63).neg();
      if (pBits.and(pBelow).or(t.and(tBelow)).compare(VectorOperators.NE, 0).anyTrue()) {
        LongVector.broadcast(L8, -1).intoArray(confidenceAt, i);
        continue;
      }
      base.add(pSlot.and(AuditAccumulator.UNIT_SLOTS - 1)).intoArray(confidenceAt, i);
      base.add(tSlot.and(AuditAccumulator.UNIT_SLOTS - 1).add(AuditAccumulator.UNIT_SLOTS))
          .intoArray(outcomeAt, i);
      pBits
          .and(SIGNIFICAND)
          .or(IMPLICIT)
          .lanewise(VectorOperators.AND_NOT, pBelow)
          .intoArray(confidenceSignificand, i);
      t.and(SIGNIFICAND)
          .or(IMPLICIT)
          .lanewise(VectorOperators.AND_NOT, tBelow)
          .intoArray(outcomeSignificand, i);
    }
    return done;
  }

  /** {@link #split} with 256-bit vectors (4 elements a chunk). */
  static int split256(
      double[] probability,
      int probabilityFrom,
      double[] targets,
      int targetsFrom,
      int n,
      int bins,
      long[] confidenceAt,
      long[] outcomeAt,
      long[] confidenceSignificand,
      long[] outcomeSignificand) {
    DoubleVector binsV = DoubleVector.broadcast(D4, bins);
    DoubleVector lastBin = DoubleVector.broadcast(D4, bins - 1);
    int done = n - n % 4;
    for (int i = 0; i < done; i += 4) {
      DoubleVector p = DoubleVector.fromArray(D4, probability, probabilityFrom + i);
      // AuditAccumulator.bin: ⌈p·B⌉ − 1 for the exact real p·B, clamped to [0, B − 1].
      DoubleVector hi = p.mul(binsV);
      DoubleVector nearest = hi.add(TWO_52).sub(TWO_52);
      // ⌈hi⌉ is nearest + 1 below hi, else nearest; at an integer hi, + 1 when the exact p·B is
      // above it.
      VectorMask<Double> up =
          nearest
              .compare(VectorOperators.LT, hi)
              .or(
                  nearest
                      .compare(VectorOperators.EQ, hi)
                      .and(p.fma(binsV, hi.neg()).compare(VectorOperators.GT, 0.0)));
      DoubleVector bin = nearest.sub(1.0).blend(nearest, up);
      bin = bin.blend(0.0, bin.compare(VectorOperators.LT, 0.0));
      bin = bin.blend(lastBin, bin.compare(VectorOperators.GT, lastBin));
      LongVector base =
          bin.add(TWO_52)
              .reinterpretAsLongs()
              .sub(TWO_52_BITS)
              .lanewise(VectorOperators.LSHL, AuditAccumulator.UNIT_BIN_SHIFT);
      LongVector pBits = p.reinterpretAsLongs();
      LongVector pSlot =
          pBits.lanewise(VectorOperators.LSHR, 52).sub(AuditAccumulator.UNIT_FIRST_EXPONENT);
      // All ones for a value below the slots' range (0 included), else 0.
      LongVector pBelow = pSlot.lanewise(VectorOperators.LSHR, 63).neg();
      LongVector t = DoubleVector.fromArray(D4, targets, targetsFrom + i).reinterpretAsLongs();
      LongVector tSlot =
          t.lanewise(VectorOperators.LSHR, 52).sub(AuditAccumulator.UNIT_FIRST_EXPONENT);
      LongVector tBelow = tSlot.lanewise(VectorOperators.LSHR, 63).neg();
      if (pBits.and(pBelow).or(t.and(tBelow)).compare(VectorOperators.NE, 0).anyTrue()) {
        LongVector.broadcast(L4, -1).intoArray(confidenceAt, i);
        continue;
      }
      base.add(pSlot.and(AuditAccumulator.UNIT_SLOTS - 1)).intoArray(confidenceAt, i);
      base.add(tSlot.and(AuditAccumulator.UNIT_SLOTS - 1).add(AuditAccumulator.UNIT_SLOTS))
          .intoArray(outcomeAt, i);
      pBits
          .and(SIGNIFICAND)
          .or(IMPLICIT)
          .lanewise(VectorOperators.AND_NOT, pBelow)
          .intoArray(confidenceSignificand, i);
      t.and(SIGNIFICAND)
          .or(IMPLICIT)
          .lanewise(VectorOperators.AND_NOT, tBelow)
          .intoArray(outcomeSignificand, i);
    }
    return done;
  }
}
