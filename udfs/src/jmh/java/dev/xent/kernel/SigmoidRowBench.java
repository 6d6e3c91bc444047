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
 * One sigmoid row of float logits and probability targets: its element losses and σ(z) by the
 * scalar definition and by each vector width, the row loss, the calibration of its elements (and
 * its SIMD split by each vector width), and the whole audit of the row (loss, calibration of every
 * element) as the page reader runs it. Report ns per element as ns per op /
 * width.
 *
 * <p>Run: {@code mvn -B -Pbench -pl udfs test-compile exec:exec
 * -Djmh.args="SigmoidRowBench"} (not part of verify).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SigmoidRowBench {
  @Param({"100", "4096"})
  int width;

  float[] logits;
  double[] wide;
  double[] targets;
  double[] loss;
  double[] probability;
  RowAuditor auditor;
  Evaluation evaluation;

  @Setup
  public void setUp() {
    SplittableRandom random = new SplittableRandom(42);
    logits = new float[width];
    wide = new double[width];
    targets = new double[width];
    for (int i = 0; i < width; i++) {
      logits[i] = (float) (random.nextGaussian() * 3);
      wide[i] = logits[i];
      targets[i] = random.nextDouble();
    }
    loss = new double[width];
    probability = new double[width];
    SigmoidCrossEntropy.scalarElements(wide, 0, targets, 0, loss, probability, 0, width);
    auditor = new RowAuditor(AuditOptions.plain());
    evaluation = new Evaluation(AuditOptions.plain());
  }

  @Benchmark
  public double elementsScalar() {
    SigmoidCrossEntropy.scalarElements(wide, 0, targets, 0, loss, probability, 0, width);
    return loss[width - 1];
  }

  @Benchmark
  public double elements256() {
    VectorSigmoid.elements256(wide, 0, targets, 0, loss, probability, width);
    return loss[width - 1];
  }

  @Benchmark
  public double elements512() {
    VectorSigmoid.elements512(wide, 0, targets, 0, loss, probability, width);
    return loss[width - 1];
  }

  @Benchmark
  public double rowLoss() {
    return SigmoidCrossEntropy.row(logits, targets);
  }

  @Benchmark
  public Reason validity() {
    Reason logitsVerdict = Validity.logits(logits, false);
    Reason targetsVerdict = Validity.sigmoidTargets(targets, width);
    return logitsVerdict.isOk() ? targetsVerdict : logitsVerdict;
  }

  @Benchmark
  public Evaluation calibration() {
    evaluation.sigmoidElements(probability, targets, 0, width, 1.0, null);
    return evaluation;
  }

  long[] confidenceAt = new long[4096];
  long[] outcomeAt = new long[4096];
  long[] confidenceSignificand = new long[4096];
  long[] outcomeSignificand = new long[4096];

  @Benchmark
  public int split512() {
    return VectorCalibration.split512(probability, 0, targets, 0, width, 15, confidenceAt, outcomeAt, confidenceSignificand, outcomeSignificand);
  }

  @Benchmark
  public int split256() {
    return VectorCalibration.split256(probability, 0, targets, 0, width, 15, confidenceAt, outcomeAt, confidenceSignificand, outcomeSignificand);
  }

  @Benchmark
  public Reason auditedRow() {
    return auditor.sigmoid(logits, targets, 1.0, evaluation);
  }
}
