package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.assertWithinUlps;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link Logits#argmax} (first maximum, with the rules of its "Non-finite values" paragraph) and
 * {@link Logits#restMass} (the mass of the other classes, plain sums in blocks of {@link
 * Logits#BLOCK} summed with compensation), for both precisions.
 */
class LogitsTest {
  private static final double NAN = Double.NaN;
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final float FNAN = Float.NaN;
  private static final float FINF = Float.POSITIVE_INFINITY;

  @Test
  void anEmptyRowHasNoMaximum() {
    assertThat(Logits.argmax(new double[0])).isEqualTo(-1);
    assertThat(Logits.argmax(new float[0])).isEqualTo(-1);
  }

  @Test
  void aRowOfOneHasItsOnlyClassAsMaximumWhateverItsValue() {
    for (double v : new double[] {0.0, -0.0, -INF, INF, NAN, Double.MIN_VALUE, -Double.MAX_VALUE}) {
      assertThat(Logits.argmax(new double[] {v})).as("double %s", v).isZero();
      assertThat(Logits.argmax(new float[] {(float) v})).as("float %s", v).isZero();
    }
  }

  @Test
  void tiesGoToTheLowestIndex() {
    assertThat(Logits.argmax(new double[] {1, 3, 0, 3})).isEqualTo(1);
    assertThat(Logits.argmax(new float[] {1, 3, 0, 3})).isEqualTo(1);
    assertThat(Logits.argmax(new double[] {Double.MAX_VALUE, Double.MAX_VALUE})).isZero();
  }

  @Test
  void minusZeroAndZeroAreEqualSoTheFirstWins() {
    // −0.0 == 0.0 under IEEE comparison: a tie either way round.
    assertThat(Logits.argmax(new double[] {-0.0, 0.0})).isZero();
    assertThat(Logits.argmax(new double[] {0.0, -0.0})).isZero();
    assertThat(Logits.argmax(new float[] {-0.0f, 0.0f})).isZero();
    assertThat(Logits.argmax(new float[] {0.0f, -0.0f})).isZero();
  }

  @Test
  void aNaNRanksAboveEverythingAndTheFirstNaNIsReturned() {
    assertThat(Logits.argmax(new double[] {INF, 1, NAN, NAN})).isEqualTo(2);
    assertThat(Logits.argmax(new double[] {NAN, INF})).isZero();
    assertThat(Logits.argmax(new float[] {FINF, 1, FNAN, FNAN})).isEqualTo(2);
    assertThat(Logits.argmax(new float[] {FNAN, FINF})).isZero();
  }

  @Test
  void plusInfinityIsAnOrdinaryMaximum() {
    assertThat(Logits.argmax(new double[] {Double.MAX_VALUE, INF, INF})).isEqualTo(1);
    assertThat(Logits.argmax(new float[] {Float.MAX_VALUE, FINF, FINF})).isEqualTo(1);
  }

  @Test
  void minusInfinityIsAnOrdinaryMinimum() {
    assertThat(Logits.argmax(new double[] {-INF, -Double.MAX_VALUE})).isEqualTo(1);
    assertThat(Logits.argmax(new float[] {-FINF, -Float.MAX_VALUE})).isEqualTo(1);
    // All −∞: a tie, so the first.
    assertThat(Logits.argmax(new double[] {-INF, -INF, -INF})).isZero();
    assertThat(Logits.argmax(new float[] {-FINF, -FINF, -FINF})).isZero();
  }

  @Test
  void theSmallestSubnormalIsAboveZero() {
    assertThat(Logits.argmax(new double[] {0.0, Double.MIN_VALUE})).isEqualTo(1);
    assertThat(Logits.argmax(new double[] {-Double.MIN_VALUE, -0.0})).isEqualTo(1);
    assertThat(Logits.argmax(new float[] {0.0f, Float.MIN_VALUE})).isEqualTo(1);
  }

  @Test
  void theMaximumOf250000ClassesIsFoundAtTheEnd() {
    double[] z = new double[250_000];
    Arrays.setAll(z, i -> i * 0x1p-20);
    assertThat(Logits.argmax(z)).isEqualTo(249_999);
    assertThat(Logits.argmax(KernelTestSupport.toFloats(z))).isEqualTo(249_999);
  }

  @Test
  void theRestMassOfASingleClassIsZero() {
    assertSameDouble(Logits.restMass(new double[] {-7.5}, 0), 0.0, "double");
    assertSameDouble(Logits.restMass(new float[] {-7.5f}, 0), 0.0, "float");
  }

  @Test
  void theRestMassOfNEqualValuesIsExactlyNMinusOne() {
    // e^0 = 1 exactly, and sums of small integers are exact.
    double[] z = new double[250_000];
    Arrays.fill(z, 3.25);
    assertSameDouble(Logits.restMass(z, 17), 249_999.0, "double");
    assertSameDouble(Logits.restMass(KernelTestSupport.toFloats(z), 17), 249_999.0, "float");
  }

  @Test
  void maskedClassesContributeExactlyNothingToTheRestMass() {
    // e^−∞ = 0 exactly.
    assertSameDouble(Logits.restMass(new double[] {-INF, 2.0, -INF}, 1), 0.0, "double");
    assertSameDouble(Logits.restMass(new float[] {-FINF, 2.0f, -FINF}, 1), 0.0, "float");
  }

  @Test
  void theRestMassIsTheSumOfTheOtherClassesRelativeToTheMaximum() {
    // Σ_{i≠k} e^{z_i − z_k} = e^−1 + e^−2 for [3, 2, 1] with k = 0; the closed form costs three
    // roundings, the kernel two exps and one addition.
    double expected = Math.exp(-1) + Math.exp(-2);
    assertWithinUlps(Logits.restMass(new double[] {3, 2, 1}, 0), expected, 2, "double");
    assertWithinUlps(Logits.restMass(new float[] {3, 2, 1}, 0), expected, 2, "float");
  }

  /**
   * The documented accuracy of the rest mass: plain sums within blocks of {@link Logits#BLOCK}
   * terms err by at most (BLOCK − 1)·u relative (u = 2^-53, Higham §4.2), and the compensated sum
   * of the block sums adds a couple of ulps.
   */
  private static double restMassTolerance(double exact) {
    return (Logits.BLOCK - 1) * 0x1p-53 * exact + 2 * Math.ulp(exact);
  }

  @Test
  void theRestMassKeepsTermsThatPlainSummationOfTheRowWouldDrop() {
    // One term of 1 and 249,998 terms of e^−40 ≈ 4.2e-18, each below half an ulp of 1 (1.1e-16):
    // summed left to right they all vanish, an error of 1.06e-12, twenty times the bound.
    double[] z = new double[250_000];
    Arrays.fill(z, -40.0);
    z[0] = 0.0;
    z[1] = 0.0;
    double expected = 1.0 + 249_998 * Math.exp(-40);
    assertThat(Logits.restMass(z, 0))
        .as("double")
        .isCloseTo(expected, within(restMassTolerance(expected)));
    assertThat(Logits.restMass(KernelTestSupport.toFloats(z), 0))
        .as("float")
        .isCloseTo(expected, within(restMassTolerance(expected)));
  }

  @Test
  void theRestMassOfAWideRowIsWithinTheBlockBound() {
    // 249,999 terms of e^−ln 2 ≈ 1/2 (the maximum is −3 + ln 2, the rest −3): rest = 249,999·x
    // with x = e^(−3 − (−3 + ln 2)); the difference is exact, so x is one Math.exp away.
    double[] z = new double[250_000];
    Arrays.fill(z, -3.0);
    z[4_321] = -3.0 + Math.log(2);
    double expected = 249_999 * Math.exp(-3.0 - z[4_321]);
    assertThat(Logits.restMass(z, 4_321)).isCloseTo(expected, within(restMassTolerance(expected)));
  }

  @Test
  void theFloatRestMassOfTheLargestFloatsIsZero() {
    // −Float.MAX − Float.MAX = −6.8e38 is finite in double, and e^−6.8e38 underflows to 0.
    assertSameDouble(
        Logits.restMass(new float[] {Float.MAX_VALUE, -Float.MAX_VALUE}, 0), 0.0, "float");
  }

  @Test
  void theFloatRestMassTakesItsDifferencesInDouble() {
    // 2^-30 − (1 + 2^-23) is exact in double but rounds to −(1 + 2^-23) in float, which would
    // change e^difference by 9e-10 relative, millions of ulps.
    float max = 1.0f + 0x1p-23f;
    float other = 0x1p-30f;
    double expected = Math.exp(0x1p-30 - (1.0 + 0x1p-23));
    assertWithinUlps(Logits.restMass(new float[] {max, other}, 0), expected, 1, "float");
  }
}
