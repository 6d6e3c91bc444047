package dev.xent.job.cli;

import dev.xent.job.EvaluateConfig;
import dev.xent.job.EvaluateConfig.Format;
import dev.xent.job.EvaluateConfig.Loss;
import dev.xent.job.EvaluateConfig.Reader;
import dev.xent.job.EvaluateJob;
import dev.xent.job.Metrics;
import dev.xent.job.Sessions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code xent evaluate}: scores every row and prints (and writes) the metrics. */
@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description = "Score logits against labels and aggregate loss, accuracy and audit counts.")
public final class EvaluateCommand implements Callable<Integer> {
  @Option(names = "--input", required = true, paramLabel = "PATH", description = "Input dataset.")
  String input;

  @Option(
      names = "--format",
      paramLabel = "parquet|orc|json",
      defaultValue = "parquet",
      converter = FormatConverter.class,
      description = "Input format (default: ${DEFAULT-VALUE}).")
  Format format;

  @Option(names = "--logits", required = true, paramLabel = "COL", description = "Logits column.")
  String logits;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Target target;

  static final class Target {
    @Option(
        names = "--label",
        paramLabel = "COL",
        description = "Integer class label column (sparse softmax), or sigmoid target.")
    String label;

    @Option(
        names = "--labels",
        paramLabel = "COL",
        description = "Probability rows (dense softmax) or sigmoid target rows.")
    String labels;
  }

  @Option(
      names = "--loss",
      paramLabel = "softmax|sigmoid",
      defaultValue = "softmax",
      converter = LossConverter.class,
      description = "Loss family (default: ${DEFAULT-VALUE}).")
  Loss loss;

  @Option(names = "--output", paramLabel = "DIR", description = "Write DIR/metrics.json.")
  String output;

  @Option(
      names = "--per-row",
      paramLabel = "DIR",
      description = "Write one scored row per input row.")
  String perRow;

  @Option(
      names = "--per-row-format",
      paramLabel = "parquet|json",
      defaultValue = "parquet",
      converter = FormatConverter.class,
      description = "Per-row output format (default: ${DEFAULT-VALUE}).")
  Format perRowFormat;

  @Option(names = "--overwrite", description = "Replace existing non-empty output directories.")
  boolean overwrite;

  @Option(
      names = "--reader",
      paramLabel = "auto|page|spark",
      defaultValue = "auto",
      converter = ReaderConverter.class,
      description =
          "Parquet reader: the page reader where the input allows, else Spark's (auto); page fails"
              + " when it cannot be used (default: ${DEFAULT-VALUE}).")
  Reader reader;

  @Mixin SparkOptions spark;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    EvaluateConfig config =
        new EvaluateConfig(
            input,
            format,
            logits,
            target.label,
            target.labels,
            loss,
            output,
            perRow,
            perRowFormat,
            overwrite,
            reader);
    try (Sessions.Handle handle = Sessions.open("xent evaluate", spark.master, spark.conf)) {
      SparkSession session = handle.session();
      PrintWriter out = spec.commandLine().getOut();
      Metrics metrics = EvaluateJob.run(session, config);
      out.print(metrics.summary());
      if (output != null) {
        out.println("metrics written to " + output + "/metrics.json");
      }
      out.flush();
      return 0;
    }
  }
}
