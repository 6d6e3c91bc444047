package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorSigmoid} against the scalar definition {@link SigmoidCrossEntropy#scalarElements},
 * bit for bit, at both register widths, interpreted and after C2 has compiled both: element losses
 * and probabilities over widths, offsets, and logits at the edges (±0, ±∞, NaN, subnormals, around
 * the fast exp's limit, beyond the float range).
 */
class VectorSigmoidTest {

  private static final double[] EDGES = {
    0.0,
    -0.0,
    Double.MIN_VALUE,
    -Double.MIN_VALUE,
    1e-300,
    0.8813735870195429, // |z| where e^−|z| = √2 − 1: log1p's reduction changes k near here
    0.88137358,
    0.3465735902799726, // e^−|z| = 1/√2 · √2 …: u near √2
    37.4,
    43.7,
    706.9,
    707.0,
    707.0000000000001,
    708.3,
    745.2,
    1e30,
    Double.MAX_VALUE,
    Double.POSITIVE_INFINITY,
    Double.NaN
  };

  @Test
  void simdElementsEqualTheScalarDefinitionBitForBit() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    assumeTrue(VectorRows.supported());
    SplittableRandom random = new SplittableRandom(2026_12_03);
    int checked = 0;
    for (int round = 0; round < 30_000; round++) {
      int n = round % 64 == 0 ? 1 + random.nextInt(SigmoidCrossEntropy.BLOCK) : random.nextInt(41);
      int zFrom = random.nextInt(5);
      int tFrom = random.nextInt(5);
      double[] z = new double[zFrom + n];
      double[] t = new double[tFrom + n];
      for (int i = 0; i < n; i++) {
        z[zFrom + i] = logit(random);
        t[tFrom + i] =
            switch (random.nextInt(6)) {
              case 0 -> 0.0;
              case 1 -> 1.0;
              case 2 -> Math.scalb(random.nextDouble(), -random.nextInt(1100));
              default -> random.nextDouble();
            };
      }
      if (n > 0 && round % 97 == 0) {
        t[tFrom + random.nextInt(n)] = Double.NaN;
      }
      double[] scalarLoss = new double[n];
      double[] scalarP = new double[n];
      SigmoidCrossEntropy.scalarElements(z, zFrom, t, tFrom, scalarLoss, scalarP, 0, n);
      double[] loss = new double[n];
      double[] p = new double[n];
      VectorSigmoid.elements256(z, zFrom, t, tFrom, loss, p, n);
      assertSame(loss, scalarLoss, "loss, 256-bit, round " + round, z, zFrom, t, tFrom);
      assertSame(p, scalarP, "σ, 256-bit, round " + round, z, zFrom, t, tFrom);
      if (VectorRows.WIDE) {
        loss = new double[n];
        p = new double[n];
        VectorSigmoid.elements512(z, zFrom, t, tFrom, loss, p, n);
        assertSame(loss, scalarLoss, "loss, 512-bit, round " + round, z, zFrom, t, tFrom);
        assertSame(p, scalarP, "σ, 512-bit, round " + round, z, zFrom, t, tFrom);
      }
      checked++;
    }
    assertThat(checked).isEqualTo(30_000);
  }

  /** Rows of either precision give the scalar definition's sum, whichever loop ran them. */
  @Test
  void rowLossIsTheEightLaneCompensatedSumOfTheScalarElements() {
    SplittableRandom random = new SplittableRandom(5);
    for (int round = 0; round < 2_000; round++) {
      int n =
          round % 50 == 0 ? 1 + random.nextInt(3 * SigmoidCrossEntropy.BLOCK) : random.nextInt(120);
      float[] floats = new float[n];
      double[] z = new double[n];
      double[] t = new double[n];
      for (int i = 0; i < n; i++) {
        floats[i] = (float) (random.nextGaussian() * 6);
        z[i] = floats[i];
        t[i] = random.nextDouble();
      }
      // The definition written out: element i in lane i mod 8, each compensated (Neumaier), the
      // lanes' sums added in order with their compensations.
      double[] sums = new double[8];
      double[] compensations = new double[8];
      for (int i = 0; i < n; i++) {
        double term = SigmoidCrossEntropy.element(z[i], t[i]);
        double next = sums[i % 8] + term;
        compensations[i % 8] += CompensatedSum.roundingError(sums[i % 8], term, next);
        sums[i % 8] = next;
      }
      double compensation = compensations[0];
      for (int lane = 1; lane < 8; lane++) {
        compensation += compensations[lane];
      }
      double sum = sums[0];
      for (int lane = 1; lane < 8; lane++) {
        double next = sum + sums[lane];
        compensation += CompensatedSum.roundingError(sum, sums[lane], next);
        sum = next;
      }
      double expected = Double.isFinite(sum) ? sum + compensation : sum;
      // And within an ulp of the element sum in BigDecimal, rounded once.
      java.math.BigDecimal exact = java.math.BigDecimal.ZERO;
      for (int i = 0; i < n; i++) {
        exact = exact.add(new java.math.BigDecimal(SigmoidCrossEntropy.element(z[i], t[i])));
      }
      assertThat(Math.abs(expected - exact.doubleValue()))
          .as("row %d against the exact sum of its elements", round)
          .isLessThanOrEqualTo(Math.ulp(exact.doubleValue()));
      assertThat(SigmoidCrossEntropy.row(floats, t)).as("float row %d", round).isEqualTo(expected);
      assertThat(SigmoidCrossEntropy.row(z, t)).as("double row %d", round).isEqualTo(expected);
    }
  }

  /**
   * The vector lane sums against the scalar ones, all eight lanes to the bit (both keep the exact
   * error of each addition): terms of either sign over the whole exponent range, exact
   * cancellations, signed zeros and subnormals, several calls carrying the lanes on.
   */
  @Test
  void simdLaneSumsEqualTheScalarLaneSumsBitForBit() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    assumeTrue(VectorRows.supported());
    assertLaneSumsEqualTheScalarOnes(VectorSigmoid::laneSums256, "256-bit");
    if (VectorRows.WIDE) {
      assertLaneSumsEqualTheScalarOnes(VectorSigmoid::laneSums512, "512-bit");
    }
  }

  /** {@link VectorSigmoid#laneSums512} or {@link VectorSigmoid#laneSums256}. */
  private interface LaneSums {
    void add(double[] loss, int n, double[] lanes);
  }

  private static void assertLaneSumsEqualTheScalarOnes(LaneSums laneSums, String width) {
    SplittableRandom random = new SplittableRandom(2026_12_06);
    int nonZeroCompensations = 0;
    for (int round = 0; round < 3_000; round++) {
      double[] scalar = new double[16];
      double[] vector = new double[16];
      for (int call = 0; call < 3; call++) {
        int n = 8 * random.nextInt(25);
        double[] terms = new double[n];
        for (int i = 0; i < n; i++) {
          terms[i] = term(random, terms, i);
        }
        SigmoidCrossEntropy.scalarLaneSums(terms, n, scalar);
        laneSums.add(terms, n, vector);
        for (int lane = 0; lane < 16; lane++) {
          assertThat(Double.doubleToRawLongBits(vector[lane]))
              .as(
                  "%s, round %d, call %d, lane %d: %s vs %s",
                  width, round, call, lane, vector[lane], scalar[lane])
              .isEqualTo(Double.doubleToRawLongBits(scalar[lane]));
        }
      }
      nonZeroCompensations += scalar[8] != 0 ? 1 : 0;
    }
    // The errors were there to keep, in most rounds.
    assertThat(nonZeroCompensations).isGreaterThan(1_500);
  }

  /**
   * With ∞, NaN or an overflowing lane the compensations may differ, but the lanes' sums do not and
   * neither does the row's sum from them.
   */
  @Test
  void simdLaneSumsGiveTheScalarRowSumWithNonFiniteTerms() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    assumeTrue(VectorRows.supported());
    assertNonFiniteRowSums(VectorSigmoid::laneSums256, "256-bit");
    if (VectorRows.WIDE) {
      assertNonFiniteRowSums(VectorSigmoid::laneSums512, "512-bit");
    }
  }

  private static void assertNonFiniteRowSums(LaneSums laneSums, String width) {
    double[] specials = {
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY,
      Double.NaN,
      Double.MAX_VALUE,
      -Double.MAX_VALUE
    };
    SplittableRandom random = new SplittableRandom(7);
    for (int round = 0; round < 3_000; round++) {
      int n = 8 * (1 + random.nextInt(20));
      double[] terms = new double[n];
      for (int i = 0; i < n; i++) {
        terms[i] =
            random.nextInt(8) == 0
                ? specials[random.nextInt(specials.length)]
                : term(random, terms, i);
      }
      double[] scalar = new double[16];
      double[] vector = new double[16];
      SigmoidCrossEntropy.scalarLaneSums(terms, n, scalar);
      laneSums.add(terms, n, vector);
      for (int lane = 0; lane < 8; lane++) {
        assertThat(Double.doubleToLongBits(vector[lane]))
            .as("%s, round %d, lane %d", width, round, lane)
            .isEqualTo(Double.doubleToLongBits(scalar[lane]));
      }
      assertThat(Double.doubleToLongBits(SigmoidCrossEntropy.rowSum(vector)))
          .as("%s, round %d", width, round)
          .isEqualTo(Double.doubleToLongBits(SigmoidCrossEntropy.rowSum(scalar)));
    }
  }

  /** Once the kernels have switched to SIMD, rows take the vector lane sums, with the same sums. */
  @Test
  void rowLossIsTheScalarDefinitionOnceTheVectorLoopsAreOn() throws InterruptedException {
    SimdSwitch.awaitSimd();
    rowLossIsTheEightLaneCompensatedSumOfTheScalarElements();
  }

  /** A finite term of either sign, often the negation or a near neighbour of an earlier one. */
  private static double term(SplittableRandom random, double[] terms, int i) {
    double sign = random.nextBoolean() ? 1 : -1;
    return switch (random.nextInt(6)) {
      case 0 -> i > 0 ? -terms[random.nextInt(i)] : 0.0;
      case 1 -> i > 0 ? Math.nextUp(terms[random.nextInt(i)]) * 0x1p-30 : -0.0;
      case 2 -> sign * Math.scalb(1.0 + random.nextDouble(), random.nextInt(-1074, 1000));
      case 3 -> sign * Double.MIN_VALUE * random.nextInt(1 << 20);
      default -> sign * Math.scalb(1.0 + random.nextDouble(), random.nextInt(-60, 60));
    };
  }

  private static double logit(SplittableRandom random) {
    double sign = random.nextBoolean() ? 1 : -1;
    return switch (random.nextInt(8)) {
      case 0 -> EDGES[random.nextInt(EDGES.length)] * sign;
      case 1 -> sign * Math.scalb(1.0 + random.nextDouble(), random.nextInt(-1074, 11));
      case 2 -> (float) (random.nextGaussian() * 3);
      default -> random.nextGaussian() * 8;
    };
  }

  private static void assertSame(
      double[] actual,
      double[] expected,
      String what,
      double[] z,
      int zFrom,
      double[] t,
      int tFrom) {
    for (int i = 0; i < expected.length; i++) {
      // NaN is NaN whatever its payload; every other value to the bit.
      assertThat(Double.doubleToLongBits(actual[i]))
          .as("%s, element %d: z = %s, t = %s", what, i, z[zFrom + i], t[tFrom + i])
          .isEqualTo(Double.doubleToLongBits(expected[i]));
    }
  }
}
