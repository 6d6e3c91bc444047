package dev.xent.job;

import dev.xent.job.EvaluateConfig.Reader;
import dev.xent.job.page.PagePlan;
import dev.xent.job.page.PageRowReader;
import dev.xent.job.page.PageRowSink;
import dev.xent.job.page.PageTask;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.Reason;
import dev.xent.kernel.RowAuditor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The page reader path of {@code evaluate}: decides from the files' footers whether the input can
 * be read page by page ({@code --reader auto|page|spark}) and, when it can, reduces the planned row
 * groups inside Spark tasks to one {@link Evaluation} each, merged at the driver like the Spark
 * path's. Every row is scored by the same {@link RowAuditor} call as the Spark path, so both give
 * the same bits.
 */
final class PagePath {
  private PagePath() {}

  /** Which reader runs and why; {@code plan} is null for the Spark reader. */
  record Choice(Reader reader, String reason, PagePlan plan) {
    static Choice spark(String reason) {
      return new Choice(Reader.SPARK, reason, null);
    }
  }

  /** Spark's split size: the page path's tasks are at most about this many bytes. */
  private static final String MAX_PARTITION_BYTES = "spark.sql.files.maxPartitionBytes";

  /**
   * Decides before Spark reads anything: plans from the files' own footers (listed, read and
   * checked by {@link InputFiles}, and not read again), so a page-reader run skips Spark's schema
   * inference and file listing. Never fails for input it cannot read; the Spark path then validates
   * the schema and reports the first problem.
   */
  static Choice early(
      SparkSession spark, Configuration hadoop, EvaluateConfig config, InputFiles input) {
    String reason = requestReason(config);
    if (reason != null) {
      return Choice.spark(reason);
    }
    PagePlan plan;
    try {
      plan =
          PagePlan.plan(
              hadoop,
              input.files(),
              input.footers(),
              config.logitsColumn(),
              config.labelColumn(),
              config.weightColumn(),
              maxTaskBytes(spark),
              spark.sparkContext().defaultParallelism());
    } catch (IOException | RuntimeException e) {
      return Choice.spark("the Parquet footers could not be read (" + e.getMessage() + ")");
    }
    return plan.unsupportedReason().map(Choice::spark).orElse(new Choice(Reader.PAGE, null, plan));
  }

  /** Why this request needs Spark's reader whatever the files hold, or null. */
  private static String requestReason(EvaluateConfig config) {
    if (config.reader() == Reader.SPARK) {
      return "--reader spark";
    }
    if (config.perRow() != null) {
      return "--per-row output is written through Spark";
    }
    if (config.format() != EvaluateConfig.Format.PARQUET) {
      return "the input format is " + config.format().sparkName() + ", not parquet";
    }
    if (config.loss() != EvaluateConfig.Loss.SOFTMAX || config.labelColumn() == null) {
      return "only sparse softmax (--label) is read page by page";
    }
    if (config.filter() != null) {
      return "--filter is evaluated by Spark";
    }
    if (!config.groupBy().isEmpty()) {
      return "--group-by is aggregated by Spark";
    }
    return null;
  }

  /**
   * The data files under {@code input} (a file, a directory or a glob), skipping the names Spark
   * skips: {@code _*} (except partition directories {@code _k=v}), {@code .*} and {@code
   * *._COPYING_}.
   */
  static List<String> listFiles(Configuration hadoop, String input) throws IOException {
    Path path = new Path(input);
    FileSystem fs = path.getFileSystem(hadoop);
    FileStatus[] matches = fs.globStatus(path);
    List<String> files = new ArrayList<>();
    if (matches != null) {
      for (FileStatus match : matches) {
        collect(fs, match, files);
      }
    }
    return files;
  }

  private static void collect(FileSystem fs, FileStatus status, List<String> files)
      throws IOException {
    if (!status.isDirectory()) {
      files.add(status.getPath().toString());
      return;
    }
    for (FileStatus child : fs.listStatus(status.getPath())) {
      String name = child.getPath().getName();
      boolean hidden =
          (name.startsWith("_") && !name.contains("="))
              || name.startsWith(".")
              || name.endsWith("._COPYING_");
      if (!hidden) {
        collect(fs, child, files);
      }
    }
  }

  private static long maxTaskBytes(SparkSession spark) {
    return spark.sessionState().conf().filesMaxPartitionBytes();
  }

  /** Reads every planned task in a Spark task of its own and merges the results in plan order. */
  static Evaluation reduce(
      SparkSession spark, Configuration hadoop, EvaluateConfig config, PagePlan plan) {
    List<PageTask> tasks = plan.tasks();
    var options = config.audit();
    Evaluation total = new Evaluation(options);
    if (tasks.isEmpty()) {
      return total;
    }
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> conf =
        context.broadcast(new SerializableConfiguration(hadoop));
    String logits = config.logitsColumn();
    String label = config.labelColumn();
    String weight = config.weightColumn();
    var rows = RowCounter.counter(spark);
    try {
      List<Evaluation> parts =
          context
              .parallelize(tasks, tasks.size())
              .map(
                  task -> {
                    Evaluation evaluation = new Evaluation(options);
                    PageRowReader.read(
                        conf.value().value(),
                        task,
                        logits,
                        label,
                        weight,
                        new Scorer(new RowAuditor(options), evaluation));
                    rows.add(evaluation.rowsAdded());
                    return evaluation;
                  })
              .collect();
      parts.forEach(total::merge);
    } finally {
      conf.destroy();
    }
    return total;
  }

  /** Scores each row as the Spark path does and adds it to the task's evaluation. */
  private record Scorer(RowAuditor auditor, Evaluation evaluation) implements PageRowSink {
    @Override
    public void nullRow(double label) {
      // The label is NaN when it is null, and NaN is no ignore index.
      evaluation.unscored(auditor.ignores(label) ? Reason.IGNORED : Reason.NULL_INPUT);
    }

    @Override
    public void row(float[] logits, double label, double weight) {
      auditor.sparse(logits, label, weight, evaluation);
    }

    @Override
    public void row(double[] logits, double label, double weight) {
      auditor.sparse(logits, label, weight, evaluation);
    }
  }
}
