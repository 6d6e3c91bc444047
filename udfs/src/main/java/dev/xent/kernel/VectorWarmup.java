package dev.xent.kernel;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Compiles the SIMD row loops before the rows need them. Until C2 has compiled them, the Vector
 * API's operations run as its Java fallbacks, each one a loop over lanes with an object per result:
 * 100 to 300 times slower per logit than the compiled code, and about three times slower than the
 * scalar definition. A cold evaluate spent its first seconds there (the first two tasks of 10M ×
 * 100 rows took 6.1 s where later ones took 1.1–2.3 s).
 *
 * <p>So the kernels use the scalar definition (the same bits: {@link ExpBlocks} defines them, and
 * ExpBlocksTest compares the two) until this daemon thread, started when the kernels are first
 * used, has run the vector loops on rows of mixed widths and measured them faster than the scalar
 * definition on the same rows, timed alternately in the same thread; then they switch. The bound is
 * relative because machines differ by more than the gap it has to find: compiled, the loops took
 * about 1 ns per logit on an AVX-512 Xeon and 14–19 ns on a 2 GHz Zen 1 EPYC (AVX2 in two 128-bit
 * halves), whose scalar definition took 25–38 ns there, while the fallbacks are always several
 * times slower than the scalar code. Which of the two ran a row never changes its result, only when
 * the switch happens. If the loops never beat the scalar definition (a JVM without C2, a CPU whose
 * vectors are slow), the kernels stay scalar, which is then also the faster choice. {@code
 * -Dxent.simd.warmup=false} switches at once (for benchmarks that warm up themselves).
 */
final class VectorWarmup {
  private VectorWarmup() {}

  /** Rounds in a row with the vector loops ahead before switching: one could be a lucky timing. */
  private static final int FAST_ROUNDS = 3;

  /** Giving up: past this the scalar definition stays (it is correct, only slower). */
  private static final long GIVE_UP_NANOS = 60_000_000_000L;

  /**
   * Widths on both sides of every branch in the loops (narrower than one vector, partial chunks, a
   * whole block), so that C2 compiles the paths real rows take and does not deoptimise on the first
   * unusual row.
   */
  private static final int[] WIDTHS = {3, 7, 8, 9, 16, 23, 33, 64, 100, 129, 512};

  private static volatile boolean done;

  /** Where the warm-up's sums go, so that the JIT cannot drop the calls that made them. */
  private static volatile double result;

  /** Whether the vector loops are compiled (always true when the kernels do not use SIMD). */
  static boolean done() {
    return done;
  }

  /** Called once, from ExpBlocks' initialisation. */
  static void start(boolean wanted) {
    if (!wanted) {
      done = true;
      return;
    }
    Thread thread = new Thread(VectorWarmup::run, "xent-vector-warmup");
    thread.setDaemon(true);
    // Below the task threads: on a busy executor it should take the idle moments.
    thread.setPriority(Thread.MIN_PRIORITY);
    thread.start();
  }

  private static void run() {
    SplittableRandom random = new SplittableRandom(1);
    float[][] floats = new float[WIDTHS.length][];
    double[][] doubles = new double[WIDTHS.length][];
    for (int r = 0; r < WIDTHS.length; r++) {
      floats[r] = new float[WIDTHS[r]];
      doubles[r] = new double[WIDTHS[r]];
      for (int i = 0; i < WIDTHS[r]; i++) {
        double v = random.nextGaussian() * 3;
        floats[r][i] = (float) v;
        doubles[r][i] = v;
      }
    }
    // One row with a term far below its maximum, for the scalar hand-over inside blockSum.
    floats[8][5] = -1e30f;
    doubles[8][5] = -1e300;
    long began = System.nanoTime();
    int fast = 0;
    double sink = 0;
    while (fast < FAST_ROUNDS && System.nanoTime() - began < GIVE_UP_NANOS) {
      long start = System.nanoTime();
      sink += round(floats, doubles, true);
      long vector = System.nanoTime() - start;
      start = System.nanoTime();
      sink += round(floats, doubles, false);
      long scalar = System.nanoTime() - start;
      fast = vector < scalar ? fast + 1 : 0;
    }
    result = sink;
    done = fast >= FAST_ROUNDS;
  }

  /** Rows run so far: where the next row's skipped class sits (the warm-up thread's only). */
  private static int calls;

  /** 64 passes over every width, through the vector loops or the scalar definition. */
  private static double round(float[][] floats, double[][] doubles, boolean vector) {
    double sink = 0;
    for (int round = 0; round < 64; round++) {
      for (int r = 0; r < WIDTHS.length; r++) {
        // The skipped class and the label move through every position (and none), as a real
        // row's maximum does: a branch that the warm-up never took would deoptimise the
        // compiled loop at the first real row that takes it.
        int skip = (calls++ % (WIDTHS[r] + 1)) - 1;
        sink +=
            vector
                ? row(floats[r], skip) + row(doubles[r], skip)
                : scalarRow(floats[r], skip) + scalarRow(doubles[r], skip);
      }
    }
    return sink;
  }

  /** The loops a row goes through; {@code skip} is −1 or a class of the row. */
  private static double row(float[] z, int skip) {
    int k = VectorRows.argmax(z);
    return VectorRows.blockSum(z, 0, z.length, skip, z[k])
        + VectorRows.rank(z, Math.max(0, skip))
        + (VectorRows.allFinite(z) ? 1 : 0);
  }

  /**
   * {@link #row(float[], int)} by the scalar definition, which the kernels use until the switch.
   */
  private static double scalarRow(float[] z, int skip) {
    int k = Logits.scalarArgmax(z);
    return ExpBlocks.scalarBlockSum(z, 0, z.length, skip, z[k])
        + LabelRank.scalarRank(z, Math.max(0, skip))
        + Validity.scalarLogits(z, false).ordinal();
  }

  private static double scalarRow(double[] z, int skip) {
    int k = Logits.scalarArgmax(z);
    SigmoidCrossEntropy.scalarElements(z, 0, z, 0, SIGMOID_OUT, SIGMOID_OUT, 0, z.length);
    long split = 0;
    for (int i = 0; i < z.length; i++) {
      double p = SIGMOID_OUT[i];
      int bin = AuditAccumulator.bin(p, CALIBRATION_BINS);
      split += AuditAccumulator.unitAt(bin, 0, p) + AuditAccumulator.unitSignificand(p);
    }
    return ExpBlocks.scalarBlockSum(z, 0, z.length, skip, z[k])
        + LabelRank.scalarRank(z, Math.max(0, skip))
        + SIGMOID_OUT[z.length - 1]
        + split
        + Validity.scalarLogits(z, false).ordinal()
        + Validity.scalarSigmoidTargets(z).ordinal()
        + scalarLaneSum(z.length);
  }

  /** Element losses and probabilities of a sigmoid row (its targets: the same row, rescaled). */
  private static final double[] SIGMOID_OUT = new double[2 * 512];

  /** The row sum's lanes over the first n element losses (as many as whole lanes take). */
  private static final double[] LANES = new double[2 * SigmoidCrossEntropy.LANES];

  private static double laneSum(int n) {
    Arrays.fill(LANES, 0.0);
    VectorSigmoid.laneSums(SIGMOID_OUT, n & -SigmoidCrossEntropy.LANES, LANES);
    return LANES[0];
  }

  private static double scalarLaneSum(int n) {
    Arrays.fill(LANES, 0.0);
    SigmoidCrossEntropy.scalarLaneSums(SIGMOID_OUT, n & -SigmoidCrossEntropy.LANES, LANES);
    return LANES[0];
  }

  /** The default audit's bins, and VectorCalibration's output for a row's σ(z). */
  private static final int CALIBRATION_BINS = 15;

  private static final long[] SPLIT_AT = new long[512];
  private static final long[] SPLIT_OUTCOME_AT = new long[512];
  private static final long[] SPLIT_SIGNIFICAND = new long[512];
  private static final long[] SPLIT_OUTCOME_SIGNIFICAND = new long[512];

  private static double row(double[] z, int skip) {
    int k = VectorRows.argmax(z);
    // The targets are any numbers here: the loop's arithmetic does not depend on their range.
    VectorSigmoid.elements(z, 0, z, 0, SIGMOID_OUT, SIGMOID_OUT, z.length);
    // The calibration of those probabilities as their own targets, as a row of weight 1 has it.
    int split =
        VectorCalibration.split(
            SIGMOID_OUT,
            0,
            SIGMOID_OUT,
            0,
            z.length,
            CALIBRATION_BINS,
            SPLIT_AT,
            SPLIT_OUTCOME_AT,
            SPLIT_SIGNIFICAND,
            SPLIT_OUTCOME_SIGNIFICAND);
    return VectorRows.blockSum(z, 0, z.length, skip, z[k])
        + VectorRows.rank(z, Math.max(0, skip))
        + SIGMOID_OUT[z.length - 1]
        + (split == 0 ? 0 : SPLIT_AT[split - 1] + SPLIT_SIGNIFICAND[split - 1])
        + (VectorRows.allFinite(z) ? 1 : 0)
        + (VectorRows.allUnit(z) ? 1 : 0)
        + laneSum(z.length);
  }
}
