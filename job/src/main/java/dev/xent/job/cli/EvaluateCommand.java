package dev.xent.job.cli;

import dev.xent.job.EvaluateConfig;
import dev.xent.job.EvaluateConfig.Format;
import dev.xent.job.EvaluateConfig.Loss;
import dev.xent.job.EvaluateConfig.Reader;
import dev.xent.job.EvaluateJob;
import dev.xent.job.Metrics;
import dev.xent.job.Sessions;
import dev.xent.job.XentGateException;
import dev.xent.job.XentUsageException;
import dev.xent.job.report.HtmlReport;
import dev.xent.kernel.AuditOptions;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
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

  @Option(
      names = "--weight",
      paramLabel = "COL",
      description =
          "Per-row sample weight column (any numeric type); a NULL, NaN, negative or infinite"
              + " weight makes the row invalid (bad_weight).")
  String weight;

  @Option(
      names = "--class-weights",
      paramLabel = "w0,w1,...|@FILE",
      description =
          "One weight per class (PyTorch's cross_entropy weight=), as a list or a file with one"
              + " weight per line.")
  String classWeights;

  @Option(
      names = "--ignore-index",
      paramLabel = "K",
      description = "Rows whose label is K are not scored (status ignored).")
  Long ignoreIndex;

  @Option(
      names = "--label-smoothing",
      paramLabel = "E",
      defaultValue = "0",
      description =
          "Label smoothing E in [0, 1), PyTorch's definition (default: ${DEFAULT-VALUE}).")
  double labelSmoothing;

  @Option(
      names = "--top-k",
      paramLabel = "k1,k2,...",
      split = ",",
      description = "Top-k accuracies to report, e.g. 1,5.")
  int[] topK;

  @Option(
      names = "--per-class",
      description = "Per-class breakdown: DIR/per_class.parquet and macro metrics.")
  boolean perClass;

  @Option(
      names = "--group-by",
      paramLabel = "COL[,COL...]",
      split = ",",
      description =
          "Metrics per slice (distinct combination of these columns): DIR/slices.parquet.")
  List<String> groupBy;

  @Option(
      names = "--min-slice-rows",
      paramLabel = "N",
      defaultValue = "" + EvaluateConfig.MIN_SLICE_ROWS_DEFAULT,
      description =
          "Scored rows a slice needs to be listed as an outlier (default: ${DEFAULT-VALUE}).")
  int minSliceRows;

  @Option(
      names = "--filter",
      paramLabel = "PREDICATE",
      description = "Audit only the rows matching this Spark SQL predicate.")
  String filter;

  @Option(
      names = "--calibration-bins",
      paramLabel = "B",
      defaultValue = "" + AuditOptions.CALIBRATION_BINS_DEFAULT,
      description = "Equal-width confidence bins for ECE/MCE (default: ${DEFAULT-VALUE}).")
  int calibrationBins;

  @Option(
      names = "--confidence",
      paramLabel = "LEVEL",
      defaultValue = "" + AuditOptions.CONFIDENCE_LEVEL_DEFAULT,
      description = "Level of the confidence intervals (default: ${DEFAULT-VALUE}).")
  double confidence;

  @Option(
      names = "--skip-corrupt-files",
      description =
          "Leave out input files that are not readable Parquet (listed in metrics.json"
              + " skipped_files) instead of failing.")
  boolean skipCorruptFiles;

  @Option(
      names = "--quarantine",
      paramLabel = "PATH",
      description =
          "Write the invalid rows (every input column and their status) as Parquet here"
              + " (default: DIR/invalid with --output DIR).")
  String quarantine;

  @Option(names = "--no-quarantine", description = "Do not write the invalid rows.")
  boolean noQuarantine;

  @Option(
      names = "--max-invalid-fraction",
      paramLabel = "F",
      description =
          "Fail (exit 3) after writing everything when more than this fraction of the rows is"
              + " invalid (0 <= F <= 1; default: report only).")
  Double maxInvalidFraction;

  @Option(
      names = "--strict",
      description =
          "Stop at the first invalid row (least file, then row index) and fail with exit 3,"
              + " naming it; nothing is written.")
  boolean strict;

  @Option(
      names = "--report",
      negatable = true,
      defaultValue = "" + EvaluateConfig.REPORT_DEFAULT,
      fallbackValue = "true",
      description = "Write DIR/report.html with --output (default: on; --no-report leaves it out).")
  boolean report;

  @Mixin SparkOptions spark;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CliLogging.apply(spark);
    EvaluateConfig config = config();
    try (Sessions.Handle handle = Sessions.open("xent evaluate", spark.master, spark.conf)) {
      SparkSession session = handle.session();
      PrintWriter out = spec.commandLine().getOut();
      Metrics metrics;
      XentGateException failed = null;
      try (Progress progress = Progress.start(session, spec.commandLine().getErr(), spark.quiet)) {
        metrics = EvaluateJob.run(session, config);
      } catch (XentGateException e) {
        // The fraction gate fails after everything is written: show what was written, then fail.
        if (e.metrics() == null) {
          throw e;
        }
        metrics = e.metrics();
        failed = e;
      }
      out.print(metrics.summary());
      if (output != null) {
        out.println("metrics written to " + output + "/metrics.json");
        if (report) {
          out.println("report written to " + output + "/" + HtmlReport.FILE);
        }
      }
      if (metrics.quarantine() != null) {
        out.println("invalid rows written to " + metrics.quarantine());
      }
      out.flush();
      if (failed != null) {
        throw failed;
      }
      return 0;
    }
  }

  /** The validated configuration; a bad value is a usage error naming its flag. */
  EvaluateConfig config() {
    AuditOptions audit;
    try {
      audit =
          new AuditOptions(
              labelSmoothing,
              classWeights == null ? null : ClassWeights.parse(classWeights),
              ignoreIndex,
              weight != null,
              topK == null ? new int[0] : IntStream.of(topK).sorted().distinct().toArray(),
              perClass,
              calibrationBins,
              confidence);
    } catch (IllegalArgumentException e) {
      throw new XentUsageException(flagged(e.getMessage()));
    }
    return new EvaluateConfig(
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
        reader,
        weight,
        audit,
        groupBy,
        filter,
        minSliceRows,
        skipCorruptFiles,
        EvaluateConfig.quarantinePath(output, quarantine, noQuarantine),
        maxInvalidFraction,
        strict,
        report);
  }

  /** The audit's messages name its options; the CLI's name the flags. */
  private static String flagged(String message) {
    return message
        .replace("Cannot audit: label smoothing", "Cannot evaluate: --label-smoothing")
        .replace("Cannot audit: class weight", "Cannot evaluate: --class-weights: weight")
        .replace("Cannot audit: class weights", "Cannot evaluate: --class-weights")
        .replace("Cannot audit: top-k values", "Cannot evaluate: --top-k values")
        .replace("Cannot audit: calibration bins", "Cannot evaluate: --calibration-bins")
        .replace("Cannot audit: the confidence level", "Cannot evaluate: --confidence");
  }
}
