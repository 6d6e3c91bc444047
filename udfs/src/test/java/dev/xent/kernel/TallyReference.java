package dev.xent.kernel;

import static dev.xent.kernel.Rounding.assertIsRounded;
import static dev.xent.kernel.Rounding.assertIsRoundedQuotient;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.util.Arrays;

/**
 * The per-class breakdown computed the slow, obvious way, as the tests' reference for {@link
 * ClassTally}: BigDecimal sums ({@code new BigDecimal(double)} and BigDecimal products are exact),
 * and checks that each double of a {@link ClassStats} is the exact value rounded once.
 */
final class TallyReference {
  private static final BigDecimal TWO = BigDecimal.valueOf(2);

  private long[] support = new long[0];
  private long[] predicted = new long[0];
  private BigDecimal[] s = new BigDecimal[0];
  private BigDecimal[] p = new BigDecimal[0];
  private BigDecimal[] t = new BigDecimal[0];
  private BigDecimal[] l = new BigDecimal[0];
  private boolean[] infiniteLoss = new boolean[0];

  private void grow(int n) {
    if (n > support.length) {
      int old = support.length;
      support = Arrays.copyOf(support, n);
      predicted = Arrays.copyOf(predicted, n);
      s = Arrays.copyOf(s, n);
      p = Arrays.copyOf(p, n);
      t = Arrays.copyOf(t, n);
      l = Arrays.copyOf(l, n);
      infiniteLoss = Arrays.copyOf(infiniteLoss, n);
      for (BigDecimal[] a : new BigDecimal[][] {s, p, t, l}) {
        Arrays.fill(a, old, n, BigDecimal.ZERO);
      }
    }
  }

  void add(int label, int predictedClass, double loss, double weight) {
    grow(Math.max(label, predictedClass) + 1);
    support[label]++;
    predicted[predictedClass]++;
    BigDecimal w = new BigDecimal(weight);
    s[label] = s[label].add(w);
    p[predictedClass] = p[predictedClass].add(w);
    if (label == predictedClass) {
      t[label] = t[label].add(w);
    }
    if (weight > 0) {
      if (loss == Double.POSITIVE_INFINITY) {
        infiniteLoss[label] = true;
      } else {
        l[label] = l[label].add(w.multiply(new BigDecimal(loss)));
      }
    }
  }

  int classes() {
    return support.length;
  }

  /** Checks class c of {@code stats} against the exact values, field by field. */
  void check(ClassStats stats, int c, String what) {
    String at = what + ", class " + c;
    assertThat(stats.support(c)).as("%s: support", at).isEqualTo(support[c]);
    assertThat(stats.predicted(c)).as("%s: predicted", at).isEqualTo(predicted[c]);
    assertIsRounded(stats.weightSum(c), s[c], at + ": S");
    assertIsRounded(stats.predictedWeight(c), p[c], at + ": P");
    assertIsRounded(stats.truePositiveWeight(c), t[c], at + ": T");
    if (infiniteLoss[c]) {
      assertThat(stats.lossSum(c)).as("%s: L", at).isEqualTo(Double.POSITIVE_INFINITY);
      assertThat(stats.meanLoss(c)).as("%s: mean loss", at).isEqualTo(Double.POSITIVE_INFINITY);
    } else {
      assertIsRounded(stats.lossSum(c), l[c], at + ": L");
      if (s[c].signum() > 0) {
        assertIsRoundedQuotient(stats.meanLoss(c), l[c], s[c], at + ": mean loss");
      }
    }
    if (s[c].signum() > 0) {
      assertIsRoundedQuotient(stats.recall(c), t[c], s[c], at + ": recall");
    } else {
      assertThat(stats.meanLoss(c)).as("%s: mean loss without weight", at).isNaN();
      assertThat(stats.recall(c)).as("%s: recall without weight", at).isNaN();
    }
    if (p[c].signum() > 0) {
      assertIsRoundedQuotient(stats.precision(c), t[c], p[c], at + ": precision");
    } else {
      assertThat(stats.precision(c)).as("%s: precision never predicted", at).isNaN();
    }
    BigDecimal both = s[c].add(p[c]);
    if (both.signum() > 0) {
      assertIsRoundedQuotient(stats.f1(c), TWO.multiply(t[c]), both, at + ": f1");
    } else {
      assertThat(stats.f1(c)).as("%s: f1 of an empty class", at).isNaN();
    }
  }

  /** Checks every class, then the macro means as the exact means of the per-class doubles. */
  void checkAll(ClassStats stats, String what) {
    assertThat(stats.classes()).as("%s: classes", what).isEqualTo(classes());
    BigDecimal recallSum = BigDecimal.ZERO;
    BigDecimal f1Sum = BigDecimal.ZERO;
    long withWeight = 0;
    long withF1 = 0;
    for (int c = 0; c < classes(); c++) {
      check(stats, c, what);
      if (s[c].signum() > 0) {
        recallSum = recallSum.add(new BigDecimal(stats.recall(c)));
        withWeight++;
      }
      if (s[c].add(p[c]).signum() > 0) {
        f1Sum = f1Sum.add(new BigDecimal(stats.f1(c)));
        withF1++;
      }
    }
    if (withWeight == 0) {
      assertThat(stats.macroRecall()).as("%s: macro recall", what).isNaN();
    } else {
      assertIsRoundedQuotient(
          stats.macroRecall(), recallSum, BigDecimal.valueOf(withWeight), what + ": macro recall");
    }
    if (withF1 == 0) {
      assertThat(stats.macroF1()).as("%s: macro f1", what).isNaN();
    } else {
      assertIsRoundedQuotient(
          stats.macroF1(), f1Sum, BigDecimal.valueOf(withF1), what + ": macro f1");
    }
  }
}
