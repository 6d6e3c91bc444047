package dev.xent.job.cli;

import dev.xent.job.ReportOutput;
import dev.xent.job.report.HtmlReport;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code xent report DIR}: rebuilds DIR/report.html from an existing output directory (its
 * metrics.json, per_class.parquet and slices.parquet), without starting Spark.
 */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Rebuild DIR/report.html from the metrics.json (and per_class.parquet, slices.parquet)"
            + " that evaluate --output DIR wrote.")
public final class ReportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "DIR", description = "An evaluate --output directory.")
  String dir;

  @Option(names = "--verbose", description = "Show full stack traces of failures.")
  boolean verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    ReportOutput.write(new Configuration(), dir);
    PrintWriter out = spec.commandLine().getOut();
    out.println("report written to " + dir + "/" + HtmlReport.FILE);
    out.flush();
    return 0;
  }
}
