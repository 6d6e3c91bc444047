package dev.xent.kernel;

/**
 * Softmax cross-entropy from logits, never through probabilities.
 *
 * <p>Sparse (integer label y): {@code loss = lse(z) − z_y = (m − z_y) + log1p(rest)}, where m is
 * the first maximum and rest the relative mass of the other classes. When y is the maximum the loss
 * is {@code log1p(rest)} alone, so a loss of 1e-20 keeps every significant digit.
 *
 * <p>Dense (probability row p, soft labels): {@code loss = Σ_j p_j·(lse(z) − z_j)}, a sum of
 * non-negative terms (compensated). A class with {@code p_j == 0} contributes exactly 0, even when
 * {@code z_j = −∞}; p is used as given, not renormalised.
 *
 * <p>Class weights and label smoothing: {@link #dense(double[], double[], int, double[])} weights
 * each class's term; {@link #classSum} is {@code Σ_c cw_c·(lse − z_c)}, the term label smoothing
 * adds ({@link #smoothed(double[], int, double)}: target {@code (1 − E)·onehot(y) + E/C}).
 *
 * <p>Non-finite behaviour: NaN in z (or in p) gives NaN; a +∞ logit gives NaN (the row is invalid,
 * see {@link Validity}); a row of only −∞ gives NaN; a −∞ logit is a masked class, and a loss that
 * puts mass on a masked class is +∞. Callers validate rows with {@link Validity} first; a label
 * outside the row throws {@link IndexOutOfBoundsException}.
 */
public final class SoftmaxCrossEntropy {
  private SoftmaxCrossEntropy() {}

  public static double sparse(double[] z, int label) {
    return sparse(z, label, Logits.argmax(z));
  }

  /** {@link #sparse(double[], int)} for a row whose first maximum {@code k} is known. */
  static double sparse(double[] z, int label, int k) {
    double zLabel = z[label];
    double max = z[k];
    if (!Double.isFinite(max)) {
      return Double.NaN;
    }
    return sparseFromParts(max, zLabel, Logits.restMass(z, k));
  }

  public static double sparse(float[] z, int label) {
    return sparse(z, label, Logits.argmax(z));
  }

  /** {@link #sparse(float[], int)} for a row whose first maximum {@code k} is known. */
  static double sparse(float[] z, int label, int k) {
    double zLabel = z[label];
    double max = z[k];
    if (!Double.isFinite(max)) {
      return Double.NaN;
    }
    return sparseFromParts(max, zLabel, Logits.restMass(z, k));
  }

  private static double sparseFromParts(double max, double zLabel, double rest) {
    if (zLabel == Double.NEGATIVE_INFINITY) {
      return Double.POSITIVE_INFINITY;
    }
    // lse − z_y = (m − z_y) + log1p(rest); m − z_y is exactly 0 when y is the maximum.
    return (max - zLabel) + Log1p.of(rest);
  }

  public static double dense(double[] z, double[] p) {
    return dense(z, p, Logits.argmax(z));
  }

  /** {@link #dense(double[], double[])} for a row whose first maximum {@code k} is known. */
  static double dense(double[] z, double[] p, int k) {
    requireSameLength(z.length, p.length);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    return denseSum(z, p, z[k], Log1p.of(Logits.restMass(z, k)));
  }

  /** {@code Σ_j p_j·((max − z_j) + logOfRest)}, compensated; zero p_j skipped. */
  private static double denseSum(double[] z, double[] p, double max, double logOfRest) {
    double sum = 0.0;
    double compensation = 0.0;
    for (int j = 0; j < z.length; j++) {
      double pj = p[j];
      if (pj != 0.0) {
        double term = pj * ((max - z[j]) + logOfRest);
        double next = sum + term;
        compensation += CompensatedSum.roundingError(sum, term, next);
        sum = next;
      }
    }
    return finish(sum, compensation);
  }

  public static double dense(float[] z, double[] p) {
    return dense(z, p, Logits.argmax(z));
  }

  /** {@link #dense(float[], double[])} for a row whose first maximum {@code k} is known. */
  static double dense(float[] z, double[] p, int k) {
    requireSameLength(z.length, p.length);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    return denseSum(z, p, z[k], Log1p.of(Logits.restMass(z, k)));
  }

  /** {@code Σ_j p_j·((max − z_j) + logOfRest)}, compensated; zero p_j skipped. */
  private static double denseSum(float[] z, double[] p, double max, double logOfRest) {
    double sum = 0.0;
    double compensation = 0.0;
    for (int j = 0; j < z.length; j++) {
      double pj = p[j];
      if (pj != 0.0) {
        double term = pj * ((max - z[j]) + logOfRest);
        double next = sum + term;
        compensation += CompensatedSum.roundingError(sum, term, next);
        sum = next;
      }
    }
    return finish(sum, compensation);
  }

  /**
   * The class-weighted dense loss {@code Σ_c cw_c·p_c·(lse(z) − z_c)} for a row whose first maximum
   * {@code k} is known; {@code classWeights == null} means all ones and gives {@link
   * #dense(double[], double[])} bit for bit (so do weights that are all exactly 1).
   *
   * <p>Each term is {@code cw_c·(p_c·((m − z_c) + log1p(rest)))}, non-negative and summed with
   * compensation. A class with {@code p_c == 0} or {@code cw_c == 0} contributes exactly 0, even
   * when {@code z_c = −∞}; otherwise a masked class gives +∞. Non-finite behaviour: NaN in z, NaN
   * in p on a class of non-zero weight, a non-finite maximum (+∞ or an all −∞ row) or an empty row
   * give NaN; a weight that is negative, NaN or infinite gives NaN (−0.0 is a zero weight). Another
   * length of p or of the weights throws {@link IllegalArgumentException}.
   */
  public static double dense(double[] z, double[] p, int k, double[] classWeights) {
    if (classWeights == null) {
      return dense(z, p, k);
    }
    requireSameLength(z.length, p.length);
    requireWeights(z.length, classWeights.length);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    double max = z[k];
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    double sum = 0.0;
    double compensation = 0.0;
    for (int j = 0; j < z.length; j++) {
      double w = classWeights[j];
      if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
        return Double.NaN;
      }
      double pj = p[j];
      if (pj != 0.0 && w != 0.0) {
        // The unweighted term first, as in dense(z, p, k): a weight of exactly 1 keeps its bits.
        double term = w * (pj * ((max - z[j]) + logOfRest));
        double next = sum + term;
        compensation += CompensatedSum.roundingError(sum, term, next);
        sum = next;
      }
    }
    return finish(sum, compensation);
  }

  /** {@link #dense(double[], double[], int, double[])} for float logits. */
  public static double dense(float[] z, double[] p, int k, double[] classWeights) {
    if (classWeights == null) {
      return dense(z, p, k);
    }
    requireSameLength(z.length, p.length);
    requireWeights(z.length, classWeights.length);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    double max = z[k];
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    double sum = 0.0;
    double compensation = 0.0;
    for (int j = 0; j < z.length; j++) {
      double w = classWeights[j];
      if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
        return Double.NaN;
      }
      double pj = p[j];
      if (pj != 0.0 && w != 0.0) {
        double term = w * (pj * ((max - z[j]) + logOfRest));
        double next = sum + term;
        compensation += CompensatedSum.roundingError(sum, term, next);
        sum = next;
      }
    }
    return finish(sum, compensation);
  }

  /**
   * The class sum behind label smoothing, {@code S = Σ_c cw_c·(lse(z) − z_c)}, for a row whose
   * first maximum {@code k} is known and {@code log1pRest = log1p(}{@link Logits#restMass}{@code
   * (z, k))}, so that {@code lse = z_k + log1pRest}. {@code classWeights == null} means all ones
   * (then {@code S = Σ_c (lse − z_c)}, the smoothing term of PyTorch's {@code label_smoothing}
   * times C).
   *
   * <p>Computed as {@code Σ_c cw_c·(z_k − z_c) + (Σ_c cw_c)·log1pRest}: every term is ≥ 0 (z_k is
   * the maximum), both sums are compensated, so the result is within a few ulps of the exact value.
   *
   * <p>Non-finite behaviour: a class with {@code z_c = −∞} and {@code cw_c > 0} makes S = +∞ (as
   * PyTorch); with {@code cw_c = 0} (or −0.0) it contributes exactly 0. A NaN in z or log1pRest, a
   * non-finite {@code z_k} (+∞, or a row of only −∞), {@code k < 0} (an empty row) or a weight that
   * is negative, NaN or infinite give NaN. Weights of another length throw {@link
   * IllegalArgumentException}.
   */
  public static double classSum(double[] z, int k, double log1pRest, double[] classWeights) {
    if (classWeights != null) {
      requireWeights(z.length, classWeights.length);
    }
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    double max = z[k];
    int n = z.length;
    // Even and odd classes go to two compensated sums (a, b): the row loop is bound by the latency
    // of sum + term, and two independent chains halve it. Every term is ≥ 0.
    double a = 0.0;
    double aCompensation = 0.0;
    double b = 0.0;
    double bCompensation = 0.0;
    double weightSum;
    int c = 0;
    if (classWeights == null) {
      for (; c + 1 < n; c += 2) {
        double even = max - z[c];
        double nextA = a + even;
        aCompensation += CompensatedSum.roundingError(a, even, nextA);
        a = nextA;
        double odd = max - z[c + 1];
        double nextB = b + odd;
        bCompensation += CompensatedSum.roundingError(b, odd, nextB);
        b = nextB;
      }
      if (c < n) {
        double even = max - z[c];
        double nextA = a + even;
        aCompensation += CompensatedSum.roundingError(a, even, nextA);
        a = nextA;
      }
      weightSum = n;
    } else {
      double w0 = 0.0;
      double w0Compensation = 0.0;
      double w1 = 0.0;
      double w1Compensation = 0.0;
      for (; c < n; c++) {
        double w = classWeights[c];
        if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
          return Double.NaN;
        }
        if (w != 0.0) {
          double term = w * (max - z[c]);
          if ((c & 1) == 0) {
            double nextA = a + term;
            aCompensation += CompensatedSum.roundingError(a, term, nextA);
            a = nextA;
            double nextW = w0 + w;
            w0Compensation += CompensatedSum.roundingError(w0, w, nextW);
            w0 = nextW;
          } else {
            double nextB = b + term;
            bCompensation += CompensatedSum.roundingError(b, term, nextB);
            b = nextB;
            double nextW = w1 + w;
            w1Compensation += CompensatedSum.roundingError(w1, w, nextW);
            w1 = nextW;
          }
        }
      }
      double weights = w0 + w1;
      weightSum =
          weights
              + (w0Compensation + w1Compensation + CompensatedSum.roundingError(w0, w1, weights));
    }
    double sum = a + b;
    double compensation = aCompensation + bCompensation + CompensatedSum.roundingError(a, b, sum);
    // Σ cw_c·(lse − z_c) = Σ cw_c·(z_k − z_c) + (Σ cw_c)·log1p(rest): lse is never formed, so a
    // large z_k cannot swamp a small log1p(rest).
    return finish(sum, compensation) + weightSum * log1pRest;
  }

  /** {@link #classSum(double[], int, double, double[])} for float logits (gaps taken in double). */
  public static double classSum(float[] z, int k, double log1pRest, double[] classWeights) {
    if (classWeights != null) {
      requireWeights(z.length, classWeights.length);
    }
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    double max = z[k];
    int n = z.length;
    // Even and odd classes go to two compensated sums (a, b): the row loop is bound by the latency
    // of sum + term, and two independent chains halve it. Every term is ≥ 0.
    double a = 0.0;
    double aCompensation = 0.0;
    double b = 0.0;
    double bCompensation = 0.0;
    double weightSum;
    int c = 0;
    if (classWeights == null) {
      for (; c + 1 < n; c += 2) {
        double even = max - z[c];
        double nextA = a + even;
        aCompensation += CompensatedSum.roundingError(a, even, nextA);
        a = nextA;
        double odd = max - z[c + 1];
        double nextB = b + odd;
        bCompensation += CompensatedSum.roundingError(b, odd, nextB);
        b = nextB;
      }
      if (c < n) {
        double even = max - z[c];
        double nextA = a + even;
        aCompensation += CompensatedSum.roundingError(a, even, nextA);
        a = nextA;
      }
      weightSum = n;
    } else {
      double w0 = 0.0;
      double w0Compensation = 0.0;
      double w1 = 0.0;
      double w1Compensation = 0.0;
      for (; c < n; c++) {
        double w = classWeights[c];
        if (!(w >= 0.0 && w < Double.POSITIVE_INFINITY)) {
          return Double.NaN;
        }
        if (w != 0.0) {
          double term = w * (max - z[c]);
          if ((c & 1) == 0) {
            double nextA = a + term;
            aCompensation += CompensatedSum.roundingError(a, term, nextA);
            a = nextA;
            double nextW = w0 + w;
            w0Compensation += CompensatedSum.roundingError(w0, w, nextW);
            w0 = nextW;
          } else {
            double nextB = b + term;
            bCompensation += CompensatedSum.roundingError(b, term, nextB);
            b = nextB;
            double nextW = w1 + w;
            w1Compensation += CompensatedSum.roundingError(w1, w, nextW);
            w1 = nextW;
          }
        }
      }
      double weights = w0 + w1;
      weightSum =
          weights
              + (w0Compensation + w1Compensation + CompensatedSum.roundingError(w0, w1, weights));
    }
    double sum = a + b;
    double compensation = aCompensation + bCompensation + CompensatedSum.roundingError(a, b, sum);
    // Σ cw_c·(lse − z_c) = Σ cw_c·(z_k − z_c) + (Σ cw_c)·log1p(rest): lse is never formed, so a
    // large z_k cannot swamp a small log1p(rest).
    return finish(sum, compensation) + weightSum * log1pRest;
  }

  /**
   * Label-smoothed sparse loss with smoothing E: the target is {@code (1 − E)·onehot(y) + E/C}, so
   * the loss is {@code (1 − E)·(lse − z_y) + (E/C)·}{@link #classSum classSum}{@code (z, k,
   * log1p(rest), null)} (PyTorch's {@code cross_entropy(label_smoothing=E)}). E = 0 gives {@link
   * #sparse(double[], int)} bit for bit. Non-finite behaviour as {@link #sparse(double[], int)}; in
   * addition any masked class gives +∞ when E > 0 (it has target mass E/C). E must be in [0, 1)
   * (callers check; other values are used as given).
   */
  public static double smoothed(double[] z, int label, double smoothing) {
    int k = Logits.argmax(z);
    if (smoothing == 0.0) {
      return sparse(z, label, k);
    }
    double zLabel = z[label];
    double max = z[k];
    if (!Double.isFinite(max)) {
      return Double.NaN;
    }
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    // lse − z_y = (m − z_y) + log1p(rest), as in sparse; a masked label has p_y = 0.
    double hard =
        zLabel == Double.NEGATIVE_INFINITY ? Double.POSITIVE_INFINITY : (max - zLabel) + logOfRest;
    return (1.0 - smoothing) * hard + smoothingTerm(z, k, logOfRest, smoothing);
  }

  /** {@link #smoothed(double[], int, double)} for float logits. */
  public static double smoothed(float[] z, int label, double smoothing) {
    int k = Logits.argmax(z);
    if (smoothing == 0.0) {
      return sparse(z, label, k);
    }
    double zLabel = z[label];
    double max = z[k];
    if (!Double.isFinite(max)) {
      return Double.NaN;
    }
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    // lse − z_y = (m − z_y) + log1p(rest), as in sparse; a masked label has p_y = 0.
    double hard =
        zLabel == Double.NEGATIVE_INFINITY ? Double.POSITIVE_INFINITY : (max - zLabel) + logOfRest;
    return (1.0 - smoothing) * hard + smoothingTerm(z, k, logOfRest, smoothing);
  }

  /**
   * Label-smoothed dense loss: the target is {@code (1 − E)·p + E/C}, so the loss is {@code (1 −
   * E)·dense(z, p) + (E/C)·classSum(z, k, log1p(rest), null)}. E = 0 gives {@link #dense(double[],
   * double[])} bit for bit. Non-finite behaviour as {@link #dense(double[], double[])}; in addition
   * any masked class gives +∞ when E > 0.
   */
  public static double smoothed(double[] z, double[] p, double smoothing) {
    int k = Logits.argmax(z);
    if (smoothing == 0.0) {
      return dense(z, p, k);
    }
    requireSameLength(z.length, p.length);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    double hard = denseSum(z, p, z[k], logOfRest);
    return (1.0 - smoothing) * hard + smoothingTerm(z, k, logOfRest, smoothing);
  }

  /** {@link #smoothed(double[], double[], double)} for float logits. */
  public static double smoothed(float[] z, double[] p, double smoothing) {
    int k = Logits.argmax(z);
    if (smoothing == 0.0) {
      return dense(z, p, k);
    }
    requireSameLength(z.length, p.length);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    double hard = denseSum(z, p, z[k], logOfRest);
    return (1.0 - smoothing) * hard + smoothingTerm(z, k, logOfRest, smoothing);
  }

  /** {@code (E/C)·S} with {@code S = classSum(z, k, log1p(rest), null)}, never 0·∞. */
  private static double smoothingTerm(double[] z, int k, double logOfRest, double smoothing) {
    double spread = classSum(z, k, logOfRest, null);
    if (spread < Double.POSITIVE_INFINITY) {
      return (smoothing / z.length) * spread;
    }
    // S = +∞: a masked class (target mass E/C on a class of probability 0), or a sum of gaps beyond
    // the double range (|z| near 1e308) that E/C can bring back; then Σ E·(m/C − z_c/C): every
    // partial sum is below the result, and the roundings of m/C and z_c/C are each below an ulp of
    // m/C, tiny against a total of the order of E times the largest double.
    double max = z[k] / z.length;
    double sum = 0.0;
    double compensation = 0.0;
    for (double v : z) {
      if (v == Double.NEGATIVE_INFINITY) {
        return Double.POSITIVE_INFINITY;
      }
      double term = smoothing * (max - v / z.length);
      double next = sum + term;
      compensation += CompensatedSum.roundingError(sum, term, next);
      sum = next;
    }
    return finish(sum, compensation) + smoothing * logOfRest;
  }

  /** {@link #smoothingTerm(double[], int, double, double)} for float logits. */
  private static double smoothingTerm(float[] z, int k, double logOfRest, double smoothing) {
    double spread = classSum(z, k, logOfRest, null);
    if (spread < Double.POSITIVE_INFINITY) {
      return (smoothing / z.length) * spread;
    }
    // Float gaps cannot overflow a double sum: S = +∞ means a masked class.
    return Double.POSITIVE_INFINITY;
  }

  /** An infinite or NaN running sum makes the compensation NaN; the sum itself is the answer. */
  static double finish(double sum, double compensation) {
    return Double.isFinite(sum) ? sum + compensation : sum;
  }

  static void requireSameLength(int logits, int labels) {
    if (logits != labels) {
      throw new IllegalArgumentException(
          "Cannot compute cross-entropy: " + labels + " labels for " + logits + " logits");
    }
  }

  static void requireWeights(int logits, int weights) {
    if (logits != weights) {
      throw new IllegalArgumentException(
          "Cannot compute class-weighted cross-entropy: "
              + weights
              + " class weights for "
              + logits
              + " logits");
    }
  }
}
