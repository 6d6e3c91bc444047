package dev.xent.job;

import dev.xent.job.report.HtmlReport;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.hadoop.conf.Configuration;

/** Writes report.html into an output directory with the output committer (temporary, rename). */
public final class ReportOutput {
  private ReportOutput() {}

  /**
   * Renders {@code dir}'s report from the files in it and writes {@code dir/report.html}.
   *
   * @throws XentUsageException when {@code dir} has no metrics.json
   */
  public static void write(Configuration conf, String dir) {
    String html;
    try {
      html = HtmlReport.render(conf, dir);
    } catch (java.io.FileNotFoundException e) {
      throw new XentUsageException(e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    }
    Outputs.writeText(conf, dir, HtmlReport.FILE, html);
  }
}
