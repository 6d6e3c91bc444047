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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Class weights, label smoothing, the top-label confidence and the label rank against {@code
 * reference/weighted.tsv}, written by {@code scripts/reference/weighted_reference.py} with mpmath
 * from exact binary inputs (its docstring has the formulas, its header the format). Regenerate it
 * with {@code python3 scripts/reference/weighted_reference.py} and update {@link #EXPECTED_CASES}.
 *
 * <p>The contract is that of {@link ReferenceAccuracyTest}: relative error ≤ 1e-12 for finite
 * nonzero values, exact 0 and ±∞, a few ulps of MIN_NORMAL below the normal range; ranks exact.
 */
class WeightedReferenceTest {
  private static final int EXPECTED_CASES = 715;
  private static final double RELATIVE = 1e-12;
  private static final double SUBNORMAL_ABSOLUTE = 4 * Double.MIN_VALUE;

  record Case(
      String name,
      String kind,
      double[] doubles,
      float[] floats,
      String target,
      String weights,
      String smoothing,
      String expected,
      int line) {
    int width() {
      return floats != null ? floats.length : doubles.length;
    }
  }

  private static final class Golden {
    static final List<Case> CASES = new ArrayList<>();
    static String trailer = "";

    static {
      InputStream stream =
          WeightedReferenceTest.class.getResourceAsStream("/reference/weighted.tsv");
      if (stream == null) {
        throw new IllegalStateException("reference/weighted.tsv is not on the test classpath");
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
          if (f.length != 8) {
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
      boolean isFloat = f[2].equals("f32");
      String logits = f[3];
      double[] doubles = null;
      float[] floats = null;
      if (logits.startsWith("same:")) {
        Case earlier = byName.get(logits.substring("same:".length()));
        if (earlier == null || (earlier.floats() != null) != isFloat) {
          throw new IllegalStateException(f[0] + ": no earlier row " + logits);
        }
        doubles = earlier.doubles();
        floats = earlier.floats();
      } else {
        double[] z =
            logits.startsWith("mod:") ? formula(logits) : parseList(logits.split(","), isFloat);
        if (isFloat) {
          floats = new float[z.length];
          for (int i = 0; i < z.length; i++) {
            floats[i] = (float) z[i];
            if (floats[i] != z[i]) {
              throw new IllegalStateException(f[0] + ": z[" + i + "] is not a float");
            }
          }
        } else {
          doubles = z;
        }
      }
      return new Case(f[0], f[1], doubles, floats, f[4], f[5], f[6], f[7], line);
    }

    private static double[] parseList(String[] items, boolean isFloat) {
      double[] z = new double[items.length];
      for (int i = 0; i < items.length; i++) {
        z[i] = isFloat ? Float.parseFloat(items[i]) : Double.parseDouble(items[i]);
      }
      return z;
    }

    /** {@code mod:N:A:M:S:O[@i=v...]}, as in {@code kernels.tsv}. */
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

  /** A row: a list, {@code at:i=v,...} (zero elsewhere), {@code cycle:a,b} or {@code -} (null). */
  private static double[] row(String text, int width) {
    if (text.equals("-")) {
      return null;
    }
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
      assertThat(items).as("row length").hasSize(width);
      for (int i = 0; i < width; i++) {
        values[i] = Double.parseDouble(items[i]);
      }
    }
    return values;
  }

  @Test
  void theGoldenFileIsComplete() {
    assertThat(Golden.CASES).hasSize(EXPECTED_CASES);
    assertThat(Golden.trailer).isEqualTo("# end: " + EXPECTED_CASES + " cases");
  }

  @TestFactory
  Stream<DynamicTest> everyWeightedKernelAgreesWithTheReference() {
    return Golden.CASES.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> check(c)));
  }

  private static void check(Case c) {
    float[] f = c.floats();
    double[] d = c.doubles();
    boolean isFloat = f != null;
    int k = isFloat ? Logits.argmax(f) : Logits.argmax(d);
    switch (c.kind()) {
      case "class_sum" -> {
        double[] w = row(c.weights(), c.width());
        double log1pRest = Log1p.of(isFloat ? Logits.restMass(f, k) : Logits.restMass(d, k));
        double got =
            isFloat
                ? SoftmaxCrossEntropy.classSum(f, k, log1pRest, w)
                : SoftmaxCrossEntropy.classSum(d, k, log1pRest, w);
        assertClose(c, got);
      }
      case "dense_weighted" -> {
        double[] p = row(c.target(), c.width());
        double[] w = row(c.weights(), c.width());
        double got =
            isFloat ? SoftmaxCrossEntropy.dense(f, p, k, w) : SoftmaxCrossEntropy.dense(d, p, k, w);
        assertClose(c, got);
      }
      case "sigmoid_weighted" -> {
        double[] t = row(c.target(), c.width());
        double[] w = row(c.weights(), c.width());
        double got = isFloat ? SigmoidCrossEntropy.row(f, t, w) : SigmoidCrossEntropy.row(d, t, w);
        assertClose(c, got);
      }
      case "smoothed_sparse" -> {
        int y = Integer.parseInt(c.target());
        double e = Double.parseDouble(c.smoothing());
        double got =
            isFloat ? SoftmaxCrossEntropy.smoothed(f, y, e) : SoftmaxCrossEntropy.smoothed(d, y, e);
        assertClose(c, got);
        // Scoring, which the SQL function and the job use, gives the kernel's bits.
        Scored scored = isFloat ? Scoring.sparse(f, y, e) : Scoring.sparse(d, y, e);
        assertThat(scored.isOk()).as(c.name()).isTrue();
        assertThat(Double.compare(scored.loss(), got)).as(c.name() + " via Scoring").isZero();
      }
      case "smoothed_dense" -> {
        double[] p = row(c.target(), c.width());
        double e = Double.parseDouble(c.smoothing());
        double got =
            isFloat ? SoftmaxCrossEntropy.smoothed(f, p, e) : SoftmaxCrossEntropy.smoothed(d, p, e);
        assertClose(c, got);
      }
      case "confidence" -> assertClose(c, isFloat ? Softmax.confidence(f) : Softmax.confidence(d));
      case "rank" -> {
        int y = Integer.parseInt(c.target());
        int want = Integer.parseInt(c.expected());
        assertThat(isFloat ? LabelRank.of(f, y) : LabelRank.of(d, y)).as(c.name()).isEqualTo(want);
        assertThat(isFloat ? LabelRank.scalarRank(f, y) : LabelRank.scalarRank(d, y))
            .as(c.name() + " scalar")
            .isEqualTo(want);
      }
      default -> throw new IllegalStateException(c.name() + ": kind " + c.kind());
    }
  }

  private static void assertClose(Case c, double got) {
    String text = c.expected();
    double want = Double.parseDouble(text);
    String message =
        String.format(
            Locale.ROOT,
            "%s (line %d): expected %s (exact %s), actual %s",
            c.name(),
            c.line(),
            want,
            text,
            got);
    if (text.equals("0") || Double.isInfinite(want)) {
      assertThat(Double.compare(got, want)).as(message).isZero();
    } else if (Math.abs(want) < Double.MIN_NORMAL) {
      assertThat(Math.abs(got - want)).as(message).isLessThanOrEqualTo(SUBNORMAL_ABSOLUTE);
    } else {
      assertThat(Math.abs(got - want)).as(message).isLessThanOrEqualTo(RELATIVE * Math.abs(want));
    }
  }
}
