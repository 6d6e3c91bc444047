package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Shared pieces of the kernel tests: seeded trials whose failures name their seed, random logit
 * rows, and comparisons that tell −0.0 from 0.0 (AssertJ's {@code isEqualTo(double)} uses {@code
 * ==}, which does not).
 */
final class KernelTestSupport {
  /** The distance from 1.0 to the next double, 2^-52. */
  static final double EPS = Math.ulp(1.0);

  private KernelTestSupport() {}

  /** One seeded trial; {@code random} is the only source of randomness it may use. */
  interface Trial {
    void run(SplittableRandom random) throws Exception;
  }

  /**
   * Runs {@code trials} trials, each with its own seed drawn from {@code masterSeed}; a failure is
   * rethrown with the seed in its message, so {@code new SplittableRandom(seed)} reproduces it.
   */
  static void forEachSeed(long masterSeed, int trials, Trial trial) {
    SplittableRandom seeds = new SplittableRandom(masterSeed);
    for (int i = 0; i < trials; i++) {
      long seed = seeds.nextLong();
      try {
        trial.run(new SplittableRandom(seed));
      } catch (Throwable e) {
        throw new AssertionError(
            "trial " + i + " failed; reproduce with new SplittableRandom(" + seed + "L): " + e, e);
      }
    }
  }

  /**
   * A random logit row: width 1..300, Gaussian values of scale 0.01 to 1000, sometimes shifted far
   * from 0, sometimes with masked (−∞) classes (never all of them) and sometimes with ties.
   */
  static double[] randomLogits(SplittableRandom random) {
    int width = random.nextInt(1, 301);
    double scale = Math.pow(10, random.nextInt(-2, 4));
    double offset = random.nextInt(4) == 0 ? random.nextGaussian() * 1e4 : 0.0;
    double[] z = new double[width];
    for (int i = 0; i < width; i++) {
      z[i] = offset + random.nextGaussian() * scale;
    }
    if (width > 1 && random.nextInt(6) == 0) {
      int keep = random.nextInt(width);
      for (int i = 0; i < width; i++) {
        if (i != keep && random.nextInt(4) == 0) {
          z[i] = Double.NEGATIVE_INFINITY;
        }
      }
    }
    if (width > 1 && random.nextInt(6) == 0) {
      for (int copies = random.nextInt(1, width); copies > 0; copies--) {
        z[random.nextInt(width)] = z[random.nextInt(width)];
      }
    }
    return z;
  }

  /** A random probability row of the given width (non-negative, summing to 1 up to rounding). */
  static double[] randomDistribution(SplittableRandom random, int width) {
    double[] p = new double[width];
    double total = 0.0;
    for (int i = 0; i < width; i++) {
      p[i] = random.nextInt(3) == 0 ? 0.0 : random.nextDouble();
      total += p[i];
    }
    if (total == 0.0) {
      p[random.nextInt(width)] = 1.0;
      return p;
    }
    for (int i = 0; i < width; i++) {
      p[i] /= total;
    }
    return p;
  }

  static float[] toFloats(double[] z) {
    float[] f = new float[z.length];
    for (int i = 0; i < z.length; i++) {
      f[i] = (float) z[i];
    }
    return f;
  }

  static double[] widen(float[] f) {
    double[] z = new double[f.length];
    for (int i = 0; i < f.length; i++) {
      z[i] = f[i];
    }
    return z;
  }

  static double[] oneHot(int width, int label) {
    double[] p = new double[width];
    p[label] = 1.0;
    return p;
  }

  /** The same double, bit for bit (NaNs compare equal; −0.0 and 0.0 do not). */
  static void assertSameDouble(double actual, double expected, String what) {
    assertThat(Double.compare(actual, expected))
        .as("%s: expected %s but was %s", what, expected, actual)
        .isZero();
  }

  static void assertSameDoubles(double[] actual, double... expected) {
    assertThat(actual.length)
        .as("length of %s", Arrays.toString(actual))
        .isEqualTo(expected.length);
    for (int i = 0; i < expected.length; i++) {
      assertSameDouble(actual[i], expected[i], "entry " + i + " of " + Arrays.toString(actual));
    }
  }

  /** |actual − expected| ≤ ulps · ulp(expected). */
  static void assertWithinUlps(double actual, double expected, int ulps, String what) {
    assertThat(Math.abs(actual - expected))
        .as(
            "%s: %s is more than %d ulps from %s (ulp %s)",
            what, actual, ulps, expected, Math.ulp(expected))
        .isLessThanOrEqualTo(ulps * Math.ulp(expected));
  }
}
