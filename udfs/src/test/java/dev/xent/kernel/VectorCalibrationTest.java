package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link VectorCalibration} against the scalar definition ({@link AuditAccumulator#bin}, {@link
 * AuditAccumulator#unitAt}, {@link AuditAccumulator#unitSignificand}), at both register widths:
 * every bin, slot and significand equal, over bin counts, widths, offsets, and values at every bin
 * edge, at the slots' range (2^−63), subnormal, 0 and 1.
 */
class VectorCalibrationTest {

  private static final int[] BINS = {1, 2, 3, 7, 10, 15, 100, 4096};

  @Test
  void simdSplitEqualsTheScalarDefinition() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    assumeTrue(VectorRows.supported());
    SplittableRandom random = new SplittableRandom(2026_12_06);
    int scalarChunks = 0;
    for (int round = 0; round < 20_000; round++) {
      int bins = BINS[round % BINS.length];
      int n = round % 50 == 0 ? 256 : random.nextInt(41);
      int pFrom = random.nextInt(4);
      int tFrom = random.nextInt(4);
      double[] p = new double[pFrom + n];
      double[] t = new double[tFrom + n];
      // Most rows without a value below 2^−63, so that most chunks are split.
      boolean tiny = random.nextInt(4) == 0;
      for (int i = 0; i < n; i++) {
        p[pFrom + i] = value(random, bins, tiny);
        t[tFrom + i] = value(random, bins, tiny);
      }
      scalarChunks += assertSplit(p, pFrom, t, tFrom, n, bins, 4, "256-bit, round " + round);
      if (VectorRows.WIDE) {
        assertSplit(p, pFrom, t, tFrom, n, bins, 8, "512-bit, round " + round);
      }
    }
    // The scalar hand-over was taken, and not everywhere.
    assertThat(scalarChunks).isBetween(100, 20_000 * 10 / 2);
  }

  /** A value in [0, 1]: bin edges and their neighbours, 0, 1, tiny ones (with {@code tiny}). */
  private static double value(SplittableRandom random, int bins, boolean tiny) {
    return switch (random.nextInt(tiny ? 9 : 7)) {
      case 0 -> 0.0;
      case 1 -> 1.0;
      case 2 -> Math.nextDown(1.0);
      case 3 -> random.nextInt(bins + 1) / (double) bins;
      case 4 -> {
        double edge = random.nextInt(bins + 1) / (double) bins;
        yield Math.max(
            0, Math.min(1, random.nextBoolean() ? Math.nextUp(edge) : Math.nextDown(edge)));
      }
      case 5 -> Math.scalb(1.0 + random.nextDouble(), -random.nextInt(1, 64));
      case 6 -> random.nextDouble();
      case 7 -> random.nextBoolean() ? 0x1p-63 : Math.nextDown(0x1p-63);
      default -> Math.scalb(random.nextDouble(), -random.nextInt(64, 1075));
    };
  }

  /** {@link VectorCalibration#split}'s signature, for either width. */
  private interface Split {
    int apply(
        double[] probability,
        int probabilityFrom,
        double[] targets,
        int targetsFrom,
        int n,
        int bins,
        long[] confidenceAt,
        long[] outcomeAt,
        long[] confidenceSignificand,
        long[] outcomeSignificand);
  }

  /** Checks one split; returns the chunks it left to the scalar path. */
  private static int assertSplit(
      double[] p, int pFrom, double[] t, int tFrom, int n, int bins, int lanes, String what) {
    long[] confidenceAt = new long[n];
    long[] outcomeAt = new long[n];
    long[] confidenceSignificand = new long[n];
    long[] outcomeSignificand = new long[n];
    Split split = lanes == 8 ? VectorCalibration::split512 : VectorCalibration::split256;
    int done =
        split.apply(
            p,
            pFrom,
            t,
            tFrom,
            n,
            bins,
            confidenceAt,
            outcomeAt,
            confidenceSignificand,
            outcomeSignificand);
    assertThat(done).as(what).isEqualTo(n - n % lanes);
    int scalar = 0;
    for (int chunk = 0; chunk < done; chunk += lanes) {
      boolean anyScalar = false;
      for (int i = chunk; i < chunk + lanes; i++) {
        int bin = AuditAccumulator.bin(p[pFrom + i], bins);
        anyScalar |=
            AuditAccumulator.unitAt(bin, 0, p[pFrom + i]) < 0
                || AuditAccumulator.unitAt(bin, 1, t[tFrom + i]) < 0;
      }
      for (int i = chunk; i < chunk + lanes; i++) {
        double pi = p[pFrom + i];
        double ti = t[tFrom + i];
        String at = what + ", element " + i + ": p " + pi + ", t " + ti + ", " + bins + " bins";
        if (anyScalar) {
          assertThat(confidenceAt[i]).as(at).isEqualTo(-1);
          continue;
        }
        int bin = AuditAccumulator.bin(pi, bins);
        assertThat(confidenceAt[i]).as(at).isEqualTo(AuditAccumulator.unitAt(bin, 0, pi));
        assertThat(outcomeAt[i]).as(at).isEqualTo(AuditAccumulator.unitAt(bin, 1, ti));
        assertThat(confidenceSignificand[i]).as(at).isEqualTo(AuditAccumulator.unitSignificand(pi));
        assertThat(outcomeSignificand[i]).as(at).isEqualTo(AuditAccumulator.unitSignificand(ti));
      }
      scalar += anyScalar ? 1 : 0;
    }
    return scalar;
  }
}
