package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link AuditAccumulator} against exact rational arithmetic: scripts/reference/audit_reference.py
 * computes every audit number of seeded data sets (2 to 4000 rows, weighted and unweighted, levels
 * 0.9, 0.95 and 0.99, some weights 0 with loss +∞, confidences on bin edges) from their definitions
 * with Python's {@code fractions} and mpmath, and writes {@code reference/audit_rows.tsv} and
 * {@code reference/audit_expected.tsv}. What the kernel rounds once (weights, n_eff, means,
 * accuracies, bins, ECE, MCE) must match the correctly rounded reference bit for bit; the interval
 * ends, a few roundings later, to a few ulps. {@code audit_sigmoid_*.tsv} do the same for sigmoid
 * rows, calibrated by element (probability against target, both in [0, 1]).
 */
class AuditReferenceTest {
  /** Counted so that a truncated golden file fails instead of passing. */
  private static final int EXPECTED_CASES = 37;

  private record Row(double loss, double weight, int rank, double confidence) {}

  private record Case(String name, AuditSpec spec, List<Row> rows, String[] expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  private static List<String[]> read(String resource) throws IOException {
    List<String[]> lines = new ArrayList<>();
    try (InputStream stream = AuditReferenceTest.class.getResourceAsStream(resource);
        BufferedReader in =
            new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (!line.startsWith("#")) {
          lines.add(line.split("\t"));
        }
      }
    }
    return lines;
  }

  static Stream<Case> cases() throws IOException {
    Map<String, List<Row>> rows = new LinkedHashMap<>();
    for (String[] f : read("/reference/audit_rows.tsv")) {
      rows.computeIfAbsent(f[0], k -> new ArrayList<>())
          .add(
              new Row(
                  Double.parseDouble(f[1]),
                  Double.parseDouble(f[2]),
                  Integer.parseInt(f[3]),
                  Double.parseDouble(f[4])));
    }
    List<Case> cases = new ArrayList<>();
    for (String[] f : read("/reference/audit_expected.tsv")) {
      int[] ks = Arrays.stream(f[4].split(",")).mapToInt(Integer::parseInt).toArray();
      AuditSpec spec =
          new AuditSpec(f[1].equals("1"), ks, Integer.parseInt(f[3]), Double.parseDouble(f[2]));
      cases.add(new Case(f[0], spec, rows.get(f[0]), f));
    }
    assertThat(cases).hasSize(EXPECTED_CASES);
    return cases.stream();
  }

  private static AuditStats audit(Case c) {
    AuditAccumulator acc = new AuditAccumulator(c.spec());
    for (Row r : c.rows()) {
      acc.addSoftmax(r.loss(), r.weight(), r.rank() == 0, r.rank(), r.confidence());
    }
    return acc.result();
  }

  private static double hex(String s) {
    return Double.parseDouble(s);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void everyOnceRoundedNumberIsTheCorrectlyRoundedExactValue(Case c) {
    AuditStats stats = audit(c);
    String[] f = c.expected();
    assertSameDouble(stats.weightSum(), hex(f[5]), "weightSum");
    assertSameDouble(stats.weightSquareSum(), hex(f[6]), "weightSquareSum");
    assertSameDouble(stats.effectiveSampleSize(), hex(f[7]), "effectiveSampleSize");
    assertSameDouble(stats.meanLoss(), hex(f[8]), "meanLoss");
    assertSameDouble(stats.accuracy(), hex(f[9]), "accuracy");
    for (String entry : f[10].split(",")) {
      String[] kv = entry.split(":");
      assertSameDouble(
          stats.topKAccuracy().get(Integer.parseInt(kv[0])), hex(kv[1]), "top-" + kv[0]);
    }
    assertSameDouble(stats.ece(), hex(f[14]), "ece");
    assertSameDouble(stats.mce(), hex(f[15]), "mce");
    String[] bins = f[16].split(";");
    assertThat(stats.calibration()).hasSize(bins.length);
    for (int b = 0; b < bins.length; b++) {
      String[] cell = bins[b].split(":");
      CalibrationBin bin = stats.calibration().get(b);
      assertThat(bin.bin()).isEqualTo(b);
      assertThat(bin.count()).as("count of bin %d", b).isEqualTo(Long.parseLong(cell[0]));
      assertSameDouble(bin.weight(), hex(cell[1]), "weight of bin " + b);
      assertSameDouble(bin.meanConfidence(), hex(cell[2]), "confidence of bin " + b);
      assertSameDouble(bin.accuracy(), hex(cell[3]), "accuracy of bin " + b);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theMeanLossIntervalIsTheExactOneToAFewUlps(Case c) {
    double[] ci = audit(c).meanLossCi();
    String expected = c.expected()[12];
    if (expected.equals("null")) {
      assertThat(ci).isNull();
      return;
    }
    String[] ends = expected.split(",");
    BigDecimal lower = new BigDecimal(ends[0]);
    BigDecimal upper = new BigDecimal(ends[1]);
    // mean (½ ulp) ± z (≤ 5 ulps) · sqrt(s²/n_eff rounded once) (≤ 1 ulp), then the sum: 8 ulps of
    // the upper end (≥ the mean and the half-width, losses being ≥ 0) bound the error.
    double tolerance = 8 * Math.ulp(upper.doubleValue());
    assertWithin(ci[0], lower, tolerance, "lower end");
    assertWithin(ci[1], upper, tolerance, "upper end");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void theAccuracyIntervalIsTheWilsonIntervalToAFewUlps(Case c) {
    double[] ci = audit(c).accuracyCi();
    String[] ends = c.expected()[13].split(",");
    // About fifteen roundings on values in [0, 1], from p̂ and n_eff rounded once.
    double tolerance = 32 * Math.ulp(1.0);
    assertWithin(ci[0], new BigDecimal(ends[0]), tolerance, "lower end");
    assertWithin(ci[1], new BigDecimal(ends[1]), tolerance, "upper end");
  }

  private static void assertWithin(double actual, BigDecimal expected, double tolerance, String w) {
    assertThat(new BigDecimal(actual).subtract(expected).abs().doubleValue())
        .as("%s: %s vs %s", w, actual, expected)
        .isLessThanOrEqualTo(tolerance);
  }

  // ---- sigmoid rows: element calibration, no accuracy ----

  /** Counted so that a truncated golden file fails instead of passing. */
  private static final int EXPECTED_SIGMOID_CASES = 6;

  private record SigmoidCase(String name, AuditSpec spec, List<String[]> lines, String[] expected) {
    @Override
    public String toString() {
      return name;
    }
  }

  static Stream<SigmoidCase> sigmoidCases() throws IOException {
    Map<String, List<String[]>> lines = new LinkedHashMap<>();
    for (String[] f : read("/reference/audit_sigmoid_rows.tsv")) {
      lines.computeIfAbsent(f[0], k -> new ArrayList<>()).add(f);
    }
    List<SigmoidCase> cases = new ArrayList<>();
    for (String[] f : read("/reference/audit_sigmoid_expected.tsv")) {
      AuditSpec spec =
          new AuditSpec(
              f[1].equals("1"), new int[] {1}, Integer.parseInt(f[3]), Double.parseDouble(f[2]));
      cases.add(new SigmoidCase(f[0], spec, lines.get(f[0]), f));
    }
    assertThat(cases).hasSize(EXPECTED_SIGMOID_CASES);
    return cases.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("sigmoidCases")
  void sigmoidAuditsMatchTheExactReference(SigmoidCase c) {
    AuditAccumulator acc = new AuditAccumulator(c.spec());
    double rowWeight = Double.NaN;
    for (String[] line : c.lines()) {
      if (line[1].equals("row")) {
        rowWeight = hex(line[3]);
        acc.addSigmoid(hex(line[2]), rowWeight);
      } else {
        acc.addSigmoidElement(hex(line[2]), hex(line[3]), rowWeight);
      }
    }
    AuditStats stats = acc.result();
    String[] f = c.expected();
    assertSameDouble(stats.weightSum(), hex(f[4]), "weightSum");
    assertSameDouble(stats.weightSquareSum(), hex(f[5]), "weightSquareSum");
    assertSameDouble(stats.effectiveSampleSize(), hex(f[6]), "effectiveSampleSize");
    assertSameDouble(stats.meanLoss(), hex(f[7]), "meanLoss");
    assertSameDouble(stats.accuracy(), Double.NaN, "accuracy");
    assertThat(stats.accuracyCi()).isNull();
    if (f[8].equals("null")) {
      assertThat(stats.meanLossCi()).isNull();
    } else {
      String[] ends = f[8].split(",");
      BigDecimal upper = new BigDecimal(ends[1]);
      double tolerance = 8 * Math.ulp(upper.doubleValue());
      assertWithin(stats.meanLossCi()[0], new BigDecimal(ends[0]), tolerance, "lower end");
      assertWithin(stats.meanLossCi()[1], upper, tolerance, "upper end");
    }
    assertSameDouble(stats.ece(), hex(f[9]), "ece");
    assertSameDouble(stats.mce(), hex(f[10]), "mce");
    String[] bins = f[11].split(";");
    assertThat(stats.calibration()).hasSize(bins.length);
    for (int b = 0; b < bins.length; b++) {
      String[] cell = bins[b].split(":");
      CalibrationBin bin = stats.calibration().get(b);
      assertThat(bin.count()).as("count of bin %d", b).isEqualTo(Long.parseLong(cell[0]));
      assertSameDouble(bin.weight(), hex(cell[1]), "weight of bin " + b);
      assertSameDouble(bin.meanConfidence(), hex(cell[2]), "confidence of bin " + b);
      assertSameDouble(bin.accuracy(), hex(cell[3]), "accuracy of bin " + b);
    }
  }
}
