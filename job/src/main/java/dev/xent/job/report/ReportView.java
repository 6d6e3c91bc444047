package dev.xent.job.report;

import java.util.List;

/**
 * What the template places: text already formatted and SVG coordinates already computed (as strings
 * with a dot decimal separator), so the template holds no logic and no arithmetic. Every string is
 * data to the template, which escapes it. Optional sections are null when absent.
 *
 * @param title the page title
 * @param input the input dataset as metrics.json names it
 * @param loss softmax or sigmoid
 * @param xentVersion the version that computed the metrics
 * @param summary the headline numbers
 * @param histogram the loss histogram, null when no row was scored
 * @param reliability the reliability diagram, null when no calibration bin has weight
 * @param classes the per-class section, null without {@code --per-class}
 * @param slices the slice section, null without {@code --group-by}
 * @param invalid the rows that were not scored
 * @param options the options and environment metrics.json records
 * @param run the run manifest (metrics.json {@code run}), null when absent
 */
public record ReportView(
    String title,
    String input,
    String loss,
    String xentVersion,
    List<Item> summary,
    Histogram histogram,
    Reliability reliability,
    Classes classes,
    Slices slices,
    Invalid invalid,
    List<Item> options,
    Manifest run) {

  /** A named value with an optional explanation (empty when none). */
  public record Item(String name, String value, String note) {}

  /** A text cell; {@code numeric} cells are right-aligned. */
  public record Cell(String text, boolean numeric) {}

  /** A table row; {@code flagged} rows (outlier slices) are highlighted. */
  public record Row(List<Cell> cells, boolean flagged) {}

  /** A rectangle with its tooltip. */
  public record Bar(String x, String y, String width, String height, String title) {}

  /**
   * An axis tick: its label at (x, y) (a power of two as base {@code label} and a raised {@code
   * exponent}, else {@code exponent} empty), and its mark or grid line from (x1, y1) to (x2, y2).
   */
  public record Tick(
      String x,
      String y,
      String label,
      String exponent,
      String x1,
      String y1,
      String x2,
      String y2) {}

  /** A text label at (x, y), turned by {@code transform} (empty for none). */
  public record TurnedLabel(String x, String y, String text, String transform) {}

  /** An SVG line. */
  public record Line(String x1, String y1, String x2, String y2) {}

  /** An SVG circle with its tooltip. */
  public record Point(String cx, String cy, String r, String title) {}

  /** A text label placed at (x, y). */
  public record Label(String x, String y, String text) {}

  /**
   * The loss histogram: one bar per bin listed in metrics.json, a linear count axis, bin edges
   * labelled at the bars' left sides (and the last upper edge).
   */
  public record Histogram(
      String width,
      String height,
      List<Bar> bars,
      List<TurnedLabel> counts,
      List<Tick> yTicks,
      List<Tick> xTicks,
      Line xAxis,
      Line yAxis,
      Label xTitle,
      Label yTitle,
      List<Row> table,
      boolean weighted,
      String note) {}

  /** The reliability diagram: per-bin accuracy bars, mean-confidence points and the diagonal. */
  public record Reliability(
      String width,
      String height,
      List<Bar> bars,
      List<Point> points,
      Line diagonal,
      Line xAxis,
      Line yAxis,
      List<Tick> xTicks,
      List<Tick> yTicks,
      Label xTitle,
      Label yTitle,
      String outcome,
      List<Row> table) {}

  /** Per-class: the worst classes as a table and a horizontal bar chart of their mean loss. */
  public record Classes(
      String shown,
      String macroRecall,
      String macroF1,
      List<Cell> headers,
      List<Row> rows,
      String chartWidth,
      String chartHeight,
      List<Bar> chartBars,
      List<Label> chartNames,
      List<Label> chartValues,
      Line chartAxis,
      Label chartTitle) {}

  /** Slices: the outliers first, then the rest by mean loss. */
  public record Slices(String shown, List<Cell> headers, List<Row> rows) {}

  /** The rows not scored, by reason, and where the quarantined rows are. */
  public record Invalid(
      String rowsInvalid,
      String rowsIgnored,
      boolean hasReasons,
      List<Row> reasons,
      List<Item> other,
      String quarantine) {}

  /** The run manifest: scalar entries by path, and lists of objects as tables. */
  public record Manifest(List<Item> entries, List<Table> tables) {}

  /** A titled table. */
  public record Table(String title, List<Cell> headers, List<Row> rows) {}
}
