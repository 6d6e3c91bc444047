package dev.xent.kernel;

import java.util.Arrays;

/**
 * Softmax and log-softmax of a row, both from the max shift, in double.
 *
 * <p>Non-finite behaviour: an empty row gives an empty result; a row with a NaN, a +∞ (the
 * distribution is undefined when two classes are +∞ and degenerate otherwise) or only −∞ entries
 * (0/0) gives all NaN; otherwise a −∞ entry has probability exactly 0 and log-probability −∞.
 */
public final class Softmax {
  private Softmax() {}

  /**
   * The probability of the predicted class (the first maximum k): {@code 1 / (1 + rest)}, rest the
   * mass of the other classes relative to it ({@link Logits#restMass}); the max shift means it
   * never overflows, and it is within an ulp or two of 1/(1 + rest) for any finite row. Non-finite
   * behaviour: an empty row, a NaN, a +∞ or only −∞ entries give NaN; −∞ entries have no mass (a
   * row with one unmasked class gives exactly 1).
   */
  public static double confidence(double[] z) {
    int k = Logits.argmax(z);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    return 1.0 / (1.0 + Logits.restMass(z, k));
  }

  public static double confidence(float[] z) {
    int k = Logits.argmax(z);
    if (k < 0 || !Double.isFinite(z[k])) {
      return Double.NaN;
    }
    return 1.0 / (1.0 + Logits.restMass(z, k));
  }

  public static double[] softmax(double[] z) {
    int k = Logits.argmax(z);
    double[] p = new double[z.length];
    if (k < 0 || !Double.isFinite(z[k])) {
      Arrays.fill(p, Double.NaN);
      return p;
    }
    double max = z[k];
    // p_i = exp(z_i − m) / (1 + rest): one rounding per factor, no overflow for any finite row.
    double denominator = 1.0 + Logits.restMass(z, k);
    for (int i = 0; i < z.length; i++) {
      p[i] = Math.exp(z[i] - max) / denominator;
    }
    return p;
  }

  public static double[] softmax(float[] z) {
    int k = Logits.argmax(z);
    double[] p = new double[z.length];
    if (k < 0 || !Double.isFinite(z[k])) {
      Arrays.fill(p, Double.NaN);
      return p;
    }
    double max = z[k];
    double denominator = 1.0 + Logits.restMass(z, k);
    for (int i = 0; i < z.length; i++) {
      p[i] = Math.exp(z[i] - max) / denominator;
    }
    return p;
  }

  public static double[] logSoftmax(double[] z) {
    int k = Logits.argmax(z);
    double[] logP = new double[z.length];
    if (k < 0 || !Double.isFinite(z[k])) {
      Arrays.fill(logP, Double.NaN);
      return logP;
    }
    double max = z[k];
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    for (int i = 0; i < z.length; i++) {
      // z_i − lse = −((m − z_i) + log1p(rest)): two non-negative terms, no cancellation; 0.0 − x
      // rather than −x so that log p = 0 is +0.0, not −0.0.
      logP[i] = 0.0 - ((max - z[i]) + logOfRest);
    }
    return logP;
  }

  public static double[] logSoftmax(float[] z) {
    int k = Logits.argmax(z);
    double[] logP = new double[z.length];
    if (k < 0 || !Double.isFinite(z[k])) {
      Arrays.fill(logP, Double.NaN);
      return logP;
    }
    double max = z[k];
    double logOfRest = Log1p.of(Logits.restMass(z, k));
    for (int i = 0; i < z.length; i++) {
      logP[i] = 0.0 - ((max - z[i]) + logOfRest);
    }
    return logP;
  }
}
