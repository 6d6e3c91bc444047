package dev.xent.kernel;

import java.io.Serializable;

/**
 * Validates and scores one row under {@link AuditOptions} and adds it to an {@link Evaluation}: the
 * one place that defines the audit's per-row loss, weight, rank and confidence, shared by the page
 * reader, Spark's reader and the SQL aggregate, so every path gives the same bits.
 *
 * <p>Order of verdicts: a label equal to the ignore index makes the row {@code ignored} whatever
 * else it holds (PyTorch skips such positions without reading their logits); then null input, the
 * logits, the label and the weight, as {@link Reason} lists them.
 *
 * <p>Integer labels (PyTorch's {@code cross_entropy} with {@code weight=} and {@code
 * label_smoothing=}): with {@code cw} the class weights (1 when none), {@code L_c = lse − z_c} and
 * {@code S = Σ_c cw_c·L_c}, the row weighs {@code ω = w·cw_y} and its loss is {@code l = (1−E)·L_y
 * + (E/C)·S/cw_y}, so that {@code Σω·l / Σω} is PyTorch's mean. Probability labels: {@code l = Σ_c
 * cw_c·((1−E)·p_c + E/C)·L_c} and {@code ω = w} (PyTorch divides soft-label losses by the row
 * count, not by class weights). Sigmoid: targets {@code t·(1−E) + E/2}, {@code l = Σ_c cw_c·ℓ_c},
 * {@code ω = w}; each element's σ(z_c) is binned for calibration against its unsmoothed target.
 *
 * <p>Each method returns the row's status ({@link Reason#OK}, {@link Reason#IGNORED} or why it is
 * invalid), so a caller that keeps invalid rows (the quarantine) uses this very verdict.
 */
public final class RowAuditor implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double smoothing;
  private final double[] classWeights;
  private final boolean ignoring;
  private final double ignoreIndex;
  private final boolean weighted;
  private final int rankLimit;
  private transient double[] smoothedTargets;

  // The last row sparse() scored: per-row output on the page reader takes its loss and prediction
  // from the audit instead of scoring the row a second time (the kernel is most of a page pass).
  private transient double lastPlainLoss = Double.NaN;
  private transient int lastPredicted = -1;

  public RowAuditor(AuditOptions options) {
    this.smoothing = options.labelSmoothing();
    this.classWeights = options.classWeights();
    this.ignoring = options.ignoreIndex() != null;
    this.ignoreIndex = ignoring ? options.ignoreIndex() : 0.0;
    this.weighted = options.weighted();
    this.rankLimit = options.rankLimit();
  }

  /**
   * The row's verdict, problems judged in order — the logits, then the label, then the weight — and
   * an invalid row counted as unscored under its reason.
   */
  private Reason verdict(Reason logits, Reason label, double weight, Evaluation into) {
    Reason reason = !logits.isOk() ? logits : !label.isOk() ? label : weightVerdict(weight);
    if (!reason.isOk()) {
      into.unscored(reason);
    }
    return reason;
  }

  /**
   * The loss {@link Scoring#sparse(float[], double)} gives the last row {@link #sparse} scored
   * {@code OK} — unsmoothed, unweighted, without class weights, the same bits — or NaN before any.
   */
  public double lastPlainLoss() {
    return lastPlainLoss;
  }

  /** The first maximum of the logits of the last row {@link #sparse} scored {@code OK}, else -1. */
  public int lastPredicted() {
    return lastPredicted;
  }

  /** Whether a row with this (non-null) label is ignored. */
  public boolean ignores(double label) {
    return ignoring && label == ignoreIndex;
  }

  /** A row that cannot be read as numbers: the logits or the label is null (or an element). */
  public Reason nullRow(Evaluation into) {
    into.unscored(Reason.NULL_INPUT);
    return Reason.NULL_INPUT;
  }

  /**
   * Sparse softmax: an integer class label held as a double; {@code weight} is read if weighted.
   */
  public Reason sparse(float[] z, double label, double weight, Evaluation into) {
    if (ignores(label)) {
      into.unscored(Reason.IGNORED);
      return Reason.IGNORED;
    }
    int k = Logits.argmax(z);
    Reason reason =
        verdict(
            Scoring.softmaxLogits(k, k < 0 ? 0 : z[k]),
            Validity.sparseLabel(label, z.length),
            weight,
            into);
    if (!reason.isOk()) {
      return reason;
    }
    int y = (int) label;
    double max = z[k];
    double rest = Logits.restMass(z, k);
    double log1pRest = Log1p.of(rest);
    double zy = z[y];
    // lse − z_y = (m − z_y) + log1p(rest), as SoftmaxCrossEntropy.sparse.
    double plain =
        zy == Double.NEGATIVE_INFINITY ? Double.POSITIVE_INFINITY : (max - zy) + log1pRest;
    lastPlainLoss = plain;
    lastPredicted = k;
    double cwy = classWeight(y, z.length);
    double loss =
        smoothing == 0.0
            ? plain
            : smoothed(
                plain, SoftmaxCrossEntropy.classSum(z, k, log1pRest, classWeights), cwy, z.length);
    boolean correct = k == y;
    int rank = correct ? 0 : rankLimit > 1 ? LabelRank.of(z, y) : 1;
    into.softmax(z.length, y, k, loss, rowWeight(weight) * cwy, correct, rank, 1.0 / (1.0 + rest));
    return Reason.OK;
  }

  public Reason sparse(double[] z, double label, double weight, Evaluation into) {
    if (ignores(label)) {
      into.unscored(Reason.IGNORED);
      return Reason.IGNORED;
    }
    int k = Logits.argmax(z);
    Reason reason =
        verdict(
            Scoring.softmaxLogits(k, k < 0 ? 0 : z[k]),
            Validity.sparseLabel(label, z.length),
            weight,
            into);
    if (!reason.isOk()) {
      return reason;
    }
    int y = (int) label;
    double max = z[k];
    double rest = Logits.restMass(z, k);
    double log1pRest = Log1p.of(rest);
    double zy = z[y];
    double plain =
        zy == Double.NEGATIVE_INFINITY ? Double.POSITIVE_INFINITY : (max - zy) + log1pRest;
    lastPlainLoss = plain;
    lastPredicted = k;
    double cwy = classWeight(y, z.length);
    double loss =
        smoothing == 0.0
            ? plain
            : smoothed(
                plain, SoftmaxCrossEntropy.classSum(z, k, log1pRest, classWeights), cwy, z.length);
    boolean correct = k == y;
    int rank = correct ? 0 : rankLimit > 1 ? LabelRank.of(z, y) : 1;
    into.softmax(z.length, y, k, loss, rowWeight(weight) * cwy, correct, rank, 1.0 / (1.0 + rest));
    return Reason.OK;
  }

  /** Dense softmax: a probability row; the row's class is the first maximum of p. */
  public Reason dense(float[] z, double[] p, double weight, Evaluation into) {
    int k = Logits.argmax(z);
    Reason reason =
        verdict(
            Scoring.softmaxLogits(k, k < 0 ? 0 : z[k]),
            Validity.denseLabels(p, z.length),
            weight,
            into);
    if (!reason.isOk()) {
      return reason;
    }
    checkClassWeights(z.length);
    double rest = Logits.restMass(z, k);
    double loss = SoftmaxCrossEntropy.dense(z, p, k, classWeights);
    if (smoothing != 0.0) {
      double classSum = SoftmaxCrossEntropy.classSum(z, k, Log1p.of(rest), classWeights);
      loss = (1.0 - smoothing) * loss + (smoothing / z.length) * classSum;
    }
    int y = Logits.argmax(p);
    boolean correct = k == y;
    int rank = correct ? 0 : rankLimit > 1 ? LabelRank.of(z, y) : 1;
    into.softmax(z.length, y, k, loss, rowWeight(weight), correct, rank, 1.0 / (1.0 + rest));
    return Reason.OK;
  }

  public Reason dense(double[] z, double[] p, double weight, Evaluation into) {
    int k = Logits.argmax(z);
    Reason reason =
        verdict(
            Scoring.softmaxLogits(k, k < 0 ? 0 : z[k]),
            Validity.denseLabels(p, z.length),
            weight,
            into);
    if (!reason.isOk()) {
      return reason;
    }
    checkClassWeights(z.length);
    double rest = Logits.restMass(z, k);
    double loss = SoftmaxCrossEntropy.dense(z, p, k, classWeights);
    if (smoothing != 0.0) {
      double classSum = SoftmaxCrossEntropy.classSum(z, k, Log1p.of(rest), classWeights);
      loss = (1.0 - smoothing) * loss + (smoothing / z.length) * classSum;
    }
    int y = Logits.argmax(p);
    boolean correct = k == y;
    int rank = correct ? 0 : rankLimit > 1 ? LabelRank.of(z, y) : 1;
    into.softmax(z.length, y, k, loss, rowWeight(weight), correct, rank, 1.0 / (1.0 + rest));
    return Reason.OK;
  }

  /** Sigmoid: independent binary targets in [0, 1]; the row loss is the (weighted) element sum. */
  public Reason sigmoid(float[] z, double[] t, double weight, Evaluation into) {
    Reason reason =
        verdict(Validity.logits(z, false), Validity.sigmoidTargets(t, z.length), weight, into);
    if (!reason.isOk()) {
      return reason;
    }
    checkClassWeights(z.length);
    double w = rowWeight(weight);
    // Calibration takes the row's own targets, the loss the smoothed ones.
    double loss =
        SigmoidCrossEntropy.row(
            z,
            targets(t),
            classWeights,
            (p, from, n) -> into.sigmoidElements(p, t, from, n, w, classWeights));
    into.sigmoid(loss, w);
    return Reason.OK;
  }

  public Reason sigmoid(double[] z, double[] t, double weight, Evaluation into) {
    Reason reason =
        verdict(Validity.logits(z, false), Validity.sigmoidTargets(t, z.length), weight, into);
    if (!reason.isOk()) {
      return reason;
    }
    checkClassWeights(z.length);
    double w = rowWeight(weight);
    // Calibration takes the row's own targets, the loss the smoothed ones.
    double loss =
        SigmoidCrossEntropy.row(
            z,
            targets(t),
            classWeights,
            (p, from, n) -> into.sigmoidElements(p, t, from, n, w, classWeights));
    into.sigmoid(loss, w);
    return Reason.OK;
  }

  private double[] targets(double[] t) {
    if (smoothing == 0.0) {
      return t;
    }
    if (smoothedTargets == null || smoothedTargets.length != t.length) {
      smoothedTargets = new double[t.length];
    }
    for (int c = 0; c < t.length; c++) {
      // TensorFlow's sigmoid label smoothing: t·(1 − E) + E/2.
      smoothedTargets[c] = t[c] * (1.0 - smoothing) + 0.5 * smoothing;
    }
    return smoothedTargets;
  }

  /**
   * (1−E)·L_y + (E/C)·S/cw_y. A class of weight 0 gives the row weight 0, so its loss enters no
   * sum; it is then reported without the division.
   */
  private double smoothed(double plain, double classSum, double cwy, int classes) {
    double share = (smoothing / classes) * classSum;
    return (1.0 - smoothing) * plain + (cwy > 0.0 ? share / cwy : share);
  }

  private double classWeight(int y, int classes) {
    if (classWeights == null) {
      return 1.0;
    }
    checkClassWeights(classes);
    return classWeights[y];
  }

  private void checkClassWeights(int classes) {
    if (classWeights != null && classWeights.length != classes) {
      throw new IllegalArgumentException(
          "Cannot score a row of "
              + classes
              + " classes with "
              + classWeights.length
              + " class weights: give one weight per class");
    }
  }

  private Reason weightVerdict(double weight) {
    return !weighted || (weight >= 0.0 && weight != Double.POSITIVE_INFINITY)
        ? Reason.OK
        : Reason.BAD_WEIGHT;
  }

  private double rowWeight(double weight) {
    return weighted ? weight : 1.0;
  }
}
