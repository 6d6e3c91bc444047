package dev.xent.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.mustachejava.DefaultMustacheFactory;
import com.github.mustachejava.Mustache;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.ChecksumException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * report.html: one self-contained page (inline CSS and SVG, no script, no external resource) from
 * the files of an {@code evaluate --output} directory, read with Hadoop's file system and
 * parquet-java, no Spark session.
 */
public final class HtmlReport {
  private HtmlReport() {}

  public static final String FILE = "report.html";

  /** Rows of the per-class table, and bars of its chart. */
  static final int CLASS_ROWS = 50;

  static final int CLASS_BARS = 20;

  /** Rows of the slice table. */
  static final int SLICE_ROWS = 100;

  // Compiled once; a compiled Mustache is safe to run from several threads.
  private static final Mustache TEMPLATE =
      new DefaultMustacheFactory("dev/xent/job/report").compile("report.html.mustache");

  /**
   * The report of output directory {@code dir}.
   *
   * @throws FileNotFoundException when {@code dir} has no metrics.json
   * @throws IOException when a file cannot be read
   */
  public static String render(Configuration conf, String dir) throws IOException {
    Path root = new Path(dir);
    FileSystem fs = root.getFileSystem(conf);
    Path metricsPath = new Path(root, "metrics.json");
    if (!fs.exists(metricsPath)) {
      throw new FileNotFoundException(
          "Cannot write the report: '"
              + metricsPath
              + "' does not exist ('"
              + dir
              + "' is not the --output directory of a finished evaluate)");
    }
    JsonNode metrics;
    try (InputStream in = fs.open(metricsPath)) {
      metrics = new ObjectMapper().readTree(in);
    } catch (ChecksumException e) {
      throw new IOException(
          "Cannot write the report: '"
              + metricsPath
              + "' does not match its checksum file (.metrics.json.crc): it changed after xent"
              + " wrote it; delete the .crc file if the change was on purpose",
          e);
    } catch (IOException e) {
      throw new IOException(
          "Cannot write the report: '" + metricsPath + "' is not JSON: " + e.getMessage(), e);
    }
    if (metrics == null || !metrics.isObject() || !metrics.has("rows")) {
      throw new IOException(
          "Cannot write the report: '" + metricsPath + "' is not an xent metrics.json (no rows)");
    }
    ParquetRows.Top classes = null;
    Path perClass = new Path(root, "per_class.parquet");
    if (fs.exists(perClass)) {
      classes = ParquetRows.top(conf, perClass, ReportModel.CLASS_ORDER, CLASS_ROWS);
    }
    ParquetRows.Top slices = null;
    Path slicesPath = new Path(root, "slices.parquet");
    if (fs.exists(slicesPath)) {
      slices =
          ParquetRows.top(
              conf,
              slicesPath,
              ReportModel.sliceOrder(
                  Fmt.number(metrics.get("mean_loss")), metrics.path("min_slice_rows").asLong(30)),
              SLICE_ROWS);
    }
    return render(ReportModel.build(metrics, new ReportModel.Tables(classes, slices)));
  }

  /** The page of a view; every value is HTML-escaped by the template engine. */
  public static String render(ReportView view) {
    StringWriter out = new StringWriter();
    TEMPLATE.execute(out, view);
    return out.toString();
  }
}
