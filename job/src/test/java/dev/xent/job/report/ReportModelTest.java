package dev.xent.job.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xent.job.report.ReportView.Bar;
import dev.xent.job.report.ReportView.Point;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The report's view model against hand-computed coordinates (the plot boxes are fixed: the
 * reliability square is 380 units at (70, 20), the histogram's plot 1060 × 250 at (80, 40)), and
 * the page's escaping of everything that comes from the data.
 */
class ReportModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  private static JsonNode json(String text) {
    try {
      return JSON.readTree(text.replace('\'', '"'));
    } catch (IOException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

  /** The smallest metrics.json the report accepts, plus {@code extra} fields. */
  private static JsonNode metrics(String extra) {
    return json(
        "{'rows': 4, 'rows_scored': 3, 'rows_invalid': 1, 'rows_ignored': 0,"
            + " 'invalid_by_reason': {'nan_logit': 1, 'bad_weight': 0}, 'rows_infinite_loss': 0,"
            + " 'mean_loss': 0.5, 'mean_loss_ci': [0.25, 0.75], 'accuracy': 0.5,"
            + " 'confidence_level': 0.95, 'perplexity': 1.6487, 'ece': 0.1, 'mce': 0.2,"
            + " 'calibration': [], 'loss_histogram': [], 'loss': 'softmax', 'input': 'in',"
            + " 'xent_version': '0.1.0', 'min_slice_rows': 2"
            + extra
            + "}");
  }

  @Test
  void reliabilityPointsAndBarsSitWhereTheirConfidenceAndAccuracyMapOnTheSquare() {
    // Bin (0.2, 0.4] with mean confidence 0.25 and accuracy 0.75: the point is at x = 70 +
    // 0.25·380 = 165, y = 20 + 380 − 0.75·380 = 115; the bar spans x = 70 + 0.2·380 = 146 to
    // 70 + 0.4·380 = 222 (inset by 1 each side) and rises from y = 400 to 115.
    JsonNode bins =
        json(
            "[{'bin': 0, 'lower': 0.0, 'upper': 0.2, 'count': 0, 'weight': 0.0,"
                + " 'mean_confidence': null, 'accuracy': null},"
                + " {'bin': 1, 'lower': 0.2, 'upper': 0.4, 'count': 4, 'weight': 4.0,"
                + " 'mean_confidence': 0.25, 'accuracy': 0.75}]");
    ReportView.Reliability r = ReportModel.reliability(bins, true);
    assertThat(r.points()).hasSize(1);
    Point p = r.points().get(0);
    assertThat(p.cx()).isEqualTo("165.0");
    assertThat(p.cy()).isEqualTo("115.0");
    // All the weight is in this bin: radius 3 + 9·√1 = 12.
    assertThat(p.r()).isEqualTo("12.0");
    Bar bar = r.bars().get(0);
    assertThat(List.of(bar.x(), bar.y(), bar.width(), bar.height()))
        .containsExactly("147.0", "115.0", "74.0", "285.0");
    // The diagonal joins (0, 0) and (1, 1): the bottom-left and top-right corners.
    assertThat(List.of(r.diagonal().x1(), r.diagonal().y1(), r.diagonal().x2(), r.diagonal().y2()))
        .containsExactly("70.0", "400.0", "450.0", "20.0");
    assertThat(r.xTicks())
        .extracting(ReportView.Tick::label)
        .containsExactly("0", "0.2", "0.4", "0.6", "0.8", "1");
  }

  @Test
  void aCalibrationWithoutWeightHasNoDiagram() {
    JsonNode bins =
        json(
            "[{'bin': 0, 'lower': 0.0, 'upper': 1.0, 'count': 2, 'weight': 0.0,"
                + " 'mean_confidence': null, 'accuracy': null}]");
    assertThat(ReportModel.reliability(bins, true)).isNull();
  }

  @Test
  void histogramBarsAreOnePerListedBinScaledToARoundedAxis() {
    // Counts 10, 0, 5: the count step is the 1-2-5 value ≥ 10/5 = 2, the axis ends at 10. Bars
    // are 1060/3 wide (gap 2): the first is 250 tall (top at 290 − 250 = 40), the third 125.
    JsonNode bins =
        json(
            "[{'lower': 0.5, 'upper': 1.0, 'count': 10}, {'lower': 1.0, 'upper': 2.0, 'count': 0},"
                + " {'lower': 2.0, 'upper': 4.0, 'count': 5}]");
    ReportView.Histogram h = ReportModel.histogram(bins, false);
    assertThat(h.bars()).hasSize(3);
    assertThat(h.bars().get(0).y()).isEqualTo("40.0");
    assertThat(h.bars().get(0).height()).isEqualTo("250.0");
    assertThat(h.bars().get(1).height()).isEqualTo("0.0");
    assertThat(h.bars().get(2).y()).isEqualTo("165.0");
    assertThat(h.bars().get(2).x()).isEqualTo("787.7"); // 80 + 2·1060/3 + 1
    assertThat(h.bars().get(2).width()).isEqualTo("351.3"); // 1060/3 − 2
    assertThat(h.yTicks())
        .extracting(ReportView.Tick::label)
        .containsExactly("0", "2", "4", "6", "8", "10");
    // Lower edges of the three bins, then the last upper edge.
    assertThat(h.xTicks()).extracting(ReportView.Tick::label).containsExactly("0.5", "1", "2", "4");
    // Only filled bins are labelled with a count and listed in the table.
    assertThat(h.counts()).extracting(ReportView.TurnedLabel::text).containsExactly("10", "5");
    assertThat(h.table()).hasSize(2);
    assertThat(h.table().get(1).cells().get(2).text()).isEqualTo("33.33 %");
  }

  @Test
  void smallEdgesArePowersOfTwoAndTheLastBinIsClosedAtInfinity() {
    assertThat(Fmt.edge(0x1p-40)).isEqualTo("2⁻⁴⁰");
    assertThat(Fmt.edgeLabel(0x1p-40)).containsExactly("2", "−40");
    assertThat(Fmt.edge(0x1p-4)).isEqualTo("2⁻⁴");
    assertThat(Fmt.edge(0.125)).isEqualTo("0.125");
    assertThat(Fmt.edge(1024)).isEqualTo("1024");
    assertThat(Fmt.edge(0)).isEqualTo("0");
    assertThat(Fmt.edge(Double.POSITIVE_INFINITY)).isEqualTo("∞");
    JsonNode bins = json("[{'lower': 1024.0, 'upper': 'Infinity', 'count': 1}]");
    assertThat(ReportModel.histogram(bins, false).table().get(0).cells().get(0).text())
        .isEqualTo("[1024, ∞]");
  }

  @Test
  void countStepsAreOneTwoOrFiveTimesAPowerOfTen() {
    assertThat(ReportModel.niceStep(0.4)).isEqualTo(1);
    assertThat(ReportModel.niceStep(3)).isEqualTo(5);
    assertThat(ReportModel.niceStep(12)).isEqualTo(20);
    assertThat(ReportModel.niceStep(2_000_001)).isEqualTo(5_000_000);
  }

  @Test
  void numbersAreFormattedTheSameInAnyLocale() {
    java.util.Locale previous = java.util.Locale.getDefault();
    java.util.Locale.setDefault(java.util.Locale.GERMANY);
    try {
      assertThat(Fmt.real(0.693147180559945)).isEqualTo("0.693147");
      assertThat(Fmt.count(1234567)).isEqualTo("1,234,567");
      assertThat(Fmt.px(12.25)).isEqualTo("12.3");
      assertThat(Fmt.real(1e-20)).isEqualTo("1e-20");
      assertThat(Fmt.real(Double.NaN)).isEqualTo(Fmt.UNDEFINED);
      // A whole weight sum reads like the count beside it; a fractional one keeps six digits.
      assertThat(Fmt.real(5009.0)).isEqualTo("5,009");
      assertThat(Fmt.real(5009.25)).isEqualTo("5009.25");
      assertThat(Fmt.real(999.0)).isEqualTo("999");
    } finally {
      java.util.Locale.setDefault(previous);
    }
  }

  @Test
  void aRunManifestOfAnyShapeIsFlattenedIntoEntriesAndTables() {
    JsonNode run =
        json(
            "{'started': '2026-12-03T12:00:00Z', 'options': {'top_k': [1, 5], 'spark': {'a': 'b'}},"
                + " 'input_files': [{'path': 'p1', 'size': 3}, {'path': 'p2', 'rows': 4}]}");
    ReportView.Manifest m = ReportModel.manifest(run);
    assertThat(m.entries())
        .extracting(ReportView.Item::name, ReportView.Item::value)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("started", "2026-12-03T12:00:00Z"),
            org.assertj.core.groups.Tuple.tuple("options.top_k", "1, 5"),
            org.assertj.core.groups.Tuple.tuple("options.spark.a", "b"));
    assertThat(m.tables()).hasSize(1);
    ReportView.Table files = m.tables().get(0);
    assertThat(files.title()).isEqualTo("input_files");
    assertThat(files.headers())
        .extracting(ReportView.Cell::text, ReportView.Cell::numeric)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("path", false),
            org.assertj.core.groups.Tuple.tuple("size", true),
            org.assertj.core.groups.Tuple.tuple("rows", true));
    assertThat(files.rows().get(1).cells())
        .extracting(ReportView.Cell::text)
        .containsExactly("p2", "", "4");
    assertThat(ReportModel.manifest(null)).isNull();
  }

  @Test
  void slicesComeOutliersFirstAsMetricsJsonDefinesThem() {
    // Overall mean 0.5, min_slice_rows 2: z(a) = (0.9 − 0.5)/0.1 = 4, z(b) = (0.6 − 0.5)/0.05 = 2;
    // c has one scored row (no z) and the highest mean loss, so it comes after both.
    List<Map<String, Object>> rows =
        List.of(slice("b", 10L, 0.6, 0.05), slice("c", 1L, 3.0, 0.1), slice("a", 10L, 0.9, 0.1));
    ParquetRows.Top top =
        new ParquetRows.Top(
            rows.stream().sorted(ReportModel.sliceOrder(0.5, 2)).toList(),
            3,
            List.copyOf(rows.get(0).keySet()));
    ReportView.Slices s = ReportModel.slices(metrics(""), top);
    assertThat(s.rows()).extracting(r -> r.cells().get(0).text()).containsExactly("a", "b", "c");
    assertThat(s.rows()).extracting(ReportView.Row::flagged).containsExactly(true, false, false);
    assertThat(s.rows().get(0).cells().get(s.rows().get(0).cells().size() - 1).text())
        .isEqualTo("4");
    assertThat(s.headers().get(0).text()).isEqualTo("g");
    assertThat(s.headers().get(0).numeric()).isFalse();
  }

  private static Map<String, Object> slice(String g, long scored, double loss, double se) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("g", g);
    row.put("rows", scored);
    row.put("rows_scored", scored);
    row.put("rows_invalid", 0L);
    row.put("mean_loss", loss);
    row.put("mean_loss_ci", List.of(loss - 2 * se, loss + 2 * se));
    row.put("mean_loss_se", se);
    row.put("accuracy", 0.5);
    row.put("ece", 0.1);
    return row;
  }

  // ---- the page ----

  private static final String SCRIPT = "<script>alert(1)</script>";
  private static final String IMG = "\"><img src=x onerror=alert(1)>";

  @Test
  void everyValueFromTheDataIsEscaped() {
    Map<String, Object> row = slice(SCRIPT, 10L, 0.9, 0.1);
    Map<String, Object> other = slice(IMG, 10L, 0.6, 0.1);
    // The column name is data too.
    Map<String, Object> renamed = new LinkedHashMap<>();
    row.forEach((k, v) -> renamed.put(k.equals("g") ? IMG : k, v));
    Map<String, Object> renamedOther = new LinkedHashMap<>();
    other.forEach((k, v) -> renamedOther.put(k.equals("g") ? IMG : k, v));
    ParquetRows.Top top =
        new ParquetRows.Top(List.of(renamed, renamedOther), 2, List.copyOf(renamed.keySet()));
    JsonNode m =
        metrics(
            ", 'quarantine': '/q/"
                + SCRIPT.replace("\"", "\\\"")
                + "',"
                + " 'run': {'host': '"
                + IMG.replace("\"", "\\\"")
                + "'}");
    ((com.fasterxml.jackson.databind.node.ObjectNode) m).put("input", SCRIPT);
    String html = HtmlReport.render(ReportModel.build(m, new ReportModel.Tables(null, top)));
    assertThat(html).doesNotContain("<script", "<img", "onerror=");
    assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt;");
    assertThat(html).contains("&quot;&gt;&lt;img src&#61;x onerror&#61;alert(1)&gt;");
    assertThat(html).contains("/q/&lt;script&gt;");
  }

  @Test
  void theTemplateNeverPlacesAValueUnescaped() throws IOException {
    String template;
    try (InputStream in =
        HtmlReport.class.getResourceAsStream("/dev/xent/job/report/report.html.mustache")) {
      template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    // {{{x}}} and {{& x}} are Mustache's unescaped forms.
    assertThat(template).doesNotContain("{{{", "{{&");
    // Self-contained: nothing fetched, nothing run.
    assertThat(template).doesNotContain("<script", "src=", "href=\"http", "@import", "url(");
  }

  @Test
  void eachSectionIsOnThePageAndAbsentOptionalOnesSayWhy() {
    JsonNode m =
        metrics(
            ", 'loss_histogram': [{'lower': 0.5, 'upper': 1.0, 'count': 3}],"
                + " 'calibration': [{'bin': 0, 'lower': 0.0, 'upper': 1.0, 'count': 3,"
                + " 'weight': 3.0, 'mean_confidence': 0.6, 'accuracy': 0.5}]");
    String html = HtmlReport.render(ReportModel.build(m, null));
    for (String id : List.of("summary", "loss-histogram", "reliability", "invalid", "run")) {
      assertThat(html).contains("<section id=\"" + id + "\">");
    }
    assertThat(html).doesNotContain("id=\"per-class\"", "id=\"slices\"");
    assertThat(html).contains("No quarantine was written", "metrics.json has no run manifest");
    assertThat(html.split("<rect class=\"hist\"", -1)).hasSize(2);
    assertThat(html).contains("<td>nan_logit</td>");
    assertThat(html).doesNotContain("<td>bad_weight</td>");
  }

  @Test
  void aDirectoryWithoutMetricsIsRefusedNamingTheFile() {
    assertThatThrownBy(() -> HtmlReport.render(new Configuration(), tmp.toString()))
        .isInstanceOf(FileNotFoundException.class)
        .hasMessageContaining("Cannot write the report")
        .hasMessageContaining("metrics.json' does not exist")
        .hasMessageContaining("not the --output directory of a finished evaluate");
  }

  @Test
  void aMetricsFileThatIsNotJsonIsRefused() throws IOException {
    java.nio.file.Files.writeString(tmp.resolve("metrics.json"), "{not json");
    assertThatThrownBy(() -> HtmlReport.render(new Configuration(), tmp.toString()))
        .isInstanceOf(IOException.class)
        .hasMessageContaining("metrics.json' is not JSON");
  }

  @Test
  void sigmoidRunsHaveNoAccuracyAndCalibrateAgainstTheMeanTarget() {
    JsonNode m =
        metrics(
            ", 'weight': 'w', 'weight_sum': 2.5, 'effective_sample_size': 1.8,"
                + " 'loss_histogram': [{'lower': 0.5, 'upper': 1.0, 'count': 3, 'weight': 2.5}],"
                + " 'calibration': [{'bin': 0, 'lower': 0.0, 'upper': 1.0, 'count': 6,"
                + " 'weight': 2.5, 'mean_confidence': 0.4, 'accuracy': 0.3}]");
    ((com.fasterxml.jackson.databind.node.ObjectNode) m).put("loss", "sigmoid");
    ReportView view = ReportModel.build(m, null);
    assertThat(view.summary()).extracting(ReportView.Item::name).doesNotContain("accuracy");
    assertThat(view.summary())
        .extracting(ReportView.Item::name)
        .contains("weight sum", "effective sample size");
    assertThat(view.reliability().outcome()).isEqualTo("mean target");
    assertThat(view.reliability().yTitle().text()).isEqualTo("fraction of positive targets");
    // Weighted: the bin table carries the weight, and the page says bars count rows.
    assertThat(view.histogram().weighted()).isTrue();
    assertThat(view.histogram().table().get(0).cells())
        .extracting(ReportView.Cell::text)
        .contains("2.5");
    assertThat(HtmlReport.render(view)).contains("Bar heights count rows");
  }
}
