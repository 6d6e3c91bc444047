package dev.xent.job.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/** The Spark options every command takes: {@code --master} and repeated {@code --conf k=v}. */
public final class SparkOptions {
  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master (default: from spark-submit, else local[*]).")
  String master;

  @Option(
      names = "--conf",
      paramLabel = "KEY=VALUE",
      description = "A Spark configuration property; may be repeated.")
  Map<String, String> conf = new LinkedHashMap<>();

  @Option(
      names = "--verbose",
      description = "Show Spark's INFO/WARN logs and full stack traces of failures.")
  boolean verbose;

  @Option(names = "--quiet", description = "No progress lines on stderr.")
  boolean quiet;
}
