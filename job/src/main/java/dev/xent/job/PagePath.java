package dev.xent.job;

import dev.xent.job.EvaluateConfig.Reader;
import dev.xent.job.page.PagePlan;
import dev.xent.job.page.PageRowReader;
import dev.xent.job.page.PageRowSink;
import dev.xent.job.page.PageTask;
import dev.xent.job.page.RowShape;
import dev.xent.kernel.AuditOptions;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.Reason;
import dev.xent.kernel.ReasonDetail;
import dev.xent.kernel.RowAuditor;
import dev.xent.kernel.Scored;
import dev.xent.kernel.Scoring;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
              config.targetColumn(),
              config.weightColumn(),
              shape(config),
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
    if (config.format() != EvaluateConfig.Format.PARQUET) {
      return "the input format is " + config.format().sparkName() + ", not parquet";
    }
    if (config.perRow() != null && !shape(config).sparse()) {
      return "--per-row output of dense or sigmoid rows is written by Spark's reader";
    }
    if (config.filter() != null) {
      return "--filter is evaluated by Spark";
    }
    if (!config.groupBy().isEmpty()) {
      return "--group-by is aggregated by Spark";
    }
    return null;
  }

  /** What the request reads besides the logits: a class label, or a dense or sigmoid target. */
  static RowShape shape(EvaluateConfig config) {
    return new RowShape(
        config.loss() == EvaluateConfig.Loss.SIGMOID, config.labelsColumn() != null);
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

  /**
   * A page-reader run: the merged evaluation; the invalid rows' positions per file (in {@link
   * Quarantine#sparkFilePath} form) when they were kept and fit in {@link
   * Quarantine#MAX_POSITIONS}, else null; and under {@code --strict} the first invalid row, or
   * null.
   */
  record Reduced(
      Evaluation evaluation, Map<String, Quarantine.Positions> positions, Gates.InvalidRow first) {}

  /** What one task found. */
  record TaskResult(
      Evaluation evaluation, String file, Quarantine.Positions positions, Gates.InvalidRow first)
      implements Serializable {}

  /**
   * What a task needs to score its rows, shipped to the executors: the audit, the columns, each
   * task's share of {@link Quarantine#MAX_POSITIONS} (0: keep none), and whether to find the first
   * invalid row ({@code strict}) and stop there ({@code stopAtFirst}).
   */
  record TaskScorer(
      AuditOptions options,
      RowShape shape,
      String logits,
      String label,
      String weight,
      int positionLimit,
      boolean strict,
      boolean stopAtFirst)
      implements Serializable {
    static TaskScorer of(
        EvaluateConfig config, int tasks, boolean keepPositions, boolean strict, boolean stop) {
      // Each task's share, so the driver never holds much more than MAX_POSITIONS.
      int max = Quarantine.maxPositions;
      int limit = keepPositions && max > 0 ? Math.max(1024, max / Math.max(1, tasks)) : 0;
      return new TaskScorer(
          config.audit(),
          PagePath.shape(config),
          config.logitsColumn(),
          config.targetColumn(),
          config.weightColumn(),
          limit,
          strict,
          stop);
    }

    /** Reads and scores one task; each row's per-row values go to {@code scores} when not null. */
    TaskResult score(Configuration conf, PageTask task, RowScores scores) throws IOException {
      Evaluation evaluation = new Evaluation(options);
      String file = Quarantine.sparkFilePath(task.file());
      RowAuditor auditor = new RowAuditor(options);
      // Per-row scores are kept for sparse rows only (requestReason sends the others to Spark).
      Scorer scorer =
          shape.sparse()
              ? new Scorer(auditor, evaluation, file, positionLimit, strict, stopAtFirst, scores)
              : new TargetScorer(
                  shape.sigmoid(), auditor, evaluation, file, positionLimit, strict, stopAtFirst);
      try {
        PageRowReader.read(conf, task, logits, label, weight, shape, scorer);
      } catch (PageRowSink.Stop stop) {
        // The strict gate: this task's first invalid row is in scorer.first.
      }
      return new TaskResult(evaluation, file, scorer.positions(), scorer.first);
    }
  }

  /**
   * Reads every planned task in a Spark task of its own and merges the results in plan order. With
   * {@code keepPositions} each task keeps where its invalid rows are (at most its share of {@link
   * Quarantine#MAX_POSITIONS}); with {@code strict} each task stops at its first invalid row.
   */
  static Reduced reduce(
      SparkSession spark,
      Configuration hadoop,
      EvaluateConfig config,
      PagePlan plan,
      boolean keepPositions,
      boolean strict) {
    List<PageTask> tasks = plan.tasks();
    if (tasks.isEmpty()) {
      return merge(config.audit(), List.of(), keepPositions);
    }
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> conf =
        context.broadcast(new SerializableConfiguration(hadoop));
    TaskScorer scorer = TaskScorer.of(config, tasks.size(), keepPositions, strict, strict);
    var rows = RowCounter.counter(spark);
    List<TaskResult> parts;
    try {
      parts =
          context
              .parallelize(tasks, tasks.size())
              .map(
                  task -> {
                    TaskResult result = scorer.score(conf.value().value(), task, null);
                    rows.add(result.evaluation().rowsAdded());
                    return result;
                  })
              .collect();
    } finally {
      conf.destroy();
    }
    return merge(config.audit(), parts, keepPositions);
  }

  /** The tasks' results merged (exactly, so in any order) into one run's. */
  static Reduced merge(AuditOptions options, List<TaskResult> parts, boolean keepPositions) {
    Evaluation total = new Evaluation(options);
    Map<String, Quarantine.Positions> positions = keepPositions ? new HashMap<>() : null;
    Gates.InvalidRow first = null;
    for (TaskResult part : parts) {
      total.merge(part.evaluation());
      first = Gates.InvalidRow.first(first, part.first());
      if (positions != null) {
        if (part.positions() == null) {
          positions = null;
        } else if (part.positions().rows().length > 0) {
          positions.merge(part.file(), part.positions(), Quarantine.Positions::concat);
        }
      }
    }
    return new Reduced(total, positions, first);
  }

  /**
   * Each row's per-row output values in task order, as {@code xent_score} gives them: the loss and
   * first maximum the audit computed, and the status of the logits and label alone (a row the audit
   * calls {@code bad_weight} or {@code ignored} is scored again without its weight, since {@code
   * xent_score} knows neither). 14 bytes a row, for the rows of one task.
   */
  static final class RowScores {
    private double[] loss = new double[1024];
    private int[] predicted = new int[1024];
    private byte[] reason = new byte[1024];
    private boolean[] correct = new boolean[1024];
    private int count;

    int count() {
      return count;
    }

    /** Row {@code i}'s status (the reason's ordinal). */
    Reason reason(int i) {
      return REASONS[reason[i]];
    }

    /** Row {@code i}'s loss; meaningful only when its status is OK. */
    double loss(int i) {
      return loss[i];
    }

    int predicted(int i) {
      return predicted[i];
    }

    boolean correct(int i) {
      return correct[i];
    }

    void scored(Reason audited, RowAuditor auditor, float[] logits, double label) {
      if (audited.isOk()) {
        int k = auditor.lastPredicted();
        add(Reason.OK, auditor.lastPlainLoss(), k, k == (int) label);
      } else if (audited == Reason.BAD_WEIGHT || audited == Reason.IGNORED) {
        add(Scoring.sparse(logits, label));
      } else {
        add(audited, Double.NaN, -1, false);
      }
    }

    void scored(Reason audited, RowAuditor auditor, double[] logits, double label) {
      if (audited.isOk()) {
        int k = auditor.lastPredicted();
        add(Reason.OK, auditor.lastPlainLoss(), k, k == (int) label);
      } else if (audited == Reason.BAD_WEIGHT || audited == Reason.IGNORED) {
        add(Scoring.sparse(logits, label));
      } else {
        add(audited, Double.NaN, -1, false);
      }
    }

    void nullRow() {
      add(Reason.NULL_INPUT, Double.NaN, -1, false);
    }

    private void add(Scored scored) {
      add(scored.reason(), scored.loss(), scored.predicted(), scored.correct());
    }

    private void add(Reason status, double rowLoss, int rowPredicted, boolean rowCorrect) {
      if (count == loss.length) {
        int size = 2 * count;
        loss = Arrays.copyOf(loss, size);
        predicted = Arrays.copyOf(predicted, size);
        reason = Arrays.copyOf(reason, size);
        correct = Arrays.copyOf(correct, size);
      }
      loss[count] = rowLoss;
      predicted[count] = rowPredicted;
      reason[count] = (byte) status.ordinal();
      correct[count] = rowCorrect;
      count++;
    }

    private static final Reason[] REASONS = Reason.values();
  }

  /**
   * Scores each row as the Spark path does and adds it to the task's evaluation; keeps the
   * positions of invalid rows (row index in the file, from {@link PageRowSink#piece}) and, when
   * strict, stops at the first.
   */
  static class Scorer implements PageRowSink {
    final RowAuditor auditor;
    final Evaluation evaluation;
    private final String file;
    private final int limit;
    private final boolean strict;
    private final boolean stopAtFirst;
    private final RowScores scores;
    private long next;
    private long[] rows = new long[0];
    private byte[] reasons = new byte[0];
    private int count;
    private boolean overflow;
    Gates.InvalidRow first;

    Scorer(
        RowAuditor auditor,
        Evaluation evaluation,
        String file,
        int limit,
        boolean strict,
        boolean stopAtFirst,
        RowScores scores) {
      this.auditor = auditor;
      this.evaluation = evaluation;
      this.file = file;
      this.limit = limit;
      this.strict = strict;
      this.stopAtFirst = stopAtFirst;
      this.scores = scores;
    }

    @Override
    public void piece(long fileRow) {
      next = fileRow;
    }

    @Override
    public void nullRow(double label) {
      // The label is NaN when it is null, and NaN is no ignore index.
      Reason reason = auditor.ignores(label) ? Reason.IGNORED : Reason.NULL_INPUT;
      evaluation.unscored(reason);
      if (scores != null) {
        scores.nullRow();
      }
      seen(reason, null, label, Double.NaN);
    }

    @Override
    public void row(float[] logits, double label, double weight) {
      Reason reason = auditor.sparse(logits, label, weight, evaluation);
      if (scores != null) {
        scores.scored(reason, auditor, logits, label);
      }
      seen(reason, logits, label, weight);
    }

    @Override
    public void row(double[] logits, double label, double weight) {
      Reason reason = auditor.sparse(logits, label, weight, evaluation);
      if (scores != null) {
        scores.scored(reason, auditor, logits, label);
      }
      seen(reason, logits, label, weight);
    }

    private void seen(Reason reason, Object logits, double label, double weight) {
      seen(reason, logits, label, null, weight);
    }

    /** Counts the row; {@code labels} is a dense or sigmoid row's target row, else null. */
    final void seen(Reason reason, Object logits, double label, double[] labels, double weight) {
      long row = next++;
      if (!reason.isInvalid()) {
        return;
      }
      if (strict) {
        if (first == null) {
          first =
              new Gates.InvalidRow(
                  file, row, ReasonDetail.describe(reason, logits, label, labels, weight));
        }
        if (stopAtFirst) {
          throw new Stop();
        }
        // Per-row output is written whole before the gate fails, as on Spark's path.
        return;
      }
      if (count == limit) {
        overflow = true;
        return;
      }
      if (count == rows.length) {
        int size = Math.min(limit, Math.max(16, 2 * count));
        rows = Arrays.copyOf(rows, size);
        reasons = Arrays.copyOf(reasons, size);
      }
      rows[count] = row;
      reasons[count] = (byte) reason.ordinal();
      count++;
    }

    /** The kept positions, or null when there were more than the limit (or none were kept). */
    Quarantine.Positions positions() {
      if (overflow || limit == 0) {
        return null;
      }
      return new Quarantine.Positions(Arrays.copyOf(rows, count), Arrays.copyOf(reasons, count));
    }
  }
}
