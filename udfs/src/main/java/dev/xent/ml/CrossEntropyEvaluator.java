package dev.xent.ml;

import dev.xent.kernel.AuditOptions;
import dev.xent.spark.AuditAggregate;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.ml.evaluation.Evaluator;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.ml.util.Identifiable$;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.functions;

/**
 * An MLlib {@link Evaluator} that scores raw logits ({@code rawPrediction}, the margins every MLlib
 * classifier writes) exactly, instead of clipped probabilities: cross-entropy from {@code
 * logsumexp(z) − z_y}, with a log1p path, so a model whose probabilities MLlib clips at 1e-15 is
 * still ranked by its true loss. Metrics: {@code crossEntropy}, {@code perplexity}, {@code ece}
 * (smaller is better), {@code accuracy} and {@code topKAccuracy} with {@code k} (larger is better),
 * each computed by xent's audit aggregate, bit-identical however the data is partitioned. Add the
 * xent-udfs jar to an MLlib application to use it; it saves and loads with the pipelines that hold
 * it ({@code CrossValidator} included).
 */
public final class CrossEntropyEvaluator extends Evaluator implements DefaultParamsWritable {
  private static final long serialVersionUID = 1L;

  private static final List<String> METRICS =
      List.of("crossEntropy", "accuracy", "perplexity", "ece", "topKAccuracy");

  private final String uid;

  // Made in the constructor, after uid: a Param records its parent's uid when it is made.
  private final Param<String> rawPredictionCol;
  private final Param<String> labelCol;
  private final Param<String> weightCol;
  private final Param<String> metricName;
  private final IntParam k;

  public CrossEntropyEvaluator() {
    this(Identifiable$.MODULE$.randomUID("xentEval"));
  }

  public CrossEntropyEvaluator(String uid) {
    this.uid = uid;
    rawPredictionCol = new Param<>(this, "rawPredictionCol", "raw prediction (logits) column name");
    labelCol = new Param<>(this, "labelCol", "label column name");
    weightCol = new Param<>(this, "weightCol", "sample weight column name; empty for none");
    metricName =
        new Param<>(
            this,
            "metricName",
            "metric name in evaluation (" + String.join("|", METRICS) + ")",
            ParamValidators.inArray(METRICS.toArray(new String[0])));
    k = new IntParam(this, "k", "k of topKAccuracy (≥ 1)", ParamValidators.gtEq(1));
    setDefault(rawPredictionCol, "rawPrediction");
    setDefault(labelCol, "label");
    setDefault(weightCol, "");
    setDefault(metricName, "crossEntropy");
    setDefault(k, 5);
  }

  @Override
  public String uid() {
    return uid;
  }

  // Params lists its parameters by reflection over public no-argument methods returning a Param.
  public Param<String> rawPredictionCol() {
    return rawPredictionCol;
  }

  public Param<String> labelCol() {
    return labelCol;
  }

  public Param<String> weightCol() {
    return weightCol;
  }

  public Param<String> metricName() {
    return metricName;
  }

  public IntParam k() {
    return k;
  }

  public CrossEntropyEvaluator setRawPredictionCol(String value) {
    set(rawPredictionCol, value);
    return this;
  }

  public CrossEntropyEvaluator setLabelCol(String value) {
    set(labelCol, value);
    return this;
  }

  public CrossEntropyEvaluator setWeightCol(String value) {
    set(weightCol, value);
    return this;
  }

  public CrossEntropyEvaluator setMetricName(String value) {
    set(metricName, value);
    return this;
  }

  public CrossEntropyEvaluator setK(int value) {
    set(k, value);
    return this;
  }

  public String getMetricName() {
    return $(metricName);
  }

  @Override
  public double evaluate(Dataset<?> dataset) {
    String metric = $(metricName);
    int topK = (Integer) $(k);
    String weight = $(weightCol);
    boolean weighted = weight != null && !weight.isEmpty();
    AuditOptions options =
        new AuditOptions(
            0.0,
            null,
            null,
            weighted,
            metric.equals("topKAccuracy") ? new int[] {topK} : new int[0],
            false,
            AuditOptions.CALIBRATION_BINS_DEFAULT,
            AuditOptions.CONFIDENCE_LEVEL_DEFAULT);
    AuditAggregate audit =
        new AuditAggregate(
            ExpressionUtils.expression(quoted(dataset, $(rawPredictionCol))),
            ExpressionUtils.expression(quoted(dataset, $(labelCol))),
            weighted ? ExpressionUtils.expression(quoted(dataset, weight)) : null,
            options,
            false);
    Row result = dataset.agg(ExpressionUtils.column(audit).as("audit")).select("audit.*").first();
    String field =
        switch (metric) {
          case "crossEntropy", "perplexity" -> "mean_loss";
          case "accuracy" -> "accuracy";
          case "ece" -> "ece";
          default -> "top_" + topK + "_accuracy";
        };
    Object value = result.getAs(field);
    if (value == null) {
      long scored = result.getAs("rows_scored");
      throw new IllegalArgumentException(
          "Cannot evaluate "
              + metric
              + ": "
              + scored
              + " of "
              + result.getAs("rows")
              + " rows could be scored (check the logits and labels with xent_status)");
    }
    double number = (Double) value;
    return metric.equals("perplexity") ? Math.exp(number) : number;
  }

  private static Column quoted(Dataset<?> dataset, String name) {
    if (!Arrays.asList(dataset.columns()).contains(name)) {
      throw new IllegalArgumentException(
          "Cannot evaluate: column '"
              + name
              + "' does not exist; the dataset has "
              + Arrays.toString(dataset.columns()));
    }
    return functions.col("`" + name.replace("`", "``") + "`");
  }

  @Override
  public boolean isLargerBetter() {
    String metric = $(metricName);
    return metric.equals("accuracy") || metric.equals("topKAccuracy");
  }

  @Override
  public CrossEntropyEvaluator copy(ParamMap extra) {
    return (CrossEntropyEvaluator) defaultCopy(extra);
  }

  /** Loads an evaluator saved with {@code write().save(path)} (and by the pipelines holding it). */
  public static MLReader<CrossEntropyEvaluator> read() {
    return new DefaultParamsReader<>();
  }

  public static CrossEntropyEvaluator load(String path) {
    return read().load(path);
  }
}
