package dev.xent.kernel;

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
 * interleaved lanes ({@link #lanes}).
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
    // Four compensated partial sums, element c in lane c mod 4: one running sum would make every
    // addition wait for the one before (the sum loop then cost half as much as the elements).
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    double c0 = 0.0, c1 = 0.0, c2 = 0.0, c3 = 0.0;
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
      // BLOCK is a multiple of 4, so a block's element i is in lane i mod 4 of the row too.
      int i = 0;
      for (; i + 4 <= n; i += 4) {
        double next = s0 + loss[i];
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
      }
      if (i < n) {
        double next = s0 + loss[i];
        c0 += CompensatedSum.roundingError(s0, loss[i], next);
        s0 = next;
      }
      if (i + 1 < n) {
        double next = s1 + loss[i + 1];
        c1 += CompensatedSum.roundingError(s1, loss[i + 1], next);
        s1 = next;
      }
      if (i + 2 < n) {
        double next = s2 + loss[i + 2];
        c2 += CompensatedSum.roundingError(s2, loss[i + 2], next);
        s2 = next;
      }
      if (sink != null) {
        sink.elements(scratch.probability, start, n);
      }
    }
    return badWeight ? Double.NaN : lanes(s0, s1, s2, s3, c0, c1, c2, c3);
  }

  /**
   * The row loss from its four lanes: s0 + s1 + s2 + s3 compensated in that order, with the lanes'
   * compensations ((c0 + c1) + c2) + c3 added to the combination's own.
   */
  static double lanes(
      double s0, double s1, double s2, double s3, double c0, double c1, double c2, double c3) {
    double compensation = ((c0 + c1) + c2) + c3;
    double sum = s0 + s1;
    compensation += CompensatedSum.roundingError(s0, s1, sum);
    double next = sum + s2;
    compensation += CompensatedSum.roundingError(sum, s2, next);
    sum = next;
    next = sum + s3;
    compensation += CompensatedSum.roundingError(sum, s3, next);
    return SoftmaxCrossEntropy.finish(next, compensation);
  }
}
