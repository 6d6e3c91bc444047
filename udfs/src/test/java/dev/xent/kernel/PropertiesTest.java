package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Seeded property tests over random rows (widths 1..300, mixed scales). Every failure message names
 * the seed and the row, so a failure reproduces.
 */
class PropertiesTest {
  private static final long SEED = 0x5EED_2026L;
  private static final int ROWS = 300;

  private interface RowCheck {
    void check(double[] z, SplittableRandom random, String where);
  }

  private static void forRandomRows(RowCheck check) {
    SplittableRandom seeds = new SplittableRandom(SEED);
    for (int r = 0; r < ROWS; r++) {
      long seed = seeds.nextLong();
      SplittableRandom random = new SplittableRandom(seed);
      int width = 1 + random.nextInt(300);
      double scale = Math.pow(10, random.nextInt(-2, 4));
      double[] z = new double[width];
      for (int i = 0; i < width; i++) {
        z[i] = random.nextGaussian() * scale;
      }
      check.check(z, random, "seed " + seed + ", row " + Arrays.toString(z));
    }
  }

  @Test
  void shiftingEveryLogitShiftsTheLogSumExp() {
    forRandomRows(
        (z, random, where) -> {
          // z + c rounds (the rows are not on a binary grid), so allow a few ulps of the scale;
          // LogSumExpTest checks the exact identity on rows where the shift is exact.
          double c = random.nextInt(-800, 800) / 8.0;
          double[] shifted = Arrays.stream(z).map(v -> v + c).toArray();
          double lse = LogSumExp.logSumExp(z);
          double max = Arrays.stream(z).map(Math::abs).max().orElseThrow();
          assertThat(LogSumExp.logSumExp(shifted))
              .as(where)
              .isCloseTo(lse + c, within(8e-16 * (max + Math.abs(c) + 1)));
        });
  }

  @Test
  void softmaxSumsToOneAndMatchesTheExponentialOfLogSoftmax() {
    forRandomRows(
        (z, random, where) -> {
          double[] p = Softmax.softmax(z);
          double[] logP = Softmax.logSoftmax(z);
          assertThat(Arrays.stream(p).sum()).as(where).isCloseTo(1.0, within(1e-12));
          for (int i = 0; i < z.length; i++) {
            assertThat(logP[i]).as(where).isLessThanOrEqualTo(0.0);
            assertThat(p[i]).as(where).isBetween(0.0, 1.0);
            // exp amplifies an absolute error in logP by p: compare with a relative bound.
            assertThat(Math.exp(logP[i]))
                .as(where)
                .isCloseTo(p[i], within(1e-12 * p[i] * (1 + Math.abs(logP[i])) + Double.MIN_VALUE));
          }
        });
  }

  @Test
  void lossesAreNonNegativeAndSparseEqualsOneHotDense() {
    forRandomRows(
        (z, random, where) -> {
          int label = random.nextInt(z.length);
          double sparse = SoftmaxCrossEntropy.sparse(z, label);
          double[] oneHot = new double[z.length];
          oneHot[label] = 1.0;
          assertThat(sparse).as(where).isGreaterThanOrEqualTo(0.0);
          assertThat(SoftmaxCrossEntropy.dense(z, oneHot)).as(where).isEqualTo(sparse);
          // log_softmax[y] = −loss, exactly the same expression.
          assertThat(Softmax.logSoftmax(z)[label]).as(where).isEqualTo(0.0 - sparse);
        });
  }

  @Test
  void crossEntropyIsSmallestWhenTheModelMatchesTheLabels() {
    forRandomRows(
        (z, random, where) -> {
          double[] p = Softmax.softmax(z);
          // H(p, softmax(z)) with p = softmax(z) is the entropy H(p): between 0 and ln C.
          double entropy = SoftmaxCrossEntropy.dense(z, p);
          double slack = 1e-12 * (1 + entropy);
          assertThat(entropy).as(where).isBetween(-slack, Math.log(z.length) + slack);
          // Gibbs: any other model z' has H(p, softmax(z')) ≥ H(p).
          double[] other = Arrays.stream(z).map(v -> v + random.nextGaussian()).toArray();
          assertThat(SoftmaxCrossEntropy.dense(other, p))
              .as(where)
              .isGreaterThanOrEqualTo(entropy - slack);
        });
  }

  @Test
  void floatAndDoubleOverloadsAgreeOnWidenedFloats() {
    forRandomRows(
        (z, random, where) -> {
          float[] f = new float[z.length];
          double[] widened = new double[z.length];
          for (int i = 0; i < z.length; i++) {
            f[i] = (float) z[i];
            widened[i] = f[i];
          }
          int label = random.nextInt(z.length);
          assertThat(SoftmaxCrossEntropy.sparse(f, label))
              .as(where)
              .isEqualTo(SoftmaxCrossEntropy.sparse(widened, label));
          assertThat(LogSumExp.logSumExp(f)).as(where).isEqualTo(LogSumExp.logSumExp(widened));
          assertThat(Softmax.logSoftmax(f)).as(where).isEqualTo(Softmax.logSoftmax(widened));
          assertThat(Logits.argmax(f)).as(where).isEqualTo(Logits.argmax(widened));
          double[] t = new double[z.length];
          Arrays.setAll(t, i -> random.nextDouble());
          assertThat(SigmoidCrossEntropy.row(f, t))
              .as(where)
              .isEqualTo(SigmoidCrossEntropy.row(widened, t));
        });
  }

  @Test
  void sigmoidLossAgreesWithTheTextbookFormAndIsSmallestAtTheMatchingLogit() {
    forRandomRows(
        (z, random, where) -> {
          double zj = z[0];
          double t = random.nextDouble();
          double loss = SigmoidCrossEntropy.element(zj, t);
          assertThat(loss).as(where).isGreaterThanOrEqualTo(0.0);
          double textbook = Math.max(zj, 0) - zj * t + Math.log1p(Math.exp(-Math.abs(zj)));
          assertThat(loss).as(where).isCloseTo(textbook, within(1e-15 * (1 + Math.abs(zj))));
          // For a fixed target t the loss is smallest at σ(z) = t, where it is the binary entropy
          // H(t) = −t ln t − (1−t) ln(1−t).
          double entropy = -t * Math.log(t) - (1 - t) * Math.log1p(-t);
          double atMatchingLogit = SigmoidCrossEntropy.element(Math.log(t / (1 - t)), t);
          assertThat(atMatchingLogit).as(where).isCloseTo(entropy, within(1e-13));
          assertThat(loss).as(where).isGreaterThanOrEqualTo(entropy - 1e-13);
        });
  }

  @Test
  void scoringGivesTheSameLogitsVerdictAsValidityInOnePass() {
    double[] specials = {Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, -0.0};
    forRandomRows(
        (z, random, where) -> {
          double[] row = z.clone();
          // Sprinkle specials (sometimes every entry −∞) so every verdict occurs.
          boolean allMasked = random.nextInt(8) == 0;
          for (int i = 0; i < row.length; i++) {
            if (allMasked) {
              row[i] = Double.NEGATIVE_INFINITY;
            } else if (random.nextInt(10) == 0) {
              row[i] = specials[random.nextInt(specials.length)];
            }
          }
          Reason expected = Validity.logits(row, true);
          Reason scored = Scoring.sparse(row, 0).reason();
          assertThat(scored).as(where + " " + Arrays.toString(row)).isEqualTo(expected);
          float[] f = new float[row.length];
          for (int i = 0; i < row.length; i++) {
            f[i] = (float) row[i];
          }
          assertThat(Scoring.dense(f, oneHot(row.length)).reason())
              .as(where)
              .isEqualTo(Validity.logits(f, true));
        });
    assertThat(Scoring.sparse(new double[0], 0).reason()).isEqualTo(Reason.EMPTY_LOGITS);
  }

  private static double[] oneHot(int n) {
    double[] p = new double[n];
    p[0] = 1;
    return p;
  }
}
