package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every kernel against a high-precision reference: reference/kernels.tsv holds exact binary inputs
 * and their exact results, computed by scripts/reference/xent_reference.py with mpmath at 400
 * digits. The contract: relative error ≤ 1e-12 for every finite loss and log-softmax entry.
 */
class ReferenceAccuracyTest {
  private static final double RELATIVE = 1e-12;
  private static final int EXPECTED_CASES = 164;

  /** One line of the golden file. */
  record Case(
      String name, String kind, boolean isFloat, double[] logits, String target, String expected) {
    float[] floats() {
      float[] f = new float[logits.length];
      for (int i = 0; i < f.length; i++) {
        f[i] = (float) logits[i];
      }
      return f;
    }
  }

  static List<Case> cases() {
    List<Case> cases = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(
                ReferenceAccuracyTest.class.getResourceAsStream("/reference/kernels.tsv"),
                StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("#")) {
          continue;
        }
        String[] f = line.split("\t");
        cases.add(new Case(f[0], f[1], f[2].equals("float"), logits(f[3]), f[4], f[5]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return cases;
  }

  private static double[] logits(String text) {
    if (text.startsWith("wide:")) {
      // z_i = ((i*A) mod M)/64 − 8: exact in float and double, reproduced by the Python script.
      String[] p = text.split(":");
      int n = Integer.parseInt(p[1]);
      long a = Long.parseLong(p[2]);
      long m = Long.parseLong(p[3]);
      double[] z = new double[n];
      for (int i = 0; i < n; i++) {
        z[i] = ((i * a) % m) / 64.0 - 8.0;
      }
      return z;
    }
    return numbers(text);
  }

  private static double[] numbers(String text) {
    return Arrays.stream(text.split(",")).mapToDouble(Double::parseDouble).toArray();
  }

  @Test
  void theGoldenFileHasEveryCase() {
    assertThat(cases()).hasSize(EXPECTED_CASES);
  }

  @TestFactory
  Stream<DynamicTest> everyKernelResultIsWithin1e12OfTheReference() {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  private static void check(Case c) {
    switch (c.kind()) {
      case "sparse" -> {
        int label = Integer.parseInt(c.target());
        double got =
            c.isFloat()
                ? SoftmaxCrossEntropy.sparse(c.floats(), label)
                : SoftmaxCrossEntropy.sparse(c.logits(), label);
        assertClose(c, got, Double.parseDouble(c.expected()));
      }
      case "dense" -> {
        double[] p = numbers(c.target());
        double got =
            c.isFloat()
                ? SoftmaxCrossEntropy.dense(c.floats(), p)
                : SoftmaxCrossEntropy.dense(c.logits(), p);
        assertClose(c, got, Double.parseDouble(c.expected()));
      }
      case "sigmoid" -> {
        double[] t = numbers(c.target());
        double got =
            c.isFloat()
                ? SigmoidCrossEntropy.row(c.floats(), t)
                : SigmoidCrossEntropy.row(c.logits(), t);
        assertClose(c, got, Double.parseDouble(c.expected()));
      }
      case "lse" -> {
        double got =
            c.isFloat() ? LogSumExp.logSumExp(c.floats()) : LogSumExp.logSumExp(c.logits());
        double want = Double.parseDouble(c.expected());
        // lse can cancel to ~0 (e.g. lse(−ln 2, −ln 2) = 0), so the meaningful bound is relative
        // to the max shift: 1e-12·max(1, |max logit|).
        double max = Arrays.stream(c.logits()).max().orElseThrow();
        assertThat(Math.abs(got - want))
            .as("%s: got %s, reference %s", c.name(), got, want)
            .isLessThanOrEqualTo(RELATIVE * Math.max(1, Math.abs(max)));
      }
      case "log_softmax" -> {
        double[] got =
            c.isFloat() ? Softmax.logSoftmax(c.floats()) : Softmax.logSoftmax(c.logits());
        double[] want = numbers(c.expected());
        assertThat(got).hasSameSizeAs(want);
        for (int i = 0; i < want.length; i++) {
          assertClose(c, got[i], want[i]);
        }
      }
      default -> throw new IllegalArgumentException("unknown kind " + c.kind());
    }
  }

  /** The largest relative error seen per kind, printed after the run for the record. */
  private static final Map<String, Double> WORST = new ConcurrentSkipListMap<>();

  @AfterAll
  static void printWorstRelativeErrors() {
    System.out.println("ReferenceAccuracyTest: largest relative error by kind " + WORST);
  }

  /** Exact for 0 and ±∞; relative 1e-12 otherwise, absolute a few ulps in the subnormal range. */
  private static void assertClose(Case c, double got, double want) {
    String message = String.format("%s: got %s, reference %s", c.name(), got, want);
    if (want != 0 && Double.isFinite(want) && Math.abs(want) >= Double.MIN_NORMAL) {
      WORST.merge(c.kind(), Math.abs(got - want) / Math.abs(want), Math::max);
    }
    if (want == 0 || Double.isInfinite(want)) {
      assertThat(got).as(message).isEqualTo(want);
      return;
    }
    // Below the normal range a double has fewer than 53 bits, so relative error is meaningless;
    // the best possible answer is within half an ulp of MIN_VALUE.
    double tolerance =
        Math.abs(want) < Double.MIN_NORMAL ? 4 * Double.MIN_VALUE : RELATIVE * Math.abs(want);
    assertThat(Math.abs(got - want)).as(message).isLessThanOrEqualTo(tolerance);
  }
}
