package dev.xent.kernel;

import java.util.Arrays;

/**
 * Sigmoid (binary / multi-label) cross-entropy from logits: per element {@code max(z,0) − z·t +
 * log1p(exp(−|z|))}, and the row loss is the SUM over the elements (as TensorFlow's {@code
 * reduce_sum(sigmoid_cross_entropy_with_logits(...), 1)}).
 *
 * <p>The element is evaluated as {@code z·(1 − t) + log1p(exp(−z))} for z > 0 and {@code −z·t +
 * log1p(exp(z))} otherwise: both parts are non-negative for t ∈ [0,1], so there is no cancellation
 * (the textbook form cancels {@code max(z,0) − z·t} when t = 1 and z is large).
 *
 * <p>With a = |z| that is a·(1 − t) + log1p(e^−a) for z > 0 and a·t + log1p(e^−a) otherwise, and
 * σ(z), the probability calibration needs, is 1/(1 + e^−a) or e^−a/(1 + e^−a): one e^−a serves
 * both. The exp is {@link ExpBlocks#exp} and the log1p {@link Log1p#ofUnit}, both made of correctly
 * rounded operations only, so that {@link VectorSigmoid} computes the same bits eight (or four)
 * elements at a time and every JVM agrees.
 *
 * <p>Non-finite behaviour: NaN in z or t gives NaN; z = −∞ (probability 0) gives 0 when t = 0 and
 * +∞ otherwise; z = +∞ (probability 1) gives 0 when t = 1 and +∞ otherwise (rows with +∞ logits are
 * nevertheless reported invalid by {@link Validity}). A row's sum is compensated, in four
 * interleaved lanes ({@link #rowSum}).
 */
public final class SigmoidCrossEntropy {
  private SigmoidCrossEntropy() {}

  /** Elements per block: a row's elements are computed a block at a time into per-thread arrays. */
  static final int BLOCK = Logits.BLOCK;

  public static double element(double z, double t) {
    return element(z, t, ExpBlocks.exp(-Math.abs(z)));
  }

  /** The element from e = e^−|z| (as {@link ExpBlocks#exp} gives it). */
  private static double element(double z, double t, double e) {
    if (z != z || t != t) {
      return Double.NaN;
    }
    if (z == Double.NEGATIVE_INFINITY) {
      return t == 0.0 ? 0.0 : Double.POSITIVE_INFINITY;
    }
    if (z == Double.POSITIVE_INFINITY) {
      return t == 1.0 ? 0.0 : Double.POSITIVE_INFINITY;
    }
    // Both parts non-negative for t in [0, 1], so nothing cancels; log(1 + e^−|z|) via log1p is
    // exact to an ulp even when e^−|z| is below eps.
    return Math.abs(z) * (z > 0.0 ? 1.0 - t : t) + Log1p.ofUnit(e);
  }

  /**
   * σ(z): 1/(1 + e) for z ≥ 0 (−0.0 included) and e/(1 + e) below, e = e^−|z|, so that nothing
   * overflows; −∞ gives 0 and +∞ gives 1.
   */
  static double probability(double z) {
    return probability(z, ExpBlocks.exp(-Math.abs(z)));
  }

  /** {@link #probability(double)} from e = e^−|z|. */
  static double probability(double z, double e) {
    return (z >= 0.0 ? 1.0 : e) / (1.0 + e);
  }

  /**
   * The scalar definition of a block: for i in [from, to), {@code loss[i]} is the {@link #element}
   * of {@code z[zFrom + i]} and {@code t[tFrom + i]}, and {@code probability[i]} the {@link
   * #probability} of {@code z[zFrom + i]}. {@link VectorSigmoid#elements} gives the same bits.
   */
  static void scalarElements(
      double[] z,
      int zFrom,
      double[] t,
      int tFrom,
      double[] loss,
      double[] probability,
      int from,
      int to) {
    for (int i = from; i < to; i++) {
      double zi = z[zFrom + i];
      double e = ExpBlocks.exp(-Math.abs(zi));
      probability[i] = probability(zi, e);
      loss[i] = element(zi, t[tFrom + i], e);
    }
  }

  /** One block's elements, with SIMD once the vector loops are compiled (the same bits). */
  private static void elements(
      double[] z, int zFrom, double[] t, int tFrom, double[] loss, double[] probability, int n) {
    if (ExpBlocks.simd()) {
      VectorSigmoid.elements(z, zFrom, t, tFrom, loss, probability, n);
    } else {
      scalarElements(z, zFrom, t, tFrom, loss, probability, 0, n);
    }
  }

  /** Per thread: a block of widened logits, element losses and probabilities. */
  private static final class Scratch {
    final double[] z = new double[BLOCK];
    final double[] loss = new double[BLOCK];
    final double[] probability = new double[BLOCK];

    /** The row sum's lanes: their sums, then their compensations. */
    final double[] lanes = new double[2 * LANES];
  }

  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  /** Where a row's element probabilities go, a block at a time (its calibration). */
  interface ElementSink {
    /**
     * σ(z) of the row's elements {@code from … from + n − 1}, in {@code probability[0 … n − 1]}.
     */
    void elements(double[] probability, int from, int n);
  }

  public static double row(double[] z, double[] t) {
    SoftmaxCrossEntropy.requireSameLength(z.length, t.length);
    return sum(null, z, t, null, null);
  }

  public static double row(float[] z, double[] t) {
    SoftmaxCrossEntropy.requireSameLength(z.length, t.length);
    return sum(z, null, t, null, null);
  }

  /**
   * The class-weighted row loss {@code Σ_c cw_c·ℓ_c}, ℓ_c the {@link #element}; {@code classWeights
   * == null} means all ones and gives {@link #row(double[], double[])} bit for bit (so do weights
   * that are all exactly 1). An element with {@code cw_c == 0} (or −0.0) contributes exactly 0,
   * even an infinite or NaN one; a weight that is negative, NaN or infinite gives NaN. Otherwise
   * the non-finite behaviour is that of {@link #element}. Targets or weights of another length
   * throw {@link IllegalArgumentException}.
   */
  public static double row(double[] z, double[] t, double[] classWeights) {
    checkLengths(z.length, t.length, classWeights);
    return sum(null, z, t, classWeights, null);
  }

  /** {@link #row(double[], double[], double[])} for float logits. */
  public static double row(float[] z, double[] t, double[] classWeights) {
    checkLengths(z.length, t.length, classWeights);
    return sum(z, null, t, classWeights, null);
  }

  /**
   * {@link #row(float[], double[], double[])}, also handing each element's σ(z) to {@code sink}
   * (the lengths already checked).
   */
  static double row(float[] z, double[] t, double[] classWeights, ElementSink sink) {
    return sum(z, null, t, classWeights, sink);
  }

  /**
   * {@link #row(double[], double[], double[])}, also handing each element's σ(z) to {@code sink}.
   */
  static double row(double[] z, double[] t, double[] classWeights, ElementSink sink) {
    return sum(null, z, t, classWeights, sink);
  }

  private static void checkLengths(int logits, int targets, double[] classWeights) {
    SoftmaxCrossEntropy.requireSameLength(logits, targets);
    if (classWeights != null) {
      SoftmaxCrossEntropy.requireWeights(logits, classWeights.length);
    }
  }

  /**
   * The compensated element sum of the float row {@code floats} or else the double row {@code
   * doubles}.
   */
  private static double sum(
      float[] floats, double[] doubles, double[] t, double[] classWeights, ElementSink sink) {
    Scratch scratch = SCRATCH.get();
    int length = floats != null ? floats.length : doubles.length;
    // Eight compensated partial sums, element c in lane c mod 8: one running sum would make every
    // addition wait for the one before (the sum loop then cost half as much as the elements), and
    // eight are one 512-bit register or two 256-bit ones.
    double[] lanes = scratch.lanes;
    Arrays.fill(lanes, 0.0);
    boolean badWeight = false;
    for (int start = 0; start < length; start += BLOCK) {
      int n = Math.min(BLOCK, length - start);
      if (floats != null) {
        // Widened in a loop of its own (exact), as ExpBlocks does: the vector loop reads doubles.
        double[] wide = scratch.z;
        for (int i = 0; i < n; i++) {
          wide[i] = floats[start + i];
        }
        elements(wide, 0, t, start, scratch.loss, scratch.probability, n);
      } else {
        elements(doubles, start, t, start, scratch.loss, scratch.probability, n);
      }
      double[] loss = scratch.loss;
      if (classWeights != null) {
        for (int i = 0; i < n; i++) {
          double w = classWeights[start + i];
          if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
            badWeight = true;
          }
          // A weight of 0 drops the element exactly, even an infinite or NaN one.
          loss[i] = w == 0.0 ? 0.0 : w * loss[i];
        }
      }
      // BLOCK is a multiple of 8, so a block's element i is in lane i mod 8 of the row too, and
      // only the last block has a tail.
      int whole = n & -LANES;
      if (ExpBlocks.simd()) {
        VectorSigmoid.laneSums(loss, whole, lanes);
      } else {
        scalarLaneSums(loss, whole, lanes);
      }
      for (int i = whole; i < n; i++) {
        addToLane(lanes, i - whole, loss[i]);
      }
      if (sink != null) {
        sink.elements(scratch.probability, start, n);
      }
    }
    return badWeight ? Double.NaN : rowSum(lanes);
  }

  /** Lanes of a row's sum. */
  static final int LANES = 8;

  private static void addToLane(double[] lanes, int lane, double term) {
    double next = lanes[lane] + term;
    lanes[LANES + lane] += CompensatedSum.roundingError(lanes[lane], term, next);
    lanes[lane] = next;
  }

  /**
   * The scalar definition of the row sum's lanes over {@code loss[0 … n)}, n a multiple of {@value
   * #LANES}: lane j adds the elements i ≡ j (mod {@value #LANES}) in order, its sum in {@code
   * lanes[j]} and the rounding errors of its additions (Neumaier's) in {@code lanes[LANES + j]}.
   * {@link VectorSigmoid#laneSums} gives the same bits.
   */
  static void scalarLaneSums(double[] loss, int n, double[] lanes) {
    // In locals, written out: through the array each addition waited for a store.
    double s0 = lanes[0], s1 = lanes[1], s2 = lanes[2], s3 = lanes[3];
    double s4 = lanes[4], s5 = lanes[5], s6 = lanes[6], s7 = lanes[7];
    double c0 = lanes[8], c1 = lanes[9], c2 = lanes[10], c3 = lanes[11];
    double c4 = lanes[12], c5 = lanes[13], c6 = lanes[14], c7 = lanes[15];
    for (int i = 0; i < n; i += LANES) {
      double next;
      next = s0 + loss[i];
      c0 += CompensatedSum.roundingError(s0, loss[i], next);
      s0 = next;
      next = s1 + loss[i + 1];
      c1 += CompensatedSum.roundingError(s1, loss[i + 1], next);
      s1 = next;
      next = s2 + loss[i + 2];
      c2 += CompensatedSum.roundingError(s2, loss[i + 2], next);
      s2 = next;
      next = s3 + loss[i + 3];
      c3 += CompensatedSum.roundingError(s3, loss[i + 3], next);
      s3 = next;
      next = s4 + loss[i + 4];
      c4 += CompensatedSum.roundingError(s4, loss[i + 4], next);
      s4 = next;
      next = s5 + loss[i + 5];
      c5 += CompensatedSum.roundingError(s5, loss[i + 5], next);
      s5 = next;
      next = s6 + loss[i + 6];
      c6 += CompensatedSum.roundingError(s6, loss[i + 6], next);
      s6 = next;
      next = s7 + loss[i + 7];
      c7 += CompensatedSum.roundingError(s7, loss[i + 7], next);
      s7 = next;
    }
    lanes[0] = s0;
    lanes[1] = s1;
    lanes[2] = s2;
    lanes[3] = s3;
    lanes[4] = s4;
    lanes[5] = s5;
    lanes[6] = s6;
    lanes[7] = s7;
    lanes[8] = c0;
    lanes[9] = c1;
    lanes[10] = c2;
    lanes[11] = c3;
    lanes[12] = c4;
    lanes[13] = c5;
    lanes[14] = c6;
    lanes[15] = c7;
  }

  /**
   * The row loss from its lanes: their sums added in lane order, compensated, with the lanes'
   * compensations, added in lane order, added to the combination's own.
   */
  static double rowSum(double[] lanes) {
    double compensation = lanes[LANES];
    for (int lane = 1; lane < LANES; lane++) {
      compensation += lanes[LANES + lane];
    }
    double sum = lanes[0];
    for (int lane = 1; lane < LANES; lane++) {
      double next = sum + lanes[lane];
      compensation += CompensatedSum.roundingError(sum, lanes[lane], next);
      sum = next;
    }
    return SoftmaxCrossEntropy.finish(sum, compensation);
  }
}
