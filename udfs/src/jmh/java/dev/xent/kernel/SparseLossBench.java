package dev.xent.kernel;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The sparse loss of one float row: xent's kernel against the textbook two-pass max-shift loop
 * (no log1p, no compensation, {@code Math.exp}) as the floor a scalar implementation can reach,
 * and the rest-mass sum with SIMD (when the incubator module is present) and without. Report logits/s as
 * width / (ns per op).
 *
 * <p>Run: {@code mvn -B -Pbench -pl udfs test-compile exec:exec} (not part of verify).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SparseLossBench {
  @Param({"100", "4096", "131072"})
  int width;

  float[] logits;
  int label;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    logits = new float[width];
    for (int i = 0; i < width; i++) {
      logits[i] = (float) (random.nextGaussian() * 3);
    }
    label = random.nextInt(width);
  }

  @Benchmark
  public double xentSparseLoss() {
    return SoftmaxCrossEntropy.sparse(logits, label);
  }

  @Benchmark
  public double xentLogSumExp() {
    return LogSumExp.logSumExp(logits);
  }

  /** The same sum as {@link Logits#restMass} through the scalar definition (no SIMD). */
  @Benchmark
  public double xentRestMassScalar() {
    float[] z = logits;
    int k = Logits.argmax(z);
    double sum = 0.0;
    for (int start = 0; start < z.length; start += Logits.BLOCK) {
      sum += ExpBlocks.scalarBlockSum(z, start, Math.min(z.length, start + Logits.BLOCK), k, z[k]);
    }
    return sum;
  }

  @Benchmark
  public double xentRestMass() {
    return Logits.restMass(logits, Logits.argmax(logits));
  }

  @Benchmark
  public double textbookTwoPass() {
    float[] z = logits;
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : z) {
      sum += Math.exp(v - max);
    }
    return max + Math.log(sum) - z[label];
  }
}
