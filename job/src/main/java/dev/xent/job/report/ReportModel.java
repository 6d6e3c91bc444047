package dev.xent.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xent.job.report.ReportView.Bar;
import dev.xent.job.report.ReportView.Cell;
import dev.xent.job.report.ReportView.Item;
import dev.xent.job.report.ReportView.Label;
import dev.xent.job.report.ReportView.Line;
import dev.xent.job.report.ReportView.Point;
import dev.xent.job.report.ReportView.Row;
import dev.xent.job.report.ReportView.Tick;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds the {@link ReportView} of an output directory: metrics.json (as parsed JSON) and, when
 * present, the kept rows of per_class.parquet and slices.parquet. Geometry is computed here: a
 * plot's data point (u, v) goes to x = left + u·width/span, y = top + height − v·height/span.
 */
public final class ReportModel {
  private ReportModel() {}

  // The loss histogram's SVG: 1160 × 370 user units, plot area [80, 1140] × [40, 290] (the top
  // 40 hold the count labels of the tallest bars).
  static final double HIST_WIDTH = 1160;
  static final double HIST_HEIGHT = 370;
  static final double HIST_LEFT = 80;
  static final double HIST_TOP = 40;
  static final double HIST_PLOT_WIDTH = 1060;
  static final double HIST_PLOT_HEIGHT = 250;

  // The reliability diagram: a square plot of side 380 at (70, 20) in a 480 × 480 box.
  static final double REL_WIDTH = 480;
  static final double REL_HEIGHT = 480;
  static final double REL_LEFT = 70;
  static final double REL_TOP = 20;
  static final double REL_SIDE = 380;

  // The per-class bars: names in the 130 units on the left, values in the 110 on the right.
  static final double CLASS_WIDTH = 1160;
  static final double CLASS_LEFT = 130;
  static final double CLASS_PLOT_WIDTH = 900;
  static final double CLASS_ROW = 22;
  static final double CLASS_TOP = 10;

  /** The metric columns of slices.parquet; the group columns are those before "rows". */
  private static final List<String> SLICE_METRICS =
      List.of(
          "rows", "rows_scored", "rows_invalid", "mean_loss", "mean_loss_ci", "accuracy", "ece");

  /** metrics.json fields shown elsewhere than the options table. */
  private static final Set<String> NOT_OPTIONS =
      Set.of(
          "rows",
          "rows_scored",
          "rows_invalid",
          "rows_ignored",
          "invalid_by_reason",
          "rows_infinite_loss",
          "rows_filtered_out",
          "skipped_files",
          "weight_sum",
          "effective_sample_size",
          "mean_loss",
          "mean_loss_ci",
          "accuracy",
          "accuracy_ci",
          "top_k_accuracy",
          "confidence_level",
          "perplexity",
          "log_mean_true_prob",
          "ece",
          "mce",
          "calibration",
          "loss_histogram",
          "classes",
          "macro_recall",
          "macro_f1",
          "worst_classes",
          "slices",
          "outlier_slices",
          "quarantine",
          "run");

  /** The per-class and slice tables, null when the directory has none. */
  public record Tables(ParquetRows.Top classes, ParquetRows.Top slices) {}

  public static ReportView build(JsonNode metrics, Tables tables) {
    String input = text(metrics.get("input"));
    String loss = text(metrics.get("loss"));
    boolean softmax = !"sigmoid".equals(loss);
    return new ReportView(
        "xent audit — " + input,
        input,
        loss,
        text(metrics.get("xent_version")),
        summary(metrics, softmax),
        histogram(metrics.path("loss_histogram"), metrics.hasNonNull("weight")),
        reliability(metrics.path("calibration"), softmax),
        tables == null || tables.classes() == null ? null : classes(metrics, tables.classes()),
        tables == null || tables.slices() == null ? null : slices(metrics, tables.slices()),
        invalid(metrics),
        options(metrics),
        manifest(metrics.get("run")));
  }

  // ---- summary ----

  private static List<Item> summary(JsonNode m, boolean softmax) {
    List<Item> items = new ArrayList<>();
    long rows = m.path("rows").asLong();
    items.add(new Item("rows", Fmt.count(rows), "rows read"));
    if (m.has("rows_filtered_out")) {
      items.add(
          new Item(
              "rows filtered out", Fmt.count(m.path("rows_filtered_out").asLong()), "--filter"));
    }
    items.add(
        new Item(
            "rows scored", Fmt.count(m.path("rows_scored").asLong()), share(m, "rows_scored")));
    items.add(
        new Item(
            "rows invalid",
            Fmt.count(m.path("rows_invalid").asLong()),
            share(m, "rows_invalid") + reasons(m)));
    items.add(
        new Item("rows ignored", Fmt.count(m.path("rows_ignored").asLong()), "--ignore-index"));
    items.add(
        new Item(
            "rows with infinite loss",
            Fmt.count(m.path("rows_infinite_loss").asLong()),
            "the label's probability is 0 (masked, or underflowed)"));
    if (m.hasNonNull("weight")) {
      items.add(new Item("weight sum", Fmt.real(Fmt.number(m.get("weight_sum"))), "Σω"));
      items.add(
          new Item(
              "effective sample size",
              Fmt.real(Fmt.number(m.get("effective_sample_size"))),
              "Kish: (Σω)²/Σω²"));
    }
    String level = level(m);
    items.add(
        new Item(
            "mean loss",
            Fmt.real(Fmt.number(m.get("mean_loss"))),
            "nats a row; " + interval(m.get("mean_loss_ci"), level)));
    if (softmax && m.has("accuracy")) {
      items.add(
          new Item(
              "accuracy",
              Fmt.real(Fmt.number(m.get("accuracy"))),
              "fraction correct; " + interval(m.get("accuracy_ci"), level) + " (Wilson)"));
      for (Iterator<Map.Entry<String, JsonNode>> it = m.path("top_k_accuracy").fields();
          it.hasNext(); ) {
        Map.Entry<String, JsonNode> k = it.next();
        items.add(
            new Item(
                "top-" + k.getKey() + " accuracy",
                Fmt.real(Fmt.number(k.getValue())),
                "label among the " + k.getKey() + " highest logits"));
      }
    }
    items.add(new Item("perplexity", Fmt.real(Fmt.number(m.get("perplexity"))), "e^(mean loss)"));
    items.add(
        new Item(
            "ECE",
            Fmt.real(Fmt.number(m.get("ece"))),
            "expected calibration error over " + m.path("calibration").size() + " bins"));
    items.add(new Item("MCE", Fmt.real(Fmt.number(m.get("mce"))), "largest bin gap"));
    if (m.has("macro_recall")) {
      items.add(
          new Item(
              "macro recall", Fmt.real(Fmt.number(m.get("macro_recall"))), "balanced accuracy"));
      items.add(new Item("macro F1", Fmt.real(Fmt.number(m.get("macro_f1"))), "classes seen"));
    }
    return items;
  }

  private static String share(JsonNode m, String field) {
    long rows = m.path("rows").asLong();
    return rows == 0 ? "" : Fmt.percent((double) m.path(field).asLong() / rows) + " of rows";
  }

  private static String reasons(JsonNode m) {
    StringBuilder out = new StringBuilder();
    for (Iterator<Map.Entry<String, JsonNode>> it = m.path("invalid_by_reason").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getValue().asLong() > 0) {
        out.append(out.length() == 0 ? "; " : ", ")
            .append(e.getKey())
            .append(' ')
            .append(Fmt.count(e.getValue().asLong()));
      }
    }
    return out.toString();
  }

  private static String level(JsonNode m) {
    double level = Fmt.number(m.get("confidence_level"));
    return Double.isNaN(level) ? "" : Fmt.real(100 * level) + " %";
  }

  private static String interval(JsonNode ci, String level) {
    if (ci == null || !ci.isArray() || ci.size() != 2) {
      return level + " interval undefined";
    }
    return level
        + " CI "
        + Fmt.real(Fmt.number(ci.get(0)))
        + " – "
        + Fmt.real(Fmt.number(ci.get(1)));
  }

  // ---- loss histogram ----

  static ReportView.Histogram histogram(JsonNode bins, boolean weighted) {
    int n = bins.size();
    if (n == 0) {
      return null;
    }
    long max = 0;
    long total = 0;
    for (JsonNode bin : bins) {
      max = Math.max(max, bin.path("count").asLong());
      total += bin.path("count").asLong();
    }
    double step = niceStep(max / 5.0);
    double axisMax = Math.max(step, Math.ceil(max / step) * step);
    double band = HIST_PLOT_WIDTH / n;
    double bottom = HIST_TOP + HIST_PLOT_HEIGHT;
    double right = HIST_LEFT + HIST_PLOT_WIDTH;
    List<Bar> bars = new ArrayList<>();
    List<ReportView.TurnedLabel> counts = new ArrayList<>();
    List<Tick> xTicks = new ArrayList<>();
    List<Row> table = new ArrayList<>();
    // Gaps of a tenth of the band (at most 2 units) keep neighbouring bars apart.
    double gap = Math.min(2, band / 10);
    for (int i = 0; i < n; i++) {
      JsonNode bin = bins.get(i);
      long count = bin.path("count").asLong();
      double height = count / axisMax * HIST_PLOT_HEIGHT;
      double x = HIST_LEFT + i * band;
      String range =
          "["
              + Fmt.edge(Fmt.number(bin.get("lower")))
              + ", "
              + Fmt.edge(Fmt.number(bin.get("upper")))
              + (Double.isInfinite(Fmt.number(bin.get("upper"))) ? "]" : ")");
      String weight = weighted ? ", weight " + Fmt.real(Fmt.number(bin.get("weight"))) : "";
      bars.add(
          new Bar(
              Fmt.px(x + gap / 2),
              Fmt.px(bottom - height),
              Fmt.px(band - gap),
              Fmt.px(height),
              "loss in " + range + ": " + Fmt.count(count) + " rows" + weight));
      if (count > 0) {
        // Every filled bin shows its count, so a bin too small to see still reads on paper;
        // turned upright when it is wider than the bar (about 7.5 units a character at 12 px).
        String text = Fmt.count(count);
        double cx = x + band / 2;
        double top = bottom - height - 4;
        boolean turn = text.length() * 7.5 > band - 2;
        counts.add(
            new ReportView.TurnedLabel(
                Fmt.px(turn ? cx + 4 : cx),
                Fmt.px(top),
                text,
                turn ? "rotate(-90 " + Fmt.px(cx + 4) + " " + Fmt.px(top) + ")" : ""));
      }
      xTicks.add(
          new Tick(
              Fmt.px(x),
              Fmt.px(bottom + 16),
              Fmt.edgeLabel(Fmt.number(bin.get("lower")))[0],
              Fmt.edgeLabel(Fmt.number(bin.get("lower")))[1],
              Fmt.px(x),
              Fmt.px(bottom),
              Fmt.px(x),
              Fmt.px(bottom + 4)));
      if (count > 0) {
        List<Cell> cells = new ArrayList<>();
        cells.add(new Cell(range, false));
        cells.add(new Cell(Fmt.count(count), true));
        cells.add(new Cell(total == 0 ? Fmt.UNDEFINED : Fmt.percent((double) count / total), true));
        if (weighted) {
          cells.add(new Cell(Fmt.real(Fmt.number(bin.get("weight"))), true));
        }
        table.add(new Row(cells, false));
      }
    }
    double lastUpper = Fmt.number(bins.get(n - 1).get("upper"));
    xTicks.add(
        new Tick(
            Fmt.px(right),
            Fmt.px(bottom + 16),
            Fmt.edgeLabel(lastUpper)[0],
            Fmt.edgeLabel(lastUpper)[1],
            Fmt.px(right),
            Fmt.px(bottom),
            Fmt.px(right),
            Fmt.px(bottom + 4)));
    List<Tick> yTicks = new ArrayList<>();
    for (double v = 0; v <= axisMax * (1 + 1e-9); v += step) {
      double y = bottom - v / axisMax * HIST_PLOT_HEIGHT;
      yTicks.add(
          new Tick(
              Fmt.px(HIST_LEFT - 8),
              Fmt.px(y),
              Fmt.count(Math.round(v)),
              "",
              Fmt.px(HIST_LEFT),
              Fmt.px(y),
              Fmt.px(right),
              Fmt.px(y)));
    }
    return new ReportView.Histogram(
        Fmt.px(HIST_WIDTH),
        Fmt.px(HIST_HEIGHT),
        bars,
        counts,
        yTicks,
        xTicks,
        new Line(Fmt.px(HIST_LEFT), Fmt.px(bottom), Fmt.px(right), Fmt.px(bottom)),
        new Line(Fmt.px(HIST_LEFT), Fmt.px(HIST_TOP), Fmt.px(HIST_LEFT), Fmt.px(bottom)),
        new Label(
            Fmt.px(HIST_LEFT + HIST_PLOT_WIDTH / 2),
            Fmt.px(HIST_HEIGHT - 8),
            "per-row loss (nats), bins [2ᵏ, 2ᵏ⁺¹) on a log₂ scale; labels are lower edges"),
        new Label(Fmt.px(18), Fmt.px(HIST_TOP + HIST_PLOT_HEIGHT / 2), "rows per bin"),
        table,
        weighted,
        weighted ? "Bar heights count rows; each bin's weight Σω is in the table." : "");
  }

  /** 1, 2 or 5 times a power of ten, at least {@code raw} (and at least 1: counts are whole). */
  static double niceStep(double raw) {
    if (raw <= 1) {
      return 1;
    }
    double power = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * power >= raw) {
        return m * power;
      }
    }
    return 10 * power;
  }

  // ---- reliability diagram ----

  /** x of a probability on the reliability diagram's horizontal axis. */
  static double relX(double p) {
    return REL_LEFT + p * REL_SIDE;
  }

  /** y of a fraction on its vertical axis (SVG y grows downwards). */
  static double relY(double v) {
    return REL_TOP + REL_SIDE - v * REL_SIDE;
  }

  static ReportView.Reliability reliability(JsonNode bins, boolean softmax) {
    List<Bar> bars = new ArrayList<>();
    List<Point> points = new ArrayList<>();
    List<Row> table = new ArrayList<>();
    double totalWeight = 0;
    for (JsonNode bin : bins) {
      totalWeight += Math.max(0, Fmt.number(bin.get("weight")));
    }
    for (JsonNode bin : bins) {
      double accuracy = Fmt.number(bin.get("accuracy"));
      double confidence = Fmt.number(bin.get("mean_confidence"));
      if (Double.isNaN(accuracy) || Double.isNaN(confidence)) {
        continue;
      }
      double lower = Fmt.number(bin.get("lower"));
      double upper = Fmt.number(bin.get("upper"));
      double weight = Fmt.number(bin.get("weight"));
      String range = "(" + Fmt.brief(lower) + ", " + Fmt.brief(upper) + "]";
      String what =
          range + ": " + Fmt.count(bin.path("count").asLong()) + (softmax ? " rows" : " elements");
      bars.add(
          new Bar(
              Fmt.px(relX(lower) + 1),
              Fmt.px(relY(accuracy)),
              Fmt.px((upper - lower) * REL_SIDE - 2),
              Fmt.px(accuracy * REL_SIDE),
              what + ", " + (softmax ? "accuracy " : "mean target ") + Fmt.real(accuracy)));
      // Point area ∝ the bin's share of the weight: a bin of few rows draws little attention.
      double share = totalWeight > 0 ? weight / totalWeight : 0;
      points.add(
          new Point(
              Fmt.px(relX(confidence)),
              Fmt.px(relY(accuracy)),
              Fmt.px(3 + 9 * Math.sqrt(share)),
              what + ", mean confidence " + Fmt.real(confidence)));
      table.add(
          new Row(
              List.of(
                  new Cell(range, false),
                  new Cell(Fmt.count(bin.path("count").asLong()), true),
                  new Cell(Fmt.real(weight), true),
                  new Cell(Fmt.real(confidence), true),
                  new Cell(Fmt.real(accuracy), true),
                  new Cell(Fmt.real(accuracy - confidence), true)),
              false));
    }
    if (bars.isEmpty()) {
      return null;
    }
    List<Tick> xTicks = new ArrayList<>();
    List<Tick> yTicks = new ArrayList<>();
    for (int i = 0; i <= 5; i++) {
      double v = i / 5.0;
      String label = Fmt.real(v);
      xTicks.add(
          new Tick(
              Fmt.px(relX(v)),
              Fmt.px(relY(0) + 18),
              label,
              "",
              Fmt.px(relX(v)),
              Fmt.px(relY(0)),
              Fmt.px(relX(v)),
              Fmt.px(relY(1))));
      yTicks.add(
          new Tick(
              Fmt.px(relX(0) - 8),
              Fmt.px(relY(v)),
              label,
              "",
              Fmt.px(relX(0)),
              Fmt.px(relY(v)),
              Fmt.px(relX(1)),
              Fmt.px(relY(v))));
    }
    return new ReportView.Reliability(
        Fmt.px(REL_WIDTH),
        Fmt.px(REL_HEIGHT),
        bars,
        points,
        new Line(Fmt.px(relX(0)), Fmt.px(relY(0)), Fmt.px(relX(1)), Fmt.px(relY(1))),
        new Line(Fmt.px(relX(0)), Fmt.px(relY(0)), Fmt.px(relX(1)), Fmt.px(relY(0))),
        new Line(Fmt.px(relX(0)), Fmt.px(relY(0)), Fmt.px(relX(0)), Fmt.px(relY(1))),
        xTicks,
        yTicks,
        new Label(
            Fmt.px(relX(0.5)),
            Fmt.px(relY(0) + 48),
            softmax
                ? "mean confidence (top-label probability)"
                : "mean predicted probability σ(z)"),
        new Label(
            Fmt.px(20),
            Fmt.px(relY(0.5)),
            softmax ? "accuracy (fraction correct)" : "fraction of positive targets"),
        softmax ? "accuracy" : "mean target",
        table);
  }

  // ---- per class ----

  /** Worst first: highest mean loss, classes without support (NULL mean loss) last. */
  static final Comparator<Map<String, Object>> CLASS_ORDER =
      Comparator.<Map<String, Object>>comparingDouble(r -> -orNegInf(r.get("mean_loss")))
          .thenComparingLong(r -> ((Number) r.getOrDefault("class", 0)).longValue());

  private static double orNegInf(Object v) {
    double d = v instanceof Number n ? n.doubleValue() : Double.NaN;
    return Double.isNaN(d) ? Double.NEGATIVE_INFINITY : d;
  }

  private static final List<String> CLASS_COLUMNS =
      List.of(
          "class", "support", "weight_sum", "predicted", "mean_loss", "recall", "precision", "f1");

  static ReportView.Classes classes(JsonNode m, ParquetRows.Top top) {
    List<Row> rows = new ArrayList<>();
    for (Map<String, Object> r : top.rows()) {
      List<Cell> cells = new ArrayList<>();
      for (String c : CLASS_COLUMNS) {
        cells.add(cell(r.get(c)));
      }
      rows.add(new Row(cells, false));
    }
    List<Map<String, Object>> charted = new ArrayList<>();
    for (Map<String, Object> r : top.rows()) {
      if (charted.size() < HtmlReport.CLASS_BARS && Double.isFinite(orNegInf(r.get("mean_loss")))) {
        charted.add(r);
      }
    }
    double max = 0;
    for (Map<String, Object> r : charted) {
      max = Math.max(max, orNegInf(r.get("mean_loss")));
    }
    List<Bar> bars = new ArrayList<>();
    List<Label> names = new ArrayList<>();
    List<Label> values = new ArrayList<>();
    for (int i = 0; i < charted.size(); i++) {
      Map<String, Object> r = charted.get(i);
      double loss = orNegInf(r.get("mean_loss"));
      double width = max > 0 ? loss / max * CLASS_PLOT_WIDTH : 0;
      double y = CLASS_TOP + i * CLASS_ROW;
      String name = "class " + r.get("class");
      bars.add(
          new Bar(
              Fmt.px(CLASS_LEFT),
              Fmt.px(y + 3),
              Fmt.px(width),
              Fmt.px(CLASS_ROW - 6),
              name + ": mean loss " + Fmt.real(loss) + ", support " + r.get("support")));
      names.add(new Label(Fmt.px(CLASS_LEFT - 8), Fmt.px(y + CLASS_ROW / 2), name));
      values.add(
          new Label(Fmt.px(CLASS_LEFT + width + 6), Fmt.px(y + CLASS_ROW / 2), Fmt.real(loss)));
    }
    double axisY = CLASS_TOP + charted.size() * CLASS_ROW;
    String shown =
        top.rows().size() == top.total()
            ? "All " + Fmt.count(top.total()) + " classes, highest mean loss first."
            : "The "
                + top.rows().size()
                + " of "
                + Fmt.count(top.total())
                + " classes with the highest mean loss (per_class.parquet has all).";
    return new ReportView.Classes(
        shown,
        Fmt.real(Fmt.number(m.get("macro_recall"))),
        Fmt.real(Fmt.number(m.get("macro_f1"))),
        headers(CLASS_COLUMNS, 0),
        rows,
        Fmt.px(CLASS_WIDTH),
        Fmt.px(axisY + 34),
        bars,
        names,
        values,
        new Line(Fmt.px(CLASS_LEFT), Fmt.px(CLASS_TOP), Fmt.px(CLASS_LEFT), Fmt.px(axisY)),
        new Label(
            Fmt.px(CLASS_LEFT + CLASS_PLOT_WIDTH / 2),
            Fmt.px(axisY + 24),
            "mean loss (nats) of the " + charted.size() + " worst classes"));
  }

  // ---- slices ----

  /** The slice columns: those before "rows" in slices.parquet. */
  static List<String> groupColumns(List<String> columns) {
    int end = columns.indexOf("rows");
    return end < 0 ? List.of() : columns.subList(0, end);
  }

  /**
   * Outliers first, as metrics.json's outlier_slices: largest z = (mean loss − overall)/se among
   * slices with at least {@code minRows} scored rows and se > 0; then the rest by mean loss.
   */
  static Comparator<Map<String, Object>> sliceOrder(double overall, long minRows) {
    return Comparator.<Map<String, Object>>comparingDouble(r -> -orNegInf(z(r, overall, minRows)))
        .thenComparingDouble(r -> -orNegInf(r.get("mean_loss")))
        .thenComparing(r -> r.toString());
  }

  static Double z(Map<String, Object> r, double overall, long minRows) {
    Object se = r.get("mean_loss_se");
    Object loss = r.get("mean_loss");
    Object scored = r.get("rows_scored");
    if (!(se instanceof Number s && loss instanceof Number l && scored instanceof Number n)) {
      return null;
    }
    if (n.longValue() < minRows || !(s.doubleValue() > 0) || !Double.isFinite(l.doubleValue())) {
      return null;
    }
    return (l.doubleValue() - overall) / s.doubleValue();
  }

  static ReportView.Slices slices(JsonNode m, ParquetRows.Top top) {
    double overall = Fmt.number(m.get("mean_loss"));
    long minRows = m.path("min_slice_rows").asLong(30);
    List<String> groups = groupColumns(top.columns());
    List<String> names = new ArrayList<>(groups);
    names.addAll(SLICE_METRICS);
    names.add("z");
    List<Cell> headers = headers(names, groups.size());
    List<Row> rows = new ArrayList<>();
    for (Map<String, Object> r : top.rows()) {
      List<Cell> cells = new ArrayList<>();
      for (String g : groups) {
        Object v = r.get(g);
        cells.add(new Cell(v == null ? "NULL" : String.valueOf(v), false));
      }
      for (String c : SLICE_METRICS) {
        cells.add(cell(r.get(c)));
      }
      Double z = z(r, overall, minRows);
      cells.add(new Cell(z == null ? Fmt.UNDEFINED : Fmt.real(z), true));
      rows.add(new Row(cells, z != null && z > 2));
    }
    String shown =
        (top.rows().size() == top.total()
                ? "All " + Fmt.count(top.total()) + " slices"
                : "The first " + top.rows().size() + " of " + Fmt.count(top.total()) + " slices")
            + " by "
            + String.join(", ", groups)
            + ": largest z = (mean loss − overall)/standard error first (slices of at least "
            + minRows
            + " scored rows), highlighted above z = 2; then by mean loss.";
    return new ReportView.Slices(shown, headers, rows);
  }

  /** Column headings, right-aligned over the numbers from column {@code firstNumeric} on. */
  private static List<Cell> headers(List<String> names, int firstNumeric) {
    List<Cell> headers = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      headers.add(new Cell(names.get(i), i >= firstNumeric));
    }
    return headers;
  }

  private static Cell cell(Object v) {
    if (v == null) {
      return new Cell(Fmt.UNDEFINED, true);
    }
    if (v instanceof Double || v instanceof Float) {
      return new Cell(Fmt.real(((Number) v).doubleValue()), true);
    }
    if (v instanceof Long || v instanceof Integer) {
      return new Cell(Fmt.count(((Number) v).longValue()), true);
    }
    if (v instanceof List<?> list) {
      List<String> parts = new ArrayList<>();
      for (Object e : list) {
        parts.add(e instanceof Number n ? Fmt.real(n.doubleValue()) : String.valueOf(e));
      }
      return new Cell(String.join(" – ", parts), true);
    }
    return new Cell(String.valueOf(v), false);
  }

  // ---- invalid rows ----

  static ReportView.Invalid invalid(JsonNode m) {
    long rows = m.path("rows").asLong();
    List<Row> reasons = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = m.path("invalid_by_reason").fields();
        it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      long count = e.getValue().asLong();
      if (count > 0) {
        reasons.add(
            new Row(
                List.of(
                    new Cell(e.getKey(), false),
                    new Cell(Fmt.count(count), true),
                    new Cell(rows == 0 ? Fmt.UNDEFINED : Fmt.percent((double) count / rows), true)),
                false));
      }
    }
    List<Item> other = new ArrayList<>();
    if (m.has("rows_filtered_out")) {
      other.add(
          new Item(
              "rows filtered out",
              Fmt.count(m.path("rows_filtered_out").asLong()),
              "left out by --filter, not read as invalid"));
    }
    if (m.has("skipped_files")) {
      for (JsonNode f : m.get("skipped_files")) {
        other.add(
            new Item(
                "skipped file",
                scalar(f.path("path").isMissingNode() ? f : f.get("path")),
                f.has("reason") ? scalar(f.get("reason")) : ""));
      }
    }
    JsonNode quarantine = m.get("quarantine");
    return new ReportView.Invalid(
        Fmt.count(m.path("rows_invalid").asLong()),
        Fmt.count(m.path("rows_ignored").asLong()),
        !reasons.isEmpty(),
        reasons,
        other,
        quarantine == null || quarantine.isNull() ? null : scalar(quarantine));
  }

  // ---- options and the run manifest ----

  static List<Item> options(JsonNode m) {
    List<Item> items = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!NOT_OPTIONS.contains(e.getKey())) {
        items.add(new Item(e.getKey(), scalar(e.getValue()), ""));
      }
    }
    return items;
  }

  /**
   * Any object, whatever its keys: scalars and lists of scalars as entries named by their path
   * (a.b.c), nested objects flattened into them, lists of objects as tables (columns: the union of
   * their keys, in first-seen order).
   */
  static ReportView.Manifest manifest(JsonNode run) {
    if (run == null || run.isNull()) {
      return null;
    }
    List<Item> entries = new ArrayList<>();
    List<ReportView.Table> tables = new ArrayList<>();
    flatten("", run, entries, tables);
    return new ReportView.Manifest(entries, tables);
  }

  private static void flatten(
      String path, JsonNode node, List<Item> entries, List<ReportView.Table> tables) {
    if (node.isObject()) {
      if (node.isEmpty() && !path.isEmpty()) {
        entries.add(new Item(path, "{}", ""));
      }
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        flatten(
            path.isEmpty() ? e.getKey() : path + "." + e.getKey(), e.getValue(), entries, tables);
      }
    } else if (node.isArray() && node.size() > 0 && allObjects(node)) {
      Set<String> keys = new LinkedHashSet<>();
      node.forEach(o -> o.fieldNames().forEachRemaining(keys::add));
      List<Row> rows = new ArrayList<>();
      for (JsonNode o : node) {
        List<Cell> cells = new ArrayList<>();
        for (String k : keys) {
          JsonNode v = o.get(k);
          cells.add(new Cell(v == null ? "" : scalar(v), v != null && v.isNumber()));
        }
        rows.add(new Row(cells, false));
      }
      List<Cell> headers = new ArrayList<>();
      for (String k : keys) {
        boolean numeric = true;
        for (JsonNode o : node) {
          numeric &= o.get(k) == null || o.get(k).isNumber();
        }
        headers.add(new Cell(k, numeric));
      }
      tables.add(new ReportView.Table(path, headers, rows));
    } else {
      entries.add(new Item(path.isEmpty() ? "run" : path, scalar(node), ""));
    }
  }

  private static boolean allObjects(JsonNode array) {
    for (JsonNode e : array) {
      if (!e.isObject()) {
        return false;
      }
    }
    return true;
  }

  /** A JSON value as one line of text: strings bare, lists joined, objects as JSON. */
  static String scalar(JsonNode v) {
    if (v == null || v.isNull()) {
      return "null";
    }
    if (v.isTextual()) {
      return v.asText();
    }
    if (v.isArray()) {
      List<String> parts = new ArrayList<>();
      v.forEach(e -> parts.add(scalar(e)));
      return String.join(", ", parts);
    }
    if (v.isFloatingPointNumber()) {
      return Fmt.real(v.doubleValue());
    }
    return v.toString();
  }

  private static String text(JsonNode v) {
    return v == null || v.isNull() ? "" : v.asText();
  }
}
