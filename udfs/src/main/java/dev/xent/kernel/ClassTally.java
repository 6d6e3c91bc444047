package dev.xent.kernel;

import java.io.IOException;
import java.io.InvalidObjectException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.Arrays;

/**
 * Accumulates scored rows into a per-class breakdown of a softmax evaluation: for every class c,
 * over the scored rows (label y, first argmax k, loss l, weight ω),
 *
 * <ul>
 *   <li>{@code support} = #{y = c} and {@code predicted} = #{k = c}, counts of rows;
 *   <li>S_c = Σ_{y=c} ω (weight), P_c = Σ_{k=c} ω (predicted weight), T_c = Σ_{y=k=c} ω
 *       (true-positive weight);
 *   <li>L_c = Σ_{y=c} ω·l (loss), each product taken exactly (the 106-bit product of the
 *       significands, which equals the two-product hi + lo, {@code hi = ω·l}, {@code lo = fma(ω, l,
 *       −hi)}, wherever that one is exact, and stays exact for subnormal and huge weights).
 * </ul>
 *
 * Unweighted, every ω is 1 and S, P, T are the counts. Every sum is exact, so the result is the
 * same bit for bit however the rows were split and merged (Spark's partition-local aggregation is
 * {@link #merge}); {@link #result} rounds each number once. A row with ω = 0 is counted in {@code
 * support} and {@code predicted} but adds nothing to any sum, even when its loss is +∞ (0·∞ would
 * be NaN); a row with ω > 0 and l = +∞ makes L_c = +∞.
 *
 * <p>Memory: per class of capacity, unweighted three {@code long} counts and one 3-word loss window
 * ({@link ExactSumColumn}), 24 + 26 = 50 bytes; weighted two counts, three 2-word weight windows
 * and the loss window, 16 + 3·18 + 26 = 96 bytes. Arrays grow by half as much again when a row
 * brings a larger class (capacity at most 1.5 × {@link #classes()} beyond the size hint), and to
 * exactly the other tally's classes in a merge; a deserialised tally holds exactly {@link
 * #classes()}. Only a class whose sum outgrows its window (needs more than 127 or 191 bits from its
 * lowest addend bit to its top) holds a BigInteger instead. The serialised form writes varints and
 * the significant bytes of each window only, for {@code classes()} classes.
 *
 * <p>Not thread-safe, like every accumulator here.
 */
public final class ClassTally implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The largest class index + 1 a tally holds (its arrays must stay addressable). */
  public static final int MAX_CLASSES = (Integer.MAX_VALUE - 8) / 3;

  private static final int WEIGHT_WORDS = 2;
  private static final int LOSS_WORDS = 3;
  private static final int FORMAT = 1;

  private final boolean weighted;
  private transient int classes;
  private transient long[] support;
  private transient long[] predicted;
  // Unweighted only: T_c as a count.
  private transient long[] correct;
  // Weighted only.
  private transient ExactSumColumn weightSum;
  private transient ExactSumColumn predictedWeight;
  private transient ExactSumColumn truePositiveWeight;
  private transient ExactSumColumn lossSum;

  /**
   * @param weighted rows carry weights; else every weight is 1.0 and the sums are counts
   * @param expectedClasses initial capacity; the arrays grow to the largest class seen
   */
  public ClassTally(boolean weighted, int expectedClasses) {
    if (expectedClasses < 0 || expectedClasses > MAX_CLASSES) {
      throw new IllegalArgumentException(
          "Cannot size a class tally for " + expectedClasses + " classes: not 0.." + MAX_CLASSES);
    }
    this.weighted = weighted;
    allocate(expectedClasses);
  }

  private void allocate(int capacity) {
    support = new long[capacity];
    predicted = new long[capacity];
    lossSum = new ExactSumColumn(LOSS_WORDS, capacity);
    if (weighted) {
      weightSum = new ExactSumColumn(WEIGHT_WORDS, capacity);
      predictedWeight = new ExactSumColumn(WEIGHT_WORDS, capacity);
      truePositiveWeight = new ExactSumColumn(WEIGHT_WORDS, capacity);
    } else {
      correct = new long[capacity];
    }
  }

  public boolean weighted() {
    return weighted;
  }

  /**
   * Makes the tally cover classes 0 … n−1 even if some are never seen, so that its result lists
   * every class of the rows (a row of C logits has C classes, each with a per-class entry).
   */
  public ClassTally coverClasses(int n) {
    if (n < 0 || n > MAX_CLASSES) {
      throw new IllegalArgumentException("Cannot cover " + n + " classes");
    }
    ensureClasses(n, false);
    return this;
  }

  /**
   * The largest class seen (as label or prediction) + 1, or covered by {@link #coverClasses}; 0
   * before the first row.
   */
  public int classes() {
    return classes;
  }

  /**
   * Adds one scored row.
   *
   * @param label the true class y ≥ 0 (for probability labels, their first argmax)
   * @param predicted the predicted class k ≥ 0, the first argmax of the logits; correct ⇔ y = k
   * @param loss finite and ≥ 0, or +∞ (a masked true class)
   * @param weight finite and ≥ 0; exactly 1.0 for an unweighted tally
   * @throws IllegalArgumentException for a negative class, a class ≥ {@link #MAX_CLASSES}, a NaN or
   *     negative loss, a NaN, infinite or negative weight, or a weight other than 1.0 unweighted
   */
  public ClassTally add(int label, int predicted, double loss, double weight) {
    checkClass("label", label);
    checkClass("predicted class", predicted);
    if (!(loss >= 0.0)) {
      throw new IllegalArgumentException(
          "Cannot add row: loss " + loss + " is not ≥ 0 (label " + label + ")");
    }
    if (weighted ? !(weight >= 0.0 && weight < Double.POSITIVE_INFINITY) : weight != 1.0) {
      throw new IllegalArgumentException(
          "Cannot add row: weight "
              + weight
              + (weighted ? " is not finite and ≥ 0" : " in an unweighted tally (must be 1.0)")
              + " (label "
              + label
              + ")");
    }
    ensureClasses(Math.max(label, predicted) + 1, true);
    this.support[label]++;
    this.predicted[predicted]++;
    if (!weighted) {
      if (label == predicted) {
        correct[label]++;
      }
      lossSum.add(label, loss);
      return this;
    }
    if (weight == 0.0) {
      // ω = 0 contributes to no sum: ω·l would be NaN for l = +∞, and is 0 otherwise.
      return this;
    }
    weightSum.add(label, weight);
    predictedWeight.add(predicted, weight);
    if (label == predicted) {
      truePositiveWeight.add(label, weight);
    }
    if (loss == Double.POSITIVE_INFINITY) {
      lossSum.add(label, loss);
    } else {
      lossSum.addProduct(label, weight, loss);
    }
    return this;
  }

  private static void checkClass(String what, int c) {
    if (c < 0 || c >= MAX_CLASSES) {
      throw new IllegalArgumentException(
          "Cannot add row: " + what + " " + c + " is not in 0.." + (MAX_CLASSES - 1));
    }
  }

  /**
   * Makes room for classes 0 … n−1: by half as much again for a row (a stream of ever larger labels
   * then costs amortised O(1) per row), to exactly n for a merge (the driver's running total grows
   * to the largest task result and no further).
   */
  private void ensureClasses(int n, boolean slack) {
    if (n > support.length) {
      int capacity =
          slack
              ? (int) Math.min(MAX_CLASSES, Math.max(n, support.length + (support.length >> 1)))
              : n;
      support = Arrays.copyOf(support, capacity);
      predicted = Arrays.copyOf(predicted, capacity);
      lossSum.grow(capacity);
      if (weighted) {
        weightSum.grow(capacity);
        predictedWeight.grow(capacity);
        truePositiveWeight.grow(capacity);
      } else {
        correct = Arrays.copyOf(correct, capacity);
      }
    }
    classes = Math.max(classes, n);
  }

  /**
   * Adds {@code other}'s rows to this tally; {@code other} is left unchanged (merging a tally into
   * itself doubles it).
   *
   * @throws IllegalArgumentException when one tally is weighted and the other is not
   */
  public ClassTally merge(ClassTally other) {
    if (other.weighted != weighted) {
      throw new IllegalArgumentException(
          "Cannot merge class tallies: one is weighted and the other is not");
    }
    if (other == this) {
      other = copy();
    }
    ensureClasses(other.classes, false);
    for (int c = 0; c < other.classes; c++) {
      support[c] += other.support[c];
      predicted[c] += other.predicted[c];
      lossSum.merge(c, other.lossSum);
      if (weighted) {
        weightSum.merge(c, other.weightSum);
        predictedWeight.merge(c, other.predictedWeight);
        truePositiveWeight.merge(c, other.truePositiveWeight);
      } else {
        correct[c] += other.correct[c];
      }
    }
    return this;
  }

  private ClassTally copy() {
    return new ClassTally(weighted, classes).merge(this);
  }

  /**
   * The immutable per-class result; each number is rounded once from the exact sums, so it does not
   * depend on how the rows were split or merged.
   */
  public ClassStats result() {
    int n = classes;
    long[] supportOut = Arrays.copyOf(support, n);
    long[] predictedOut = Arrays.copyOf(predicted, n);
    double[] s = new double[n];
    double[] p = new double[n];
    double[] t = new double[n];
    double[] l = new double[n];
    double[] meanLoss = new double[n];
    double[] recall = new double[n];
    double[] precision = new double[n];
    double[] f1 = new double[n];
    for (int c = 0; c < n; c++) {
      Dyadic sc;
      Dyadic pc;
      Dyadic tc;
      if (weighted) {
        sc = weightSum.exact(c);
        pc = predictedWeight.exact(c);
        tc = truePositiveWeight.exact(c);
      } else {
        sc = Dyadic.of(support[c]);
        pc = Dyadic.of(predicted[c]);
        tc = Dyadic.of(correct[c]);
      }
      s[c] = sc.toDouble();
      p[c] = pc.toDouble();
      t[c] = tc.toDouble();
      l[c] = lossSum.sum(c);
      boolean hasWeight = sc.signum() > 0;
      meanLoss[c] =
          !hasWeight
              ? Double.NaN
              : lossSum.isInfinite(c)
                  ? Double.POSITIVE_INFINITY
                  : Dyadic.quotient(lossSum.exact(c), sc);
      recall[c] = hasWeight ? Dyadic.quotient(tc, sc) : Double.NaN;
      precision[c] = pc.signum() > 0 ? Dyadic.quotient(tc, pc) : Double.NaN;
      // f1 = 2T/(S + P): the harmonic mean 2PR/(P + R) with P = T/P_c and R = T/S_c multiplied
      // out, so it is rounded once and defined (0) when T = 0 even though P or R may not be.
      Dyadic both = sc.add(pc);
      f1[c] = both.signum() > 0 ? Dyadic.quotient(tc.twice(), both) : Double.NaN;
    }
    return new ClassStats(
        weighted, supportOut, predictedOut, s, p, t, l, meanLoss, recall, precision, f1);
  }

  /**
   * Bytes this tally holds by its documented layout: the arrays (16-byte headers), the columns
   * ({@link ExactSumColumn#retainedBytes}) and ~48 bytes of object fields.
   */
  public long retainedBytes() {
    long total = 48 + 2 * (16 + 8L * support.length) + lossSum.retainedBytes();
    if (weighted) {
      total +=
          weightSum.retainedBytes()
              + predictedWeight.retainedBytes()
              + truePositiveWeight.retainedBytes();
    } else {
      total += 16 + 8L * correct.length;
    }
    return total;
  }

  /** Classes whose sums outgrew their window and are held as BigIntegers (counted per sum). */
  int promotedSums() {
    int total = lossSum.promotedCount();
    if (weighted) {
      total +=
          weightSum.promotedCount()
              + predictedWeight.promotedCount()
              + truePositiveWeight.promotedCount();
    }
    return total;
  }

  // Serialised form, after the default fields (weighted): varint format, varint classes, then
  // per class the varint counts (support, predicted, and unweighted correct), then each column's
  // cells (ExactSumColumn#write).
  private void writeObject(ObjectOutputStream out) throws IOException {
    out.defaultWriteObject();
    ExactSumColumn.writeVarLong(out, FORMAT);
    ExactSumColumn.writeVarLong(out, classes);
    for (int c = 0; c < classes; c++) {
      ExactSumColumn.writeVarLong(out, support[c]);
      ExactSumColumn.writeVarLong(out, predicted[c]);
      if (!weighted) {
        ExactSumColumn.writeVarLong(out, correct[c]);
      }
    }
    lossSum.write(out, classes);
    if (weighted) {
      weightSum.write(out, classes);
      predictedWeight.write(out, classes);
      truePositiveWeight.write(out, classes);
    }
  }

  private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
    in.defaultReadObject();
    long format = ExactSumColumn.readVarLong(in);
    if (format != FORMAT) {
      throw new InvalidObjectException("Cannot read a class tally: unknown format " + format);
    }
    long n = ExactSumColumn.readVarLong(in);
    if (n < 0 || n > MAX_CLASSES) {
      throw new InvalidObjectException("Cannot read a class tally of " + n + " classes");
    }
    classes = (int) n;
    support = new long[classes];
    predicted = new long[classes];
    if (!weighted) {
      correct = new long[classes];
    }
    for (int c = 0; c < classes; c++) {
      support[c] = ExactSumColumn.readVarLong(in);
      predicted[c] = ExactSumColumn.readVarLong(in);
      if (!weighted) {
        correct[c] = ExactSumColumn.readVarLong(in);
      }
    }
    lossSum = ExactSumColumn.read(in, classes, LOSS_WORDS);
    if (weighted) {
      weightSum = ExactSumColumn.read(in, classes, WEIGHT_WORDS);
      predictedWeight = ExactSumColumn.read(in, classes, WEIGHT_WORDS);
      truePositiveWeight = ExactSumColumn.read(in, classes, WEIGHT_WORDS);
    }
  }
}
