package dev.xent.job;

import dev.xent.job.page.PagePlan;
import dev.xent.job.page.PageRowReader;
import dev.xent.job.page.PageRowSink;
import dev.xent.job.page.PageTask;
import dev.xent.kernel.LossStatsAccumulator;
import dev.xent.kernel.Reason;
import dev.xent.kernel.Scored;
import dev.xent.kernel.Scoring;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.util.SerializableConfiguration;

/**
 * The page reader path of {@code evaluate}: decides whether the input can be read page by page
 * ({@code --reader auto|page|spark}) and, when it can, reduces the planned row groups inside Spark
 * tasks to one {@link LossStatsAccumulator} each, merged at the driver like the Spark path's. Every
 * row is scored by the same {@link Scoring} call as the Spark path, so both give the same bits.
 */
final class PagePath {
  private PagePath() {}

  /** Which reader runs and why; {@code plan} is null for the Spark reader. */
  record Choice(EvaluateConfig.Reader reader, String reason, PagePlan plan) {
    static Choice spark(String reason) {
      return new Choice(EvaluateConfig.Reader.SPARK, reason, null);
    }
  }

  /** Spark's split size: the page path groups row groups into tasks of about this many bytes. */
  private static final String MAX_PARTITION_BYTES = "spark.sql.files.maxPartitionBytes";

  static Choice choose(
      SparkSession spark,
      Configuration hadoop,
      EvaluateConfig config,
      StructType schema,
      Dataset<Row> input) {
    if (config.reader() == EvaluateConfig.Reader.SPARK) {
      return Choice.spark("--reader spark");
    }
    String unsupported = unsupportedRequest(config, schema);
    PagePlan plan = null;
    if (unsupported == null) {
      try {
        plan =
            PagePlan.plan(
                hadoop,
                Arrays.asList(input.inputFiles()),
                config.logitsColumn(),
                config.labelColumn(),
                maxTaskBytes(spark));
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot evaluate: reading Parquet footers failed", e);
      }
      unsupported = plan.unsupportedReason().orElse(null);
    }
    if (unsupported == null) {
      return new Choice(EvaluateConfig.Reader.PAGE, null, plan);
    }
    if (config.reader() == EvaluateConfig.Reader.PAGE) {
      throw new XentUsageException("Cannot evaluate with --reader page: " + unsupported);
    }
    return Choice.spark(unsupported);
  }

  /** Why this request needs Spark's reader whatever the files hold, or null. */
  private static String unsupportedRequest(EvaluateConfig config, StructType schema) {
    if (config.perRow() != null) {
      return "--per-row output is written through Spark";
    }
    if (config.format() != EvaluateConfig.Format.PARQUET) {
      return "the input format is " + config.format().sparkName() + ", not parquet";
    }
    if (config.loss() != EvaluateConfig.Loss.SOFTMAX || config.labelColumn() == null) {
      return "only sparse softmax (--label) is read page by page";
    }
    DataType logits = schema.apply(config.logitsColumn()).dataType();
    if (!(logits instanceof ArrayType array)
        || !(array.elementType() instanceof FloatType
            || array.elementType() instanceof DoubleType)) {
      return "logits column '"
          + config.logitsColumn()
          + "' is "
          + logits.simpleString()
          + ", not array<float|double>";
    }
    DataType label = schema.apply(config.labelColumn()).dataType();
    if (!(label instanceof ByteType
        || label instanceof ShortType
        || label instanceof IntegerType
        || label instanceof LongType
        || label instanceof FloatType
        || label instanceof DoubleType)) {
      return "label column '" + config.labelColumn() + "' is " + label.simpleString();
    }
    return null;
  }

  private static long maxTaskBytes(SparkSession spark) {
    return spark.sessionState().conf().filesMaxPartitionBytes();
  }

  /** Reads every planned task in a Spark task of its own and merges the results in plan order. */
  static LossStatsAccumulator reduce(
      SparkSession spark, Configuration hadoop, EvaluateConfig config, PagePlan plan) {
    List<PageTask> tasks = plan.tasks();
    LossStatsAccumulator total = new LossStatsAccumulator();
    if (tasks.isEmpty()) {
      return total;
    }
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<SerializableConfiguration> conf =
        context.broadcast(new SerializableConfiguration(hadoop));
    String logits = config.logitsColumn();
    String label = config.labelColumn();
    try {
      List<LossStatsAccumulator> parts =
          context
              .parallelize(tasks, tasks.size())
              .map(
                  task -> {
                    LossStatsAccumulator accumulator = new LossStatsAccumulator();
                    PageRowReader.read(
                        conf.value().value(), task, logits, label, new Scorer(accumulator));
                    return accumulator;
                  })
              .collect();
      parts.forEach(total::merge);
    } finally {
      conf.destroy();
    }
    return total;
  }

  /** Scores each row as the Spark path does and adds it to the task's accumulator. */
  private record Scorer(LossStatsAccumulator accumulator) implements PageRowSink {
    @Override
    public void nullRow() {
      accumulator.add(Reason.NULL_INPUT, Double.NaN, false);
    }

    @Override
    public void row(float[] logits, double label) {
      add(Scoring.sparse(logits, label));
    }

    @Override
    public void row(double[] logits, double label) {
      add(Scoring.sparse(logits, label));
    }

    private void add(Scored scored) {
      accumulator.add(scored.reason(), scored.loss(), scored.correct());
    }
  }
}
