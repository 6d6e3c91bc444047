package dev.xent.job.cli;

import dev.xent.job.RowCounter;
import java.io.PrintWriter;
import java.util.Locale;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.sql.SparkSession;

/**
 * Progress of a running command on stderr, from Spark's status tracker: the active stage, its tasks
 * done and total, the rows scored so far (counted as tasks finish), the elapsed time and an
 * estimate of the time left. On a terminal it is one line rewritten in place; otherwise one plain
 * line per update, without control characters, so logs stay readable.
 */
final class Progress implements AutoCloseable {
  static final long INTERVAL_MILLIS = 3000;

  private final SparkSession spark;
  private final PrintWriter err;
  private final boolean terminal;
  private final long start = System.nanoTime();
  private final Thread thread;
  private volatile boolean running = true;
  private boolean printed;

  private Progress(SparkSession spark, PrintWriter err, boolean terminal) {
    this.spark = spark;
    this.err = err;
    this.terminal = terminal;
    this.thread = new Thread(this::loop, "xent-progress");
    thread.setDaemon(true);
  }

  /** Starts reporting; {@code quiet} gives a reporter that prints nothing. */
  static Progress start(SparkSession spark, PrintWriter err, boolean quiet) {
    Progress progress = new Progress(spark, err, System.console() != null);
    if (!quiet) {
      progress.thread.start();
    }
    return progress;
  }

  private void loop() {
    try {
      while (running) {
        Thread.sleep(INTERVAL_MILLIS);
        if (running) {
          report();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      // Progress is best effort: a stopped context ends it, it never fails the command.
    }
  }

  private synchronized void report() {
    String line = line();
    if (line == null) {
      return;
    }
    if (terminal) {
      err.print("\r" + line + "\u001b[K");
    } else {
      err.println(line);
    }
    err.flush();
    printed = true;
  }

  /** The current line, or null when no stage is running. */
  String line() {
    SparkStatusTracker tracker = spark.sparkContext().statusTracker();
    int[] stages = tracker.getActiveStageIds();
    double elapsed = (System.nanoTime() - start) / 1e9;
    long rows = RowCounter.rows(spark);
    if (stages.length == 0) {
      return null;
    }
    int stageId = stages[0];
    SparkStageInfo stage = tracker.getStageInfo(stageId).getOrElse(() -> null);
    if (stage == null) {
      return null;
    }
    int total = stage.numTasks();
    int done = stage.numCompletedTasks();
    String eta = "";
    if (done > 0 && done < total && stage.submissionTime() > 0) {
      double stageSeconds = (System.currentTimeMillis() - stage.submissionTime()) / 1e3;
      eta = String.format(Locale.ROOT, ", ETA %.0f s", stageSeconds / done * (total - done));
    }
    return String.format(
        Locale.ROOT,
        "xent: stage %d: %d/%d tasks, %,d rows, %.0f s elapsed%s",
        stageId,
        done,
        total,
        rows,
        elapsed,
        eta);
  }

  @Override
  public synchronized void close() {
    running = false;
    thread.interrupt();
    if (printed && terminal) {
      err.println();
      err.flush();
    }
  }
}
