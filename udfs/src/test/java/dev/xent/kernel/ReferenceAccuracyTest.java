package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every kernel against an independent high-precision reference: {@code reference/kernels.tsv},
 * written by {@code scripts/reference/xent_reference.py} with mpmath from exact binary inputs (its
 * header comment documents the format). Regenerate it with {@code python3
 * scripts/reference/xent_reference.py} and update {@link #EXPECTED_CASES}.
 *
 * <p>The contract: relative error ≤ 1e-12 for every finite nonzero loss and log-softmax entry;
 * exact results for 0 and ±∞; logsumexp within 1e-12·max(1, |max logit|).
 */
class ReferenceAccuracyTest {
  /** Counted so that a truncated or partly regenerated golden file fails instead of passing. */
  private static final int EXPECTED_CASES = 783;

  private static final double RELATIVE = 1e-12;

  /**
   * Below {@link Double#MIN_NORMAL} a double has fewer than 53 significant bits (1e-320 has 11), so
   * even a correctly rounded result can be 5% off relatively; the best any kernel can do there is
   * an absolute error of a few ulps of MIN_NORMAL, whose ulp is {@link Double#MIN_VALUE}.
   */
  private static final double SUBNORMAL_ABSOLUTE = 4 * Double.MIN_VALUE;

  /** One line of the golden file; exactly one of {@code doubles} and {@code floats} is set. */
  record Case(
      String name,
      String kind,
      double[] doubles,
      float[] floats,
      String target,
      String expected,
      int line) {
    boolean isFloat() {
      return floats != null;
    }

    int width() {
      return isFloat() ? floats.length : doubles.length;
    }

    /** The logits widened to double (exact for floats). */
    double[] widened() {
      if (!isFloat()) {
        return doubles;
      }
      double[] z = new double[floats.length];
      for (int i = 0; i < z.length; i++) {
        z[i] = floats[i];
      }
      return z;
    }
  }

  /** The parsed file, read once: the wide rows take a moment to build. */
  private static final class Golden {
    static final List<Case> CASES = new ArrayList<>();
    static String trailer = "";

    static {
      InputStream stream =
          ReferenceAccuracyTest.class.getResourceAsStream("/reference/kernels.tsv");
      if (stream == null) {
        throw new IllegalStateException("reference/kernels.tsv is not on the test classpath");
      }
      Map<String, Case> byName = new HashMap<>();
      try (BufferedReader in =
          new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
        int number = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
          number++;
          if (line.startsWith("#")) {
            trailer = line;
            continue;
          }
          String[] f = line.split("\t", -1);
          if (f.length != 6) {
            throw new IllegalStateException("line " + number + ": " + f.length + " fields");
          }
          Case c = parse(f, byName, number);
          byName.put(c.name(), c);
          CASES.add(c);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    private static Case parse(String[] f, Map<String, Case> byName, int line) {
      String name = f[0];
      boolean isFloat =
          switch (f[2]) {
            case "f32" -> true;
            case "f64" -> false;
            default -> throw new IllegalStateException(name + ": precision " + f[2]);
          };
      String logits = f[3];
      double[] doubles = null;
      float[] floats = null;
      if (logits.startsWith("same:")) {
        Case earlier = byName.get(logits.substring("same:".length()));
        if (earlier == null || earlier.isFloat() != isFloat) {
          throw new IllegalStateException(name + ": no earlier row " + logits);
        }
        doubles = earlier.doubles();
        floats = earlier.floats();
      } else if (logits.startsWith("mod:")) {
        double[] z = formula(logits);
        if (isFloat) {
          floats = new float[z.length];
          for (int i = 0; i < z.length; i++) {
            floats[i] = (float) z[i];
            if (floats[i] != z[i]) {
              throw new IllegalStateException(name + ": z[" + i + "] is not a float");
            }
          }
        } else {
          doubles = z;
        }
      } else {
        String[] items = logits.split(",");
        if (isFloat) {
          floats = new float[items.length];
          for (int i = 0; i < items.length; i++) {
            floats[i] = Float.parseFloat(items[i]);
          }
        } else {
          doubles = new double[items.length];
          for (int i = 0; i < items.length; i++) {
            doubles[i] = Double.parseDouble(items[i]);
          }
        }
      }
      return new Case(name, f[1], doubles, floats, f[4], f[5], line);
    }

    /** {@code mod:N:A:M:S:O[@i=v...]}: z_i = ((i·A) mod M)·S + O, the same IEEE operations. */
    private static double[] formula(String text) {
      String[] parts = text.split("@");
      String[] p = parts[0].split(":");
      int n = Integer.parseInt(p[1]);
      long a = Long.parseLong(p[2]);
      long m = Long.parseLong(p[3]);
      double scale = Double.parseDouble(p[4]);
      double offset = Double.parseDouble(p[5]);
      double[] z = new double[n];
      for (int i = 0; i < n; i++) {
        z[i] = ((i * a) % m) * scale + offset;
      }
      for (int k = 1; k < parts.length; k++) {
        String[] override = parts[k].split("=");
        z[Integer.parseInt(override[0])] = Double.parseDouble(override[1]);
      }
      return z;
    }
  }

  /** A label or target row: a list, {@code at:i=v,...} (zero elsewhere) or {@code cycle:a,b}. */
  private static double[] doubles(String text, int width) {
    double[] values = new double[width];
    if (text.startsWith("at:")) {
      for (String item : text.substring("at:".length()).split(",")) {
        String[] iv = item.split("=");
        values[Integer.parseInt(iv[0])] = Double.parseDouble(iv[1]);
      }
    } else if (text.startsWith("cycle:")) {
      String[] items = text.substring("cycle:".length()).split(",");
      for (int i = 0; i < width; i++) {
        values[i] = Double.parseDouble(items[i % items.length]);
      }
    } else {
      String[] items = text.split(",");
      assertThat(items).as("target length").hasSize(width);
      for (int i = 0; i < width; i++) {
        values[i] = Double.parseDouble(items[i]);
      }
    }
    return values;
  }

  @Test
  void theGoldenFileIsCompleteAndItsNamesAreUnique() {
    assertThat(Golden.CASES).hasSize(EXPECTED_CASES);
    assertThat(Golden.trailer).isEqualTo("# end: " + EXPECTED_CASES + " cases");
    Set<String> names = new HashSet<>();
    for (Case c : Golden.CASES) {
      assertThat(names.add(c.name())).as("duplicate case %s", c.name()).isTrue();
    }
  }

  @TestFactory
  Stream<DynamicTest> everyKernelAgreesWithTheReference() {
    return Golden.CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  private static void check(Case c) {
    switch (c.kind()) {
      case "sparse" -> {
        int label = Integer.parseInt(c.target());
        assertValid(c, Validity.logits(c.widened(), true));
        assertValid(c, Validity.sparseLabel(label, c.width()));
        double got =
            c.isFloat()
                ? SoftmaxCrossEntropy.sparse(c.floats(), label)
                : SoftmaxCrossEntropy.sparse(c.doubles(), label);
        assertClose(c, "loss", got, c.expected());
      }
      case "dense" -> {
        double[] p = doubles(c.target(), c.width());
        assertValid(c, Validity.logits(c.widened(), true));
        assertValid(c, Validity.denseLabels(p, c.width()));
        double got =
            c.isFloat()
                ? SoftmaxCrossEntropy.dense(c.floats(), p)
                : SoftmaxCrossEntropy.dense(c.doubles(), p);
        assertClose(c, "loss", got, c.expected());
      }
      case "sigmoid" -> {
        double[] t = doubles(c.target(), c.width());
        assertValid(c, Validity.logits(c.widened(), false));
        assertValid(c, Validity.sigmoidTargets(t, c.width()));
        double got =
            c.isFloat()
                ? SigmoidCrossEntropy.row(c.floats(), t)
                : SigmoidCrossEntropy.row(c.doubles(), t);
        assertClose(c, "loss", got, c.expected());
      }
      case "log_softmax" -> {
        double[] got =
            c.isFloat() ? Softmax.logSoftmax(c.floats()) : Softmax.logSoftmax(c.doubles());
        String[] want = c.expected().split(",");
        int[] indices = indices(c.target(), c.width());
        assertThat(want).as("%s: expected entries", c.name()).hasSameSizeAs(indices);
        for (int k = 0; k < indices.length; k++) {
          assertClose(c, "entry " + indices[k], got[indices[k]], want[k]);
        }
      }
      case "lse" -> {
        double got =
            c.isFloat() ? LogSumExp.logSumExp(c.floats()) : LogSumExp.logSumExp(c.doubles());
        assertLseClose(c, "LogSumExp", got);
        LogSumExpAccumulator streamed = new LogSumExpAccumulator();
        for (double v : c.widened()) {
          streamed.add(v);
        }
        assertLseClose(c, "LogSumExpAccumulator", streamed.result());
      }
      default -> throw new IllegalStateException(c.name() + ": kind " + c.kind());
    }
  }

  private static int[] indices(String text, int width) {
    if (text.equals("all")) {
      int[] all = new int[width];
      for (int i = 0; i < width; i++) {
        all[i] = i;
      }
      return all;
    }
    assertThat(text).startsWith("idx:");
    return Stream.of(text.substring("idx:".length()).split(","))
        .mapToInt(Integer::parseInt)
        .toArray();
  }

  private static void assertValid(Case c, Reason reason) {
    // Masked labels are valid rows with an infinite loss; every golden input is a valid row.
    assertThat(reason).as("%s: validity", c.name()).isEqualTo(Reason.OK);
  }

  /**
   * Exact for an exact zero ({@code 0} in the file) and for ±∞ (including a finite exact value that
   * rounds to ±∞); a few ulps of MIN_NORMAL below the normal range; else relative 1e-12.
   */
  private static void assertClose(Case c, String what, double got, String expectedText) {
    double want = Double.parseDouble(expectedText);
    if (expectedText.equals("0") || Double.isInfinite(want)) {
      // Double.compare, not ==: the kernels promise +0.0 for an exact zero, never −0.0.
      assertThat(Double.compare(got, want))
          .as(message(c, what, expectedText, want, got, 0))
          .isZero();
      return;
    }
    double error = Math.abs(got - want);
    if (Math.abs(want) < Double.MIN_NORMAL) {
      assertThat(error)
          .as(message(c, what, expectedText, want, got, SUBNORMAL_ABSOLUTE))
          .isLessThanOrEqualTo(SUBNORMAL_ABSOLUTE);
      return;
    }
    noteError(c.kind(), c.name() + " " + what, error / Math.abs(want));
    assertThat(error)
        .as(message(c, what, expectedText, want, got, RELATIVE * Math.abs(want)))
        .isLessThanOrEqualTo(RELATIVE * Math.abs(want));
  }

  /**
   * lse = m + log1p(rest) can cancel to nearly 0 (lse(−ln 2, −ln 2) ≈ 2e-17), where no relative
   * bound holds: inputs known to an ulp of m only determine lse to about eps·|m|. So the bound is
   * absolute, scaled by the max shift.
   */
  private static void assertLseClose(Case c, String what, double got) {
    double want = Double.parseDouble(c.expected());
    if (c.expected().equals("0") || Double.isInfinite(want)) {
      assertThat(Double.compare(got, want))
          .as(message(c, what, c.expected(), want, got, 0))
          .isZero();
      return;
    }
    double max = Double.NEGATIVE_INFINITY;
    for (double v : c.widened()) {
      max = Math.max(max, v);
    }
    double scale = Math.max(1, Math.abs(max));
    double error = Math.abs(got - want);
    noteError(c.kind(), c.name() + " " + what, error / scale);
    assertThat(error)
        .as(message(c, what, c.expected(), want, got, RELATIVE * scale))
        .isLessThanOrEqualTo(RELATIVE * scale);
  }

  private static String message(
      Case c, String what, String exact, double want, double got, double bound) {
    return String.format(
        Locale.ROOT,
        "%s (line %d) %s: expected %s (exact %s), actual %s, |error| %s, bound %s",
        c.name(),
        c.line(),
        what,
        want,
        exact,
        got,
        Math.abs(got - want),
        bound);
  }

  /** The largest error seen per kind (relative; for lse scaled by max(1, |m|)) and where. */
  private static final Map<String, Object[]> WORST = new TreeMap<>();

  private static synchronized void noteError(String kind, String where, double error) {
    Object[] worst = WORST.get(kind);
    if (worst == null || error > (double) worst[0]) {
      WORST.put(kind, new Object[] {error, where});
    }
  }

  @AfterAll
  static synchronized void printLargestErrors() {
    StringBuilder report = new StringBuilder("ReferenceAccuracyTest, largest error by kind:");
    WORST.forEach(
        (kind, worst) ->
            report.append(
                String.format(Locale.ROOT, "%n  %-11s %.3e  %s", kind, worst[0], worst[1])));
    System.out.println(report);
  }
}
