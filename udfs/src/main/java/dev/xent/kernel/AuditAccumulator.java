package dev.xent.kernel;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Accumulates the audit of an evaluation: the {@link LossStats} of every row, and over scored rows
 * their weights, the weighted mean loss and accuracy with confidence intervals, top-k accuracy and
 * equal-width calibration bins with ECE and MCE. Add rows, merge partition-local accumulators in
 * any order, then take the immutable {@link AuditStats}.
 *
 * <p>Every per-row term is added to an {@link ExactSum}; products such as ω·l enter as both halves
 * of their exact two-product (hi = ω·l, lo = fma(ω, l, −hi)), so the sums are exact and the result,
 * computed from them with exact integer arithmetic and rounded once per quantity, is the same bit
 * for bit however the rows were split and merged. Two caveats, both deterministic per row: product
 * bits below 2^−1074 are lost (the fma error term of a product in the subnormal range is rounded,
 * at most 2^−1075 per term), and a product beyond the largest double counts as +∞.
 *
 * <h2>Definitions</h2>
 *
 * With ω the row weight (1.0 when unweighted), l the loss, W = Σω, Q = Σω², S1 = Σω·l, S2 = Σω·l²
 * over scored rows:
 *
 * <ul>
 *   <li>{@code meanLoss = S1/W}; a row with ω = 0 adds nothing even when l = +∞ (no 0·∞); a row
 *       with ω > 0 and l = +∞ makes it +∞; NaN when W = 0. Unweighted it is bit for bit {@link
 *       LossStats#meanLoss()}.
 *   <li>{@code n_eff = W²/Q} (Kish's effective sample size; n when unweighted).
 *   <li>{@code meanLossCi = meanLoss ± z·sqrt(s²/n_eff)} with the weighted variance v = (W·S2 −
 *       S1²)/W² and s² = v·n_eff/(n_eff − 1), i.e. s²/n_eff = (W·S2 − S1²)·Q / ((W² − Q)·W²),
 *       computed exactly and rounded once (unweighted: the unbiased sample variance over n). Null
 *       when fewer than 2 rows were scored, n_eff ≤ 1 (exactly: W² ≤ Q; s² divides by n_eff − 1), W
 *       = 0, the mean is infinite, or S2 or Q overflows (n_eff is then NaN).
 *   <li>{@code accuracy = Σω·[correct]/W} over softmax rows, {@code topK(k) = Σω·[rank &lt; k]/W};
 *       NaN for sigmoid rows or W = 0. {@code accuracyCi} is the Wilson score interval at p̂ =
 *       accuracy and n = n_eff, (p̂ + z²/2n ± z·sqrt(p̂(1−p̂)/n + z²/4n²))/(1 + z²/n), clipped to
 *       [0, 1]; null when the accuracy is NaN or n_eff is.
 *   <li>Calibration (softmax: the top-label confidence against correct; sigmoid: each element's
 *       probability against its target): p goes to bin max(0, ⌈p·B⌉ − 1), at most B − 1, with the
 *       ceiling of the exact real p·B, so bins are (b/B, (b+1)/B] and 0 is in the first, as in
 *       scikit-learn's {@code calibration_curve}. {@code ece = Σ_b (W_b/W)·|acc_b − conf_b| = Σ_b
 *       |O_b − P_b| / W} (O_b = Σω·outcome, P_b = Σω·p, W = Σ_b W_b), exact and rounded once;
 *       {@code mce = max_b |O_b − P_b|/W_b} over bins of weight > 0; both NaN when all bins have
 *       weight 0.
 *   <li>Loss histogram ({@link LossBin}): every scored row counted in the bin of its loss, [0,
 *       2^−40), one bin per octave [2^e, 2^(e+1)) up to 2^10, then [2^10, +∞]; the bin is read from
 *       the loss's exponent bits, and its weight is the exact Σω of its rows.
 * </ul>
 *
 * <p>One accumulator audits one kind of row: adding or merging softmax and sigmoid rows together
 * fails. Inputs outside their documented range fail with an {@link IllegalArgumentException} naming
 * the value.
 */
public final class AuditAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final byte NONE = 0;
  private static final byte SOFTMAX = 1;
  private static final byte SIGMOID = 2;
  // 2: the loss histogram after the calibration bins.
  private static final int FORMAT_VERSION = 2;

  private final AuditSpec spec;
  private final int[] ks;
  private final int bins;
  private final LossStatsAccumulator base = new LossStatsAccumulator();
  private byte kind = NONE;
  private final ExactSum weight = new ExactSum();
  private final ExactSum weightSquare = new ExactSum();
  private final ExactSum weightedLoss = new ExactSum();
  private final ExactSum weightedSquareLoss = new ExactSum();
  private final ExactSum correctWeight = new ExactSum();
  // topKFirst[i]: Σω of rows whose smallest k with rank < k is ks[i]; top-k(ks[i]) is the sum of
  // entries 0 … i, so a row costs one addition whatever the number of ks.
  private final ExactSum[] topKFirst;
  private final long[] binCount;
  // Allocated at a bin's first row: most bins of a small partition stay empty.
  private final ExactSum[] binWeight;
  private final ExactSum[] binConfidence;
  private final ExactSum[] binOutcome;
  // Rows of weight exactly 1 (every row of an unweighted audit) are counted here and folded into
  // the exact sums above ({@link #flush}) before those are merged, written or read: a long
  // increment instead of an exact-sum addition, with the same sums.
  private long onesWeight;
  private long onesCorrect;
  private final long[] onesTopK;
  private final long[] onesBinWeight;

  /**
   * Sigmoid elements of weight 1, per bin, before they reach the exact sums: for the confidences
   * and for the outcomes, one unsigned sum of 53-bit significands per binary exponent of [2^−63, 1]
   * (slot k holds the values of exponent k − 63, in units of 2^(k − 115)), so adding a value is one
   * integer addition with no carry; per bin the number of elements and of the confidences and
   * outcomes among them too small for the slots. Null until such an element comes; {@link #flush}
   * empties them.
   */
  private long[] unitSums;

  private int[] unitCounts;

  /**
   * Slots of a bin's confidences, then as many of its outcomes: a bin has 2^{@value
   * #UNIT_BIN_SHIFT}.
   */
  static final int UNIT_SLOTS = 64;

  static final int UNIT_BIN_SHIFT = 7;

  /** The biased exponent of slot 0: 2^−63's. */
  static final int UNIT_FIRST_EXPONENT = 1023 - 63;

  /**
   * Above this many bins, rows of weight 1 go straight to the exact sums, as single elements do:
   * the slot sums take 1 KiB a bin.
   */
  private static final int UNIT_MAX_BINS = 1 << 12;

  /** Elements a SIMD split takes at a time (its scratch arrays' length). */
  private static final int UNIT_BLOCK = 256;

  // The SIMD split's output (VectorCalibration.split), allocated at its first use.
  private long[] confidenceAt;
  private long[] outcomeAt;
  private long[] confidenceSignificand;
  private long[] outcomeSignificand;

  private static final int UNIT_EXPONENT = -115;

  /** A significand is below 2^53, so 2^11 of them keep a slot below 2^64 (read unsigned). */
  private static final int UNIT_FLUSH = 1 << 11;

  private final long[] onesBinOutcome;
  // The loss histogram (LossBin edges): a count for every scored row; when weighted, Σω per bin
  // too, allocated at a bin's first row of weight ≠ 1, the rows of weight 1 counted and flushed.
  private final long[] lossCount = new long[LossBin.BINS];
  private final ExactSum[] lossWeight;
  private final long[] onesLossWeight;

  public AuditAccumulator(AuditSpec spec) {
    if (spec == null) {
      throw new IllegalArgumentException("Cannot create an audit: the spec is null");
    }
    this.spec = spec;
    this.ks = spec.topKUnsafe();
    this.bins = spec.calibrationBins();
    topKFirst = new ExactSum[ks.length];
    for (int i = 0; i < ks.length; i++) {
      topKFirst[i] = new ExactSum();
    }
    binCount = new long[bins];
    binWeight = new ExactSum[bins];
    binConfidence = new ExactSum[bins];
    binOutcome = new ExactSum[bins];
    onesTopK = new long[ks.length];
    onesBinWeight = new long[bins];
    onesBinOutcome = new long[bins];
    lossWeight = spec.weighted() ? new ExactSum[LossBin.BINS] : null;
    onesLossWeight = spec.weighted() ? new long[LossBin.BINS] : null;
  }

  /** Folds the counted rows of weight 1 into the exact sums (their values do not change). */
  private void flush() {
    if (onesWeight != 0) {
      weight.addCount(onesWeight);
      weightSquare.addCount(onesWeight);
      onesWeight = 0;
    }
    if (onesCorrect != 0) {
      correctWeight.addCount(onesCorrect);
      onesCorrect = 0;
    }
    for (int i = 0; i < ks.length; i++) {
      if (onesTopK[i] != 0) {
        topKFirst[i].addCount(onesTopK[i]);
        onesTopK[i] = 0;
      }
    }
    for (int b = 0; b < bins; b++) {
      if (unitCounts != null && unitCounts[3 * b] != 0) {
        flushUnit(b);
      }
      if (onesBinWeight[b] != 0) {
        binSums(b);
        binWeight[b].addCount(onesBinWeight[b]);
        onesBinWeight[b] = 0;
      }
      if (onesBinOutcome[b] != 0) {
        binSums(b);
        binOutcome[b].addCount(onesBinOutcome[b]);
        onesBinOutcome[b] = 0;
      }
    }
    if (onesLossWeight != null) {
      for (int b = 0; b < LossBin.BINS; b++) {
        if (onesLossWeight[b] != 0) {
          lossWeight(b).addCount(onesLossWeight[b]);
          onesLossWeight[b] = 0;
        }
      }
    }
  }

  public AuditSpec spec() {
    return spec;
  }

  /** A row not scored: any invalid reason, or {@link Reason#IGNORED}; it counts only by reason. */
  public AuditAccumulator addUnscored(Reason reason) {
    if (reason == null || reason.isOk()) {
      throw new IllegalArgumentException(
          "Cannot add an unscored row with reason " + reason + ": a scored row has a loss");
    }
    base.add(reason, Double.NaN, false);
    return this;
  }

  /**
   * A scored softmax row.
   *
   * @param loss finite ≥ 0 or +∞
   * @param weight finite ≥ 0; exactly 1.0 when the spec is unweighted
   * @param correct whether the first maximum is the label; must be {@code rank == 0}
   * @param rank the label's rank, 0 for the predicted class; exact at least below the largest k
   *     (callers may clip larger ranks)
   * @param confidence the top-label probability, in (0, 1]
   */
  public AuditAccumulator addSoftmax(
      double loss, double weight, boolean correct, int rank, double confidence) {
    checkRow(loss, weight);
    if (rank < 0 || correct != (rank == 0)) {
      throw new IllegalArgumentException(
          "Cannot add a softmax row of rank "
              + rank
              + " with correct = "
              + correct
              + ": rank 0 means correct, and ranks are ≥ 0");
    }
    if (!(confidence > 0 && confidence <= 1)) {
      throw new IllegalArgumentException(
          "Cannot add a softmax row of confidence " + confidence + ": it must be in (0, 1]");
    }
    kind(SOFTMAX);
    base.add(Reason.OK, loss, correct);
    addToHistogram(loss, weight);
    if (weight == 1.0) {
      addOne(loss, correct, rank, confidence);
      return this;
    }
    addWeighted(loss, weight);
    if (weight != 0) {
      if (correct) {
        correctWeight.add(weight);
      }
      // ks is sorted: the first k above the rank, and every later one, counts the row.
      for (int i = 0; i < ks.length; i++) {
        if (rank < ks[i]) {
          topKFirst[i].add(weight);
          break;
        }
      }
    }
    int bin = bin(confidence, bins);
    binCount[bin]++;
    if (weight != 0) {
      binSums(bin);
      binWeight[bin].add(weight);
      addProduct(binConfidence[bin], weight, confidence);
      if (correct) {
        binOutcome[bin].add(weight);
      }
    }
    return this;
  }

  /**
   * A scored sigmoid row (no accuracy or top-k); the calibration of its elements comes through
   * {@link #addSigmoidElement}.
   *
   * @param loss finite ≥ 0 or +∞
   * @param weight finite ≥ 0; exactly 1.0 when the spec is unweighted
   */
  public AuditAccumulator addSigmoid(double loss, double weight) {
    checkRow(loss, weight);
    kind(SIGMOID);
    base.add(Reason.OK, loss, false);
    addToHistogram(loss, weight);
    addWeighted(loss, weight);
    return this;
  }

  /**
   * One element of a sigmoid row for calibration.
   *
   * @param probability σ(z) in [0, 1]
   * @param target t in [0, 1], the element's outcome
   * @param weight finite ≥ 0 (typically the row's weight)
   */
  public AuditAccumulator addSigmoidElement(double probability, double target, double weight) {
    if (!(probability >= 0 && probability <= 1)) {
      throw new IllegalArgumentException(
          "Cannot add a sigmoid element of probability " + probability + ": it must be in [0, 1]");
    }
    if (!(target >= 0 && target <= 1)) {
      throw new IllegalArgumentException(
          "Cannot add a sigmoid element of target " + target + ": it must be in [0, 1]");
    }
    if (!(weight >= 0 && weight < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "Cannot add a sigmoid element of weight " + weight + ": it must be finite and ≥ 0");
    }
    kind(SIGMOID);
    int bin = bin(probability, bins);
    if (weight == 1.0) {
      addOneElement(bin, probability, target);
      return this;
    }
    binCount[bin]++;
    if (weight != 0) {
      binSums(bin);
      binWeight[bin].add(weight);
      addProduct(binConfidence[bin], weight, probability);
      addProduct(binOutcome[bin], weight, target);
    }
    return this;
  }

  /**
   * {@link #addSigmoidElement} for {@code n} elements of one weight: probabilities {@code
   * probability[0 … n − 1]} with targets {@code targets[from …]}, the same sums as n single calls.
   * The arguments are checked before any is added.
   */
  public AuditAccumulator addSigmoidElements(
      double[] probability, double[] targets, int from, int n, double weight) {
    if (n == 0) {
      return this;
    }
    for (int i = 0; i < n; i++) {
      // One combined test per element, the message only when it fails.
      if (!(probability[i] >= 0
          && probability[i] <= 1
          && targets[from + i] >= 0
          && targets[from + i] <= 1)) {
        return addSigmoidElement(probability[i], targets[from + i], weight);
      }
    }
    if (!(weight >= 0 && weight < Double.POSITIVE_INFINITY)) {
      return addSigmoidElement(probability[0], targets[from], weight);
    }
    return addValidSigmoidElements(probability, targets, from, n, weight);
  }

  /**
   * {@link #addSigmoidElements} for arguments known to be valid (σ(z) of a kernel, targets and
   * weight of a row that {@link Validity} passed): {@link RowAuditor}'s call, without the checks.
   */
  AuditAccumulator addValidSigmoidElements(
      double[] probability, double[] targets, int from, int n, double weight) {
    kind(SIGMOID);
    if (weight == 1.0 && bins > UNIT_MAX_BINS) {
      for (int i = 0; i < n; i++) {
        addOneElement(bin(probability[i], bins), probability[i], targets[from + i]);
      }
      return this;
    }
    if (weight == 1.0) {
      if (unitSums == null) {
        unitSums = new long[bins << UNIT_BIN_SHIFT];
        unitCounts = new int[3 * bins];
      }
      int i = 0;
      if (ExpBlocks.simd()) {
        i = addUnitsSplit(probability, targets, from, n);
      }
      for (; i < n; i++) {
        addUnitElement(probability[i], targets[from + i]);
      }
      return this;
    }
    for (int i = 0; i < n; i++) {
      double p = probability[i];
      double t = targets[from + i];
      int bin = bin(p, bins);
      binCount[bin]++;
      if (weight != 0) {
        binSums(bin);
        binWeight[bin].add(weight);
        addProduct(binConfidence[bin], weight, p);
        addProduct(binOutcome[bin], weight, t);
      }
    }
    return this;
  }

  /**
   * A sigmoid element of weight 1 straight into its bin's exact sums. As addOne: ω = 1 is counted,
   * and ω·p = p, ω·t = t need no error terms (a sigmoid row adds one of these per element, so this
   * halves its exact-sum additions).
   */
  private void addOneElement(int bin, double probability, double target) {
    binCount[bin]++;
    binSums(bin);
    onesBinWeight[bin]++;
    binConfidence[bin].add(probability);
    binOutcome[bin].add(target);
  }

  /** One sigmoid element of weight 1 through the slot sums: σ(z) = p, target t. */
  private void addUnitElement(double p, double t) {
    int bin = bin(p, bins);
    addUnit(bin, 0, p);
    addUnit(bin, 1, t);
    // Counted here once; binCount and the weight of ones take it at the flush.
    if (++unitCounts[3 * bin] == UNIT_FLUSH) {
      flushUnit(bin);
    }
  }

  /**
   * {@link #addUnitElement} for elements [0, n), their bins, slots and significands split with SIMD
   * a block at a time; returns the elements done (the rest, fewer than a vector, is the caller's).
   */
  private int addUnitsSplit(double[] probability, double[] targets, int from, int n) {
    if (confidenceAt == null) {
      confidenceAt = new long[UNIT_BLOCK];
      outcomeAt = new long[UNIT_BLOCK];
      confidenceSignificand = new long[UNIT_BLOCK];
      outcomeSignificand = new long[UNIT_BLOCK];
    }
    // Locals: a flush inside the loop (a call) would otherwise make the JIT reload every field.
    long[] sums = unitSums;
    int[] counts = unitCounts;
    long[] confidenceAt = this.confidenceAt;
    long[] outcomeAt = this.outcomeAt;
    long[] confidenceSignificand = this.confidenceSignificand;
    long[] outcomeSignificand = this.outcomeSignificand;
    int start = 0;
    while (start < n) {
      int done =
          VectorCalibration.split(
              probability,
              start,
              targets,
              from + start,
              Math.min(UNIT_BLOCK, n - start),
              bins,
              confidenceAt,
              outcomeAt,
              confidenceSignificand,
              outcomeSignificand);
      for (int i = 0; i < done; i++) {
        long at = confidenceAt[i];
        if (at < 0) {
          addUnitElement(probability[start + i], targets[from + start + i]);
          continue;
        }
        sums[(int) at] += confidenceSignificand[i];
        sums[(int) outcomeAt[i]] += outcomeSignificand[i];
        int bin = (int) (at >>> UNIT_BIN_SHIFT);
        if (++counts[3 * bin] == UNIT_FLUSH) {
          flushUnit(bin);
        }
      }
      start += done;
      if (done < UNIT_BLOCK) {
        break;
      }
    }
    return start;
  }

  /**
   * Where v in [0, 1] goes in {@link #unitSums} as bin {@code bin}'s confidence ({@code which} 0)
   * or outcome (1): its exponent's slot, or −1 for a non-zero v below 2^−63, which goes straight to
   * the exact sum. Zero goes to slot 0 and adds nothing there, without a branch of its own: hard
   * targets are half zeros in no predictable order.
   */
  static long unitAt(int bin, int which, double v) {
    long bits = Double.doubleToRawLongBits(v);
    int slot = (int) (bits >>> 52) - UNIT_FIRST_EXPONENT;
    // All ones when v is below 2^−63 (0 included), else 0.
    long below = (long) slot >> 63;
    if ((below & bits) != 0) {
      return -1;
    }
    return ((long) bin << UNIT_BIN_SHIFT) + which * UNIT_SLOTS + (slot & (UNIT_SLOTS - 1));
  }

  /** What v adds at {@link #unitAt}: its 53-bit significand, 0 for 0. */
  static long unitSignificand(double v) {
    long bits = Double.doubleToRawLongBits(v);
    long below = (long) ((int) (bits >>> 52) - UNIT_FIRST_EXPONENT) >> 63;
    return ((bits & 0x000F_FFFF_FFFF_FFFFL) | (1L << 52)) & ~below;
  }

  private void addUnit(int bin, int which, double v) {
    long at = unitAt(bin, which, v);
    if (at < 0) {
      binSums(bin);
      (which == 0 ? binConfidence : binOutcome)[bin].add(v);
      unitCounts[3 * bin + 1 + which]++;
      return;
    }
    unitSums[(int) at] += unitSignificand(v);
  }

  /** Moves a bin's slot sums into its exact sums. */
  private void flushUnit(int bin) {
    binSums(bin);
    int elements = unitCounts[3 * bin];
    binCount[bin] += elements;
    onesBinWeight[bin] += elements;
    // The values that went to the exact sums directly were counted there.
    int at = bin << UNIT_BIN_SHIFT;
    flushSlots(binConfidence[bin], at, elements - unitCounts[3 * bin + 1]);
    flushSlots(binOutcome[bin], at + UNIT_SLOTS, elements - unitCounts[3 * bin + 2]);
    unitCounts[3 * bin] = unitCounts[3 * bin + 1] = unitCounts[3 * bin + 2] = 0;
  }

  /**
   * Adds the slots from {@code at} on, as one 128-bit fixed point (bit 0 is 2^{@value
   * #UNIT_EXPONENT}; slot k shifted left by k), to {@code sum} as {@code values} values, and
   * empties them. The total is at most 2^11 values of at most 1, below 2^126, so it fits.
   */
  private void flushSlots(ExactSum sum, int at, long values) {
    long high = 0;
    long low = 0;
    for (int k = 0; k < UNIT_SLOTS; k++) {
      long slot = unitSums[at + k];
      unitSums[at + k] = 0;
      long shifted = slot << k;
      // slot >>> (64 − k), which is 0 for k 0 (Java would shift by 0 there).
      high += (slot >>> 1) >>> (63 - k);
      long after = low + shifted;
      high += Long.compareUnsigned(after, low) < 0 ? 1 : 0;
      low = after;
    }
    sum.addFixedPoint(high, low, UNIT_EXPONENT, values);
  }

  /** Adds {@code other}'s rows to this one; {@code other} is left unchanged in value. */
  public AuditAccumulator merge(AuditAccumulator other) {
    if (!spec.equals(other.spec)) {
      throw new IllegalArgumentException(
          "Cannot merge audits of different specs: " + spec + " and " + other.spec);
    }
    if (other.kind != NONE) {
      kind(other.kind);
    }
    flush();
    other.flush();
    base.merge(other.base);
    weight.merge(other.weight);
    weightSquare.merge(other.weightSquare);
    weightedLoss.merge(other.weightedLoss);
    weightedSquareLoss.merge(other.weightedSquareLoss);
    correctWeight.merge(other.correctWeight);
    for (int i = 0; i < ks.length; i++) {
      topKFirst[i].merge(other.topKFirst[i]);
    }
    for (int b = 0; b < bins; b++) {
      binCount[b] += other.binCount[b];
      if (other.binWeight[b] != null) {
        binSums(b);
        binWeight[b].merge(other.binWeight[b]);
        binConfidence[b].merge(other.binConfidence[b]);
        binOutcome[b].merge(other.binOutcome[b]);
      }
    }
    for (int b = 0; b < LossBin.BINS; b++) {
      lossCount[b] += other.lossCount[b];
      if (lossWeight != null && other.lossWeight[b] != null) {
        lossWeight(b).merge(other.lossWeight[b]);
      }
    }
    return this;
  }

  public AuditStats result() {
    flush();
    LossStats lossStats = base.result();
    BigInteger w = weight.fixedPoint();
    BigInteger q = weightSquare.fixedPoint();
    boolean weightsFinite = weightSquare.nonFiniteSum() == 0.0;
    // The sums are integers in units of u = 2^−1074, so Q·u = (q·2^1074)·u² is W²'s unit.
    BigInteger wSquared = w.multiply(w);
    BigInteger qScaled = q.shiftLeft(1074);
    double effectiveSampleSize =
        w.signum() == 0 || !weightsFinite ? Double.NaN : ExactSum.quotient(wSquared, qScaled);
    double meanLoss = meanLoss(w);
    double z = spec.z();
    double standardError =
        meanLossStandardError(
            lossStats.rowsScored(), w, q, wSquared, qScaled, weightsFinite, meanLoss);
    double[] meanLossCi =
        Double.isNaN(standardError)
            ? null
            : new double[] {meanLoss - z * standardError, meanLoss + z * standardError};

    boolean hasAccuracy = kind == SOFTMAX && w.signum() > 0;
    double accuracy = hasAccuracy ? ExactSum.quotient(correctWeight.fixedPoint(), w) : Double.NaN;
    double[] accuracyCi =
        hasAccuracy && weightsFinite ? wilson(accuracy, effectiveSampleSize, z) : null;
    SortedMap<Integer, Double> topK = new TreeMap<>();
    BigInteger hits = BigInteger.ZERO;
    for (int i = 0; i < ks.length; i++) {
      hits = hits.add(topKFirst[i].fixedPoint());
      topK.put(ks[i], hasAccuracy ? ExactSum.quotient(hits, w) : Double.NaN);
    }

    List<CalibrationBin> calibration = new ArrayList<>(bins);
    BigInteger totalWeight = BigInteger.ZERO;
    BigInteger totalGap = BigInteger.ZERO;
    double mce = Double.NaN;
    for (int b = 0; b < bins; b++) {
      double lower = (double) b / bins;
      double upper = (double) (b + 1) / bins;
      if (binWeight[b] == null || binWeight[b].fixedPoint().signum() == 0) {
        double zero = binWeight[b] == null ? 0.0 : binWeight[b].sum();
        calibration.add(
            new CalibrationBin(b, lower, upper, binCount[b], zero, Double.NaN, Double.NaN));
        continue;
      }
      BigInteger wb = binWeight[b].fixedPoint();
      BigInteger pb = binConfidence[b].fixedPoint();
      BigInteger ob = binOutcome[b].fixedPoint();
      calibration.add(
          new CalibrationBin(
              b,
              lower,
              upper,
              binCount[b],
              binWeight[b].sum(),
              ExactSum.quotient(pb, wb),
              ExactSum.quotient(ob, wb)));
      // (W_b/W)·|O_b/W_b − P_b/W_b| = |O_b − P_b|/W: the ECE is one exact quotient.
      BigInteger gap = ob.subtract(pb).abs();
      totalWeight = totalWeight.add(wb);
      totalGap = totalGap.add(gap);
      // Rounding is monotonic, so the largest rounded gap is the rounded largest gap.
      double binGap = ExactSum.quotient(gap, wb);
      mce = Double.isNaN(mce) ? binGap : Math.max(mce, binGap);
    }
    double ece = totalWeight.signum() == 0 ? Double.NaN : ExactSum.quotient(totalGap, totalWeight);
    List<LossBin> histogram = new ArrayList<>(LossBin.BINS);
    for (int b = 0; b < LossBin.BINS; b++) {
      double binWeightSum;
      if (lossWeight == null) {
        binWeightSum = lossCount[b];
      } else {
        binWeightSum = lossWeight[b] == null ? 0.0 : lossWeight[b].sum();
      }
      histogram.add(
          new LossBin(b, LossBin.lowerEdge(b), LossBin.upperEdge(b), lossCount[b], binWeightSum));
    }
    return new AuditStats(
        lossStats,
        weight.sum(),
        weightSquare.sum(),
        effectiveSampleSize,
        meanLoss,
        meanLossCi,
        accuracy,
        accuracyCi,
        topK,
        calibration,
        ece,
        mce,
        standardError,
        histogram);
  }

  // ---- compact binary form ----

  /**
   * Writes the accumulator, spec included, compactly: counts as varints, each exact sum as only the
   * limbs it uses ({@link ExactSum#writeTo}) and nothing for an empty calibration bin: about 240
   * bytes empty and 1.2 KB with 15 full bins, against 30 KB for the limb arrays. {@link #readFrom}
   * restores one with the same result and the same merges. Java serialization uses the same form.
   */
  public void writeTo(DataOutput out) throws IOException {
    flush();
    out.writeByte(FORMAT_VERSION);
    out.writeBoolean(spec.weighted());
    Varint.write(out, ks.length);
    for (int k : ks) {
      Varint.write(out, k);
    }
    Varint.write(out, bins);
    out.writeDouble(spec.confidenceLevel());
    out.writeByte(kind);
    base.writeTo(out);
    weight.writeTo(out);
    weightSquare.writeTo(out);
    weightedLoss.writeTo(out);
    weightedSquareLoss.writeTo(out);
    correctWeight.writeTo(out);
    for (ExactSum hits : topKFirst) {
      hits.writeTo(out);
    }
    for (int b = 0; b < bins; b++) {
      Varint.write(out, binCount[b]);
      out.writeBoolean(binWeight[b] != null);
      if (binWeight[b] != null) {
        binWeight[b].writeTo(out);
        binConfidence[b].writeTo(out);
        binOutcome[b].writeTo(out);
      }
    }
    // Sparse: most partitions (and slices) fill a handful of the 52 loss bins.
    int filled = 0;
    for (long count : lossCount) {
      filled += count != 0 ? 1 : 0;
    }
    Varint.write(out, filled);
    for (int b = 0; b < LossBin.BINS; b++) {
      if (lossCount[b] != 0) {
        Varint.write(out, b);
        Varint.write(out, lossCount[b]);
        if (lossWeight != null) {
          lossWeight(b).writeTo(out);
        }
      }
    }
  }

  public static AuditAccumulator readFrom(DataInput in) throws IOException {
    int version = in.readUnsignedByte();
    if (version != FORMAT_VERSION) {
      throw new IOException(
          "Cannot read an audit of format " + version + ": this version reads " + FORMAT_VERSION);
    }
    boolean weighted = in.readBoolean();
    int[] ks = new int[Varint.readInt(in, 1 << 20, "the number of top-k ks")];
    for (int i = 0; i < ks.length; i++) {
      ks[i] = Varint.readInt(in, Integer.MAX_VALUE, "a top-k k");
    }
    int bins = Varint.readInt(in, Integer.MAX_VALUE, "the number of calibration bins");
    double level = in.readDouble();
    AuditAccumulator state;
    try {
      state = new AuditAccumulator(new AuditSpec(weighted, ks, bins, level));
    } catch (IllegalArgumentException e) {
      throw new IOException("Cannot read an audit: " + e.getMessage(), e);
    }
    byte kind = in.readByte();
    if (kind != NONE && kind != SOFTMAX && kind != SIGMOID) {
      throw new IOException("Cannot read an audit of row kind " + kind);
    }
    state.kind = kind;
    state.base.merge(LossStatsAccumulator.readFrom(in));
    state.weight.merge(ExactSum.readFrom(in));
    state.weightSquare.merge(ExactSum.readFrom(in));
    state.weightedLoss.merge(ExactSum.readFrom(in));
    state.weightedSquareLoss.merge(ExactSum.readFrom(in));
    state.correctWeight.merge(ExactSum.readFrom(in));
    for (ExactSum hits : state.topKFirst) {
      hits.merge(ExactSum.readFrom(in));
    }
    for (int b = 0; b < bins; b++) {
      state.binCount[b] = Varint.read(in);
      if (in.readBoolean()) {
        state.binWeight[b] = ExactSum.readFrom(in);
        state.binConfidence[b] = ExactSum.readFrom(in);
        state.binOutcome[b] = ExactSum.readFrom(in);
      }
    }
    int filled = Varint.readInt(in, LossBin.BINS, "the number of filled loss bins");
    int previous = -1;
    for (int i = 0; i < filled; i++) {
      int b = Varint.readInt(in, LossBin.BINS - 1, "a loss bin");
      if (b <= previous) {
        throw new IOException("Cannot read an audit: loss bin " + b + " follows bin " + previous);
      }
      previous = b;
      state.lossCount[b] = Varint.read(in);
      if (weighted) {
        state.lossWeight[b] = ExactSum.readFrom(in);
      }
    }
    return state;
  }

  /** Java serialization writes the compact form, not the 68-limb arrays. */
  private Object writeReplace() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Compact(bytes.toByteArray());
  }

  private void readObject(ObjectInputStream in) throws InvalidObjectException {
    throw new InvalidObjectException("Cannot deserialize an audit except through its compact form");
  }

  /** The serialized form of an {@link AuditAccumulator}: its {@link #writeTo} bytes. */
  private record Compact(byte[] bytes) implements Serializable {
    private static final long serialVersionUID = 1L;

    private Object readResolve() throws IOException {
      return readFrom(new DataInputStream(new ByteArrayInputStream(bytes)));
    }
  }

  // ---- per row ----

  private void checkRow(double loss, double weight) {
    if (!(loss >= 0)) {
      throw new IllegalArgumentException(
          "Cannot add a scored row of loss " + loss + ": it must be ≥ 0 or +∞");
    }
    if (!(weight >= 0 && weight < Double.POSITIVE_INFINITY)) {
      throw new IllegalArgumentException(
          "Cannot add a scored row of weight " + weight + ": it must be finite and ≥ 0");
    }
    if (!spec.weighted() && weight != 1.0) {
      throw new IllegalArgumentException(
          "Cannot add a row of weight " + weight + " to an unweighted audit: pass 1.0");
    }
  }

  private void kind(byte rowKind) {
    if (kind == NONE) {
      kind = rowKind;
    } else if (kind != rowKind) {
      throw new IllegalArgumentException(
          "Cannot audit "
              + name(rowKind)
              + " rows together with "
              + name(kind)
              + " rows: one audit holds one kind of loss");
    }
  }

  private static String name(byte kind) {
    return kind == SOFTMAX ? "softmax" : "sigmoid";
  }

  /** W, Q, S1 and S2 for a row of weight ω and loss l. */
  /**
   * {@link #addSoftmax}'s sums for a row of weight 1: ω·l = l, ω² = 1, ω·p = p (no error terms),
   * and the sums of ω counted.
   */
  private void addOne(double loss, boolean correct, int rank, double confidence) {
    onesWeight++;
    weightedLoss.add(loss);
    if (loss == Double.POSITIVE_INFINITY) {
      weightedSquareLoss.add(loss);
    } else {
      addProduct(weightedSquareLoss, loss, loss);
    }
    if (correct) {
      onesCorrect++;
    }
    for (int i = 0; i < ks.length; i++) {
      if (rank < ks[i]) {
        onesTopK[i]++;
        break;
      }
    }
    int bin = bin(confidence, bins);
    binCount[bin]++;
    binSums(bin);
    onesBinWeight[bin]++;
    binConfidence[bin].add(confidence);
    if (correct) {
      onesBinOutcome[bin]++;
    }
  }

  private void addWeighted(double loss, double omega) {
    if (omega == 0) {
      // Nothing, not 0·∞ = NaN.
      return;
    }
    weight.add(omega);
    addProduct(weightSquare, omega, omega);
    double hi = omega * loss;
    if (hi == Double.POSITIVE_INFINITY) {
      // l = +∞, or ω·l beyond the largest double.
      weightedLoss.add(hi);
      weightedSquareLoss.add(hi);
      return;
    }
    // ω·l = hi + lo exactly (the fma's error term); ω·l² = hi·l + lo·l, each an exact product.
    double lo = Math.fma(omega, loss, -hi);
    weightedLoss.add(hi);
    weightedLoss.add(lo);
    addProduct(weightedSquareLoss, hi, loss);
    addProduct(weightedSquareLoss, lo, loss);
  }

  /** Adds a·b exactly, as the two halves of its two-product; +∞ when it overflows. */
  private static void addProduct(ExactSum sum, double a, double b) {
    double hi = a * b;
    if (Double.isInfinite(hi)) {
      sum.add(Double.POSITIVE_INFINITY);
      return;
    }
    sum.add(hi);
    sum.add(Math.fma(a, b, -hi));
  }

  /**
   * The bin of p in [0, 1]: max(0, ⌈p·B⌉ − 1) for the exact real p·B, at most B − 1. p·B = hi + lo
   * exactly; when hi is not an integer, |lo| ≤ ulp(hi)/2 is less than hi's distance to any integer,
   * so ⌈p·B⌉ = ⌈hi⌉; when it is, lo > 0 puts the exact product above it.
   */
  static int bin(double p, int bins) {
    double hi = p * bins;
    double ceiling = Math.ceil(hi);
    // ⌈hi⌉ ≤ B for p ≤ 1, so the conversion is exact; the clamp in ints, which compile to
    // conditional moves (Math.max on doubles handles NaN and −0.0, at several times the cost).
    int bin = (int) ceiling - 1;
    if (ceiling == hi && Math.fma(p, bins, -hi) > 0) {
      bin++;
    }
    return Math.min(bins - 1, Math.max(0, bin));
  }

  /**
   * Counts a scored row in its loss bin; a row of weight 1 is counted, not added, like {@link
   * #addOne}'s sums.
   */
  private void addToHistogram(double loss, double weight) {
    int b = LossBin.of(loss);
    lossCount[b]++;
    if (lossWeight != null) {
      if (weight == 1.0) {
        onesLossWeight[b]++;
      } else if (weight != 0) {
        lossWeight(b).add(weight);
      }
    }
  }

  private ExactSum lossWeight(int b) {
    if (lossWeight[b] == null) {
      lossWeight[b] = new ExactSum();
    }
    return lossWeight[b];
  }

  private void binSums(int bin) {
    if (binWeight[bin] == null) {
      binWeight[bin] = new ExactSum();
      binConfidence[bin] = new ExactSum();
      binOutcome[bin] = new ExactSum();
    }
  }

  private double meanLoss(BigInteger w) {
    if (w.signum() == 0) {
      return Double.NaN;
    }
    double special = weightedLoss.nonFiniteSum();
    return special != 0.0 ? special : ExactSum.quotient(weightedLoss.fixedPoint(), w);
  }

  /** sqrt(s²/n_eff), the mean loss's standard error, or NaN where the interval is undefined. */
  private double meanLossStandardError(
      long rowsScored,
      BigInteger w,
      BigInteger q,
      BigInteger wSquared,
      BigInteger qScaled,
      boolean weightsFinite,
      double meanLoss) {
    if (rowsScored < 2
        || w.signum() == 0
        || !weightsFinite
        || !Double.isFinite(meanLoss)
        || weightedSquareLoss.nonFiniteSum() != 0.0
        // n_eff = W²/Q ≤ 1: s² = v·n_eff/(n_eff − 1) is undefined.
        || wSquared.compareTo(qScaled) <= 0) {
      return Double.NaN;
    }
    BigInteger s1 = weightedLoss.fixedPoint();
    BigInteger s2 = weightedSquareLoss.fixedPoint();
    // W·S2 − S1² = ½ Σ_i Σ_j ω_i ω_j (l_i − l_j)² ≥ 0; clamped for the sub-2^−1074 caveat.
    BigInteger spread = w.multiply(s2).subtract(s1.multiply(s1)).max(BigInteger.ZERO);
    // s²/n_eff = (W·S2 − S1²)·Q / ((W² − Q)·W²); in units of u the numerator is u³ and the
    // denominator u⁴, hence the 2^1074.
    BigInteger numerator = spread.multiply(q).shiftLeft(1074);
    BigInteger denominator = wSquared.subtract(qScaled).multiply(wSquared);
    return Math.sqrt(ExactSum.quotient(numerator, denominator));
  }

  /**
   * The Wilson score interval (Wilson 1927; Agresti &amp; Coull 1998): unlike p̂ ±
   * z·sqrt(p̂(1−p̂)/n) it stays inside [0, 1] and does not collapse to a point at p̂ = 0 or 1.
   */
  private static double[] wilson(double p, double n, double z) {
    double z2 = z * z;
    double denominator = 1 + z2 / n;
    double centre = (p + z2 / (2 * n)) / denominator;
    double half = z * Math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator;
    return new double[] {Math.max(0.0, centre - half), Math.min(1.0, centre + half)};
  }
}
