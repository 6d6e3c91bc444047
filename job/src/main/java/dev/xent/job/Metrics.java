package dev.xent.job;

import dev.xent.kernel.AuditOptions;
import dev.xent.kernel.AuditStats;
import dev.xent.kernel.CalibrationBin;
import dev.xent.kernel.ClassStats;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.LossBin;
import dev.xent.kernel.LossStats;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The result of {@code evaluate}: the numbers of an {@link Evaluation} plus where they came from.
 * The field names are those of {@code metrics.json}. {@code reader} is the reader that ran (page or
 * spark) and {@code readerReason} why Spark's reader ran (null when the page reader did); {@code
 * slices} is the {@code --group-by} summary and {@code rowsFilteredOut} the rows {@code --filter}
 * left out and {@code skippedFiles} the unreadable files {@code --skip-corrupt-files} left out
 * (each null when not asked for); {@code quarantine} the path the invalid rows were written to
 * (null when none were: no invalid row, no quarantine asked for); {@code run} is the run manifest
 * ({@link RunManifest}; null only for metrics not made by a run).
 */
public record Metrics(
    Evaluation.Result result,
    EvaluateConfig config,
    EvaluateConfig.Reader reader,
    String readerReason,
    String master,
    double elapsedSeconds,
    String sparkVersion,
    String xentVersion,
    Map<String, Object> slices,
    Long rowsFilteredOut,
    List<Map<String, String>> skippedFiles,
    String quarantine,
    Map<String, Object> run) {

  /** How many of the classes with the highest mean loss metrics.json lists. */
  static final int WORST_CLASSES = 20;

  public LossStats stats() {
    return result.audit().lossStats();
  }

  public AuditStats audit() {
    return result.audit();
  }

  /** The metrics.json object, fields in documented order. */
  public Map<String, Object> toJsonMap() {
    LossStats stats = stats();
    AuditStats audit = audit();
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("rows", stats.rows());
    json.put("rows_scored", stats.rowsScored());
    json.put("rows_invalid", stats.rowsInvalid());
    json.put("rows_ignored", stats.rowsIgnored());
    json.put("invalid_by_reason", stats.invalidByReason());
    json.put("rows_infinite_loss", stats.rowsInfiniteLoss());
    if (rowsFilteredOut != null) {
      json.put("rows_filtered_out", rowsFilteredOut);
    }
    if (skippedFiles != null) {
      json.put("skipped_files", skippedFiles);
    }
    json.put("quarantine", quarantine);
    json.put("weight_sum", audit.weightSum());
    json.put("effective_sample_size", audit.effectiveSampleSize());
    json.put("mean_loss", audit.meanLoss());
    json.put("mean_loss_ci", interval(audit.meanLossCi()));
    if (softmax()) {
      json.put("accuracy", audit.accuracy());
      json.put("accuracy_ci", interval(audit.accuracyCi()));
      if (config.audit().topK().length > 0) {
        Map<String, Object> topK = new LinkedHashMap<>();
        audit.topKAccuracy().forEach((k, v) -> topK.put(Integer.toString(k), v));
        json.put("top_k_accuracy", topK);
      }
    }
    json.put("confidence_level", config.audit().confidenceLevel());
    json.put("perplexity", Math.exp(audit.meanLoss()));
    json.put("log_mean_true_prob", stats.logMeanTrueProbability());
    json.put("ece", audit.ece());
    json.put("mce", audit.mce());
    json.put("calibration", calibration(audit.calibration()));
    json.put("loss_histogram", lossHistogram(audit.lossHistogram(), config.weighted()));
    ClassStats classes = result.classes();
    if (classes != null) {
      json.put("classes", classes.classes());
      json.put("macro_recall", classes.macroRecall());
      json.put("macro_f1", classes.macroF1());
      List<Map<String, Object>> worst = new ArrayList<>();
      for (ClassStats.ClassLoss c : classes.worstClasses(WORST_CLASSES)) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("class", c.classIndex());
        entry.put("mean_loss", c.meanLoss());
        entry.put("support", c.support());
        worst.add(entry);
      }
      json.put("worst_classes", worst);
    }
    if (slices != null) {
      json.putAll(slices);
    }
    json.put("loss", config.loss().sqlName());
    json.put("input", config.input());
    json.put("format", config.format().sparkName());
    json.put("logits", config.logitsColumn());
    json.put(config.labelColumn() != null ? "label" : "labels", config.targetColumn());
    putOptions(json);
    json.put("reader", reader.cliName());
    json.put("reader_reason", readerReason);
    json.put("master", master);
    json.put("elapsed_seconds", elapsedSeconds);
    json.put("spark_version", sparkVersion);
    json.put("xent_version", xentVersion);
    if (run != null) {
      json.put("run", run);
    }
    return json;
  }

  /** The audit options, by their flag's word (null where not given). */
  private void putOptions(Map<String, Object> json) {
    AuditOptions options = config.audit();
    json.put("weight", config.weightColumn());
    double[] classWeights = options.classWeights();
    json.put(
        "class_weights",
        classWeights == null ? null : Arrays.stream(classWeights).boxed().toList());
    json.put("ignore_index", options.ignoreIndex());
    json.put("label_smoothing", options.labelSmoothing());
    json.put("top_k", Arrays.stream(options.topK()).boxed().toList());
    json.put("per_class", options.perClass());
    json.put("calibration_bins", options.calibrationBins());
    json.put("group_by", config.groupBy());
    json.put("min_slice_rows", config.minSliceRows());
    json.put("filter", config.filter());
  }

  private static Object interval(double[] ci) {
    return ci == null ? null : List.of(ci[0], ci[1]);
  }

  private static List<Map<String, Object>> calibration(List<CalibrationBin> bins) {
    List<Map<String, Object>> out = new ArrayList<>();
    for (CalibrationBin bin : bins) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("bin", bin.bin());
      entry.put("lower", bin.lower());
      entry.put("upper", bin.upper());
      entry.put("count", bin.count());
      entry.put("weight", bin.weight());
      entry.put("mean_confidence", bin.meanConfidence());
      entry.put("accuracy", bin.accuracy());
      out.add(entry);
    }
    return out;
  }

  /**
   * The bins from the first to the last non-empty one (empty bins between them kept, so the list is
   * contiguous); none when nothing was scored. {@code weight} only for weighted runs, where it
   * differs from the count.
   */
  static List<Map<String, Object>> lossHistogram(List<LossBin> bins, boolean weighted) {
    int first = 0;
    while (first < bins.size() && bins.get(first).count() == 0) {
      first++;
    }
    int last = bins.size() - 1;
    while (last >= first && bins.get(last).count() == 0) {
      last--;
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (LossBin bin : bins.subList(first, last + 1)) {
      Map<String, Object> entry = new LinkedHashMap<>();
      entry.put("lower", bin.lower());
      entry.put("upper", bin.upper());
      entry.put("count", bin.count());
      if (weighted) {
        entry.put("weight", bin.weight());
      }
      out.add(entry);
    }
    return out;
  }

  private boolean softmax() {
    return config.loss() == EvaluateConfig.Loss.SOFTMAX;
  }

  /** The readable summary printed by the CLI. */
  public String summary() {
    LossStats stats = stats();
    AuditStats audit = audit();
    StringBuilder out = new StringBuilder();
    line(out, "input", config.input() + " (" + config.format().sparkName() + ")");
    line(out, "loss", config.loss().sqlName());
    line(out, "rows", stats.rows());
    if (rowsFilteredOut != null) {
      line(out, "rows_filtered_out", rowsFilteredOut);
    }
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
    if (stats.rowsIgnored() > 0 || config.audit().ignoreIndex() != null) {
      line(out, "rows_ignored", stats.rowsIgnored());
    }
    line(out, "rows_infinite_loss", stats.rowsInfiniteLoss());
    if (config.weighted()) {
      line(out, "weight_sum", audit.weightSum());
    }
    line(out, "mean_loss", audit.meanLoss() + ci(audit.meanLossCi()));
    if (softmax()) {
      line(out, "accuracy", audit.accuracy() + ci(audit.accuracyCi()));
      audit.topKAccuracy().forEach((k, v) -> line(out, "top_" + k + "_accuracy", v));
    }
    line(out, "perplexity", Math.exp(audit.meanLoss()));
    line(out, "log_mean_true_prob", stats.logMeanTrueProbability());
    line(out, "ece", audit.ece());
    line(out, "mce", audit.mce());
    ClassStats classes = result.classes();
    if (classes != null) {
      line(out, "macro_recall", classes.macroRecall());
      line(out, "macro_f1", classes.macroF1());
    }
    if (slices != null) {
      line(out, "slices", slices.get("slices"));
    }
    line(out, "reader", reader.cliName() + (readerReason == null ? "" : " (" + readerReason + ")"));
    line(out, "master", master);
    line(out, "elapsed_seconds", String.format(Locale.ROOT, "%.3f", elapsedSeconds));
    return out.toString();
  }

  private String ci(double[] interval) {
    if (interval == null) {
      return "";
    }
    return String.format(
        Locale.ROOT,
        "  (%s%% CI %s .. %s)",
        trim(config.audit().confidenceLevel() * 100),
        interval[0],
        interval[1]);
  }

  private static String trim(double percent) {
    return percent == Math.rint(percent) ? Long.toString((long) percent) : Double.toString(percent);
  }

  private static void line(StringBuilder out, String name, Object value) {
    out.append(String.format(Locale.ROOT, "%-20s %s%n", name, value));
  }
}
