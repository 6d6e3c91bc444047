package dev.xent.job.cli;

import dev.xent.job.DatasetGenerator;
import dev.xent.job.Sessions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code xent generate}: a deterministic synthetic dataset of logits and labels. */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = "Write a Parquet dataset of (id, logits, label|labels) rows.")
public final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--output", required = true, paramLabel = "PATH", description = "Output path.")
  String output;

  @Option(names = "--rows", required = true, paramLabel = "N", description = "Number of rows.")
  long rows;

  @Option(names = "--classes", required = true, paramLabel = "C", description = "Classes per row.")
  int classes;

  @Option(
      names = "--partitions",
      paramLabel = "P",
      defaultValue = "8",
      description = "Output files (default: ${DEFAULT-VALUE}).")
  int partitions;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Random seed.")
  long seed;

  @Option(
      names = "--precision",
      paramLabel = "float|double",
      defaultValue = "float",
      description = "Logits element type (default: ${DEFAULT-VALUE}).")
  String precision;

  @Option(
      names = "--soft-labels",
      description = "Write probability rows 'labels' instead of 'label'.")
  boolean softLabels;

  @Option(names = "--overwrite", description = "Replace an existing non-empty output.")
  boolean overwrite;

  @Mixin SparkOptions spark;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CliLogging.apply(spark);
    if (!precision.equals("float") && !precision.equals("double")) {
      throw new dev.xent.job.XentUsageException(
          "Cannot generate: --precision must be float or double, got '" + precision + "'");
    }
    DatasetGenerator.Request request =
        new DatasetGenerator.Request(
            output,
            rows,
            classes,
            partitions,
            seed,
            precision.equals("double"),
            softLabels,
            overwrite);
    try (Sessions.Handle handle = Sessions.open("xent generate", spark.master, spark.conf)) {
      SparkSession session = handle.session();
      PrintWriter out = spec.commandLine().getOut();
      DatasetGenerator.generate(session, request);
      out.println(
          "generated " + rows + " rows × " + classes + " classes (" + precision + ") in " + output);
      out.flush();
      return 0;
    }
  }
}
