package dev.xent.job;

import dev.xent.kernel.LossStats;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The result of {@code evaluate}: the numbers of {@link LossStats} plus where they came from. The
 * field names are those of {@code metrics.json}. {@code reader} is the reader that ran (page or
 * spark) and {@code readerReason} why Spark's reader ran (null when the page reader did).
 */
public record Metrics(
    LossStats stats,
    EvaluateConfig config,
    EvaluateConfig.Reader reader,
    String readerReason,
    String master,
    double elapsedSeconds,
    String sparkVersion,
    String xentVersion) {

  /** The metrics.json object, fields in documented order. */
  public Map<String, Object> toJsonMap() {
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("rows", stats.rows());
    json.put("rows_scored", stats.rowsScored());
    json.put("rows_invalid", stats.rowsInvalid());
    json.put("invalid_by_reason", stats.invalidByReason());
    json.put("rows_infinite_loss", stats.rowsInfiniteLoss());
    json.put("mean_loss", stats.meanLoss());
    if (softmax()) {
      json.put("accuracy", stats.accuracy());
    }
    json.put("perplexity", stats.perplexity());
    json.put("log_mean_true_prob", stats.logMeanTrueProbability());
    json.put("loss", config.loss().sqlName());
    json.put("input", config.input());
    json.put("format", config.format().sparkName());
    json.put("logits", config.logitsColumn());
    json.put(config.labelColumn() != null ? "label" : "labels", config.targetColumn());
    json.put("reader", reader.cliName());
    json.put("reader_reason", readerReason);
    json.put("master", master);
    json.put("elapsed_seconds", elapsedSeconds);
    json.put("spark_version", sparkVersion);
    json.put("xent_version", xentVersion);
    return json;
  }

  private boolean softmax() {
    return config.loss() == EvaluateConfig.Loss.SOFTMAX;
  }

  /** The readable summary printed by the CLI. */
  public String summary() {
    StringBuilder out = new StringBuilder();
    line(out, "input", config.input() + " (" + config.format().sparkName() + ")");
    line(out, "loss", config.loss().sqlName());
    line(out, "rows", stats.rows());
    line(out, "rows_scored", stats.rowsScored());
    line(out, "rows_invalid", stats.rowsInvalid());
    stats
        .invalidByReason()
        .forEach(
            (reason, count) -> {
              if (count > 0) {
                line(out, "  " + reason, count);
              }
            });
    line(out, "rows_infinite_loss", stats.rowsInfiniteLoss());
    line(out, "mean_loss", stats.meanLoss());
    if (softmax()) {
      line(out, "accuracy", stats.accuracy());
    }
    line(out, "perplexity", stats.perplexity());
    line(out, "log_mean_true_prob", stats.logMeanTrueProbability());
    line(out, "reader", reader.cliName() + (readerReason == null ? "" : " (" + readerReason + ")"));
    line(out, "master", master);
    line(out, "elapsed_seconds", String.format(Locale.ROOT, "%.3f", elapsedSeconds));
    return out.toString();
  }

  private static void line(StringBuilder out, String name, Object value) {
    out.append(String.format(Locale.ROOT, "%-20s %s%n", name, value));
  }
}
