package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link CalibrationParts}: the limbs add up to the value exactly (checked in BigDecimal), the bin
 * is the ceiling rule computed on the exact product, and {@link VectorCalibration}'s loops give the
 * scalar definition's bins and limbs at both widths.
 */
class CalibrationPartsTest {
  private static final int BLOCK = CalibrationParts.BLOCK;

  /** Values in [0, 1] that matter: the ends, the split's limit and its neighbours, halves. */
  private static final double[] EDGES = {
    0.0,
    1.0,
    Math.nextDown(1.0),
    0.5,
    Math.nextUp(0.5),
    0x1p-51,
    Math.nextDown(0x1p-51),
    0x1p-52,
    0x1p-101,
    Math.nextUp(0x1p-101),
    0x1.fffffffffffffp-60,
    1.0 / 3,
    2.0 / 3,
    0.1,
    0.7
  };

  private static double randomValue(SplittableRandom random) {
    return switch (random.nextInt(6)) {
      case 0 -> EDGES[random.nextInt(EDGES.length)];
      case 1 -> Math.scalb(1.0 + random.nextDouble(), -random.nextInt(1, 102));
      case 2 -> Math.nextDown(1.0 - random.nextDouble() * 1e-12);
      default -> random.nextDouble();
    };
  }

  @Test
  void limbsAddUpToTheValueExactly() {
    SplittableRandom random = new SplittableRandom(5);
    long[] limbs = new long[3];
    for (int i = 0; i < 200_000; i++) {
      double v = i < EDGES.length ? EDGES[i] : randomValue(random);
      assertThat(CalibrationParts.splits(v)).isTrue();
      CalibrationParts.split(v, limbs, 0, 1);
      BigDecimal sum =
          new BigDecimal(limbs[0])
              .multiply(new BigDecimal(0x1p-51))
              .add(new BigDecimal(limbs[1]).multiply(new BigDecimal(0x1p-102)))
              .add(new BigDecimal(limbs[2]).multiply(new BigDecimal(0x1p-153)));
      assertThat(sum.compareTo(new BigDecimal(v))).as("limbs of %s", v).isZero();
      for (long limb : limbs) {
        assertThat(Math.abs(limb)).as("a limb of %s", v).isLessThanOrEqualTo(1L << 51);
      }
    }
  }

  @Test
  void valuesBelowTheSplitsLimitAreNotSplit() {
    assertThat(CalibrationParts.splits(Math.nextDown(0x1p-101))).isFalse();
    assertThat(CalibrationParts.splits(Double.MIN_NORMAL)).isFalse();
    assertThat(CalibrationParts.splits(Double.MIN_VALUE)).isFalse();
    assertThat(CalibrationParts.splits(0.0)).isTrue();
  }

  /** The bin from the exact product p·B in BigDecimal: max(0, ⌈p·B⌉ − 1), at most B − 1. */
  private static int exactBin(double p, int bins) {
    BigDecimal product = new BigDecimal(p).multiply(BigDecimal.valueOf(bins));
    int ceiling = product.setScale(0, RoundingMode.CEILING).intValueExact();
    return Math.min(bins - 1, Math.max(0, ceiling - 1));
  }

  @Test
  void theBinIsTheCeilingOfTheExactProduct() {
    SplittableRandom random = new SplittableRandom(6);
    for (int bins : new int[] {1, 2, 3, 7, 10, 15, 49, 1000}) {
      for (int b = 0; b <= bins; b++) {
        double edge = (double) b / bins;
        for (double p : new double[] {edge, Math.nextUp(edge), Math.nextDown(edge)}) {
          if (p >= 0 && p <= 1) {
            assertThat(CalibrationParts.bin(p, bins))
                .as("%s of %s", p, bins)
                .isEqualTo(exactBin(p, bins));
          }
        }
      }
      for (int i = 0; i < 20_000; i++) {
        double p = randomValue(random);
        assertThat(CalibrationParts.bin(p, bins))
            .as("%s of %s", p, bins)
            .isEqualTo(exactBin(p, bins));
      }
    }
  }

  /** A block of probabilities and targets, with edge values and (when asked) unsplittable ones. */
  private static void fill(
      SplittableRandom random, double[] p, double[] t, int bins, boolean tiny) {
    for (int k = 0; k < p.length; k++) {
      p[k] =
          random.nextInt(4) == 0 ? (double) random.nextInt(bins + 1) / bins : randomValue(random);
      t[k] = random.nextInt(3) == 0 ? random.nextInt(2) : randomValue(random);
    }
    if (tiny) {
      double small = Math.scalb(1.0, -random.nextInt(102, 1075));
      (random.nextBoolean() ? p : t)[random.nextInt(p.length)] = small;
    }
  }

  @Test
  void vectorLoopsGiveTheScalarBinsAndLimbs() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    assumeTrue(VectorRows.supported());
    SplittableRandom random = new SplittableRandom(7);
    long[] expectedBins = new long[BLOCK];
    long[] expectedLimbs = new long[6 * BLOCK];
    long[] bins = new long[BLOCK];
    long[] limbs = new long[6 * BLOCK];
    // Enough rounds that the 256-bit loop (and on AVX-512 the 512-bit one) is compiled by C2
    // before the end; the other width runs its fallback, which is slow, so fewer of them.
    for (int round = 0; round < 6_000; round++) {
      int n = round % 10 == 0 ? random.nextInt(BLOCK + 1) : random.nextInt(40);
      int binCount = new int[] {1, 3, 10, 15, 100}[random.nextInt(5)];
      int pFrom = random.nextInt(3);
      int tFrom = random.nextInt(3);
      double[] p = new double[pFrom + n];
      double[] t = new double[tFrom + n];
      double[] pv = new double[n];
      double[] tv = new double[n];
      boolean tiny = n > 0 && random.nextInt(8) == 0;
      fill(random, pv, tv, binCount, tiny);
      System.arraycopy(pv, 0, p, pFrom, n);
      System.arraycopy(tv, 0, t, tFrom, n);
      boolean expected =
          CalibrationParts.scalarParts(
              p, pFrom, t, tFrom, 0, n, binCount, expectedBins, expectedLimbs);
      assertThat(expected).isEqualTo(!tiny);
      boolean wide = VectorRows.WIDE || round % 20 == 0;
      for (int width : wide ? new int[] {256, 512} : new int[] {256}) {
        Arrays.fill(bins, -1);
        Arrays.fill(limbs, -1);
        boolean split =
            width == 512
                ? VectorCalibration.parts512(p, pFrom, t, tFrom, n, binCount, bins, limbs)
                : VectorCalibration.parts256(p, pFrom, t, tFrom, n, binCount, bins, limbs);
        assertThat(split).as("round %d, %d bits", round, width).isEqualTo(expected);
        if (expected) {
          assertThat(Arrays.copyOf(bins, n))
              .as("bins, round %d", round)
              .isEqualTo(Arrays.copyOf(expectedBins, n));
          for (int j = 0; j < 6; j++) {
            assertThat(Arrays.copyOfRange(limbs, j * BLOCK, j * BLOCK + n))
                .as("limb %d, round %d, %d bits", j, round, width)
                .isEqualTo(Arrays.copyOfRange(expectedLimbs, j * BLOCK, j * BLOCK + n));
          }
        }
      }
    }
  }
}
