package dev.xent.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.xent.kernel.AuditOptions;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.Reason;
import dev.xent.kernel.RowAuditor;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private static Metrics metrics(EvaluateConfig.Loss loss) {
    Evaluation acc = new Evaluation(AuditOptions.plain());
    // The other class is masked: the loss is log1p(0) = 0 exactly.
    new RowAuditor(AuditOptions.plain())
        .sparse(new double[] {0.0, Double.NEGATIVE_INFINITY}, 0, Double.NaN, acc);
    acc.unscored(Reason.NAN_LOGIT);
    EvaluateConfig config =
        new EvaluateConfig(
            "in",
            EvaluateConfig.Format.PARQUET,
            "logits",
            "label",
            null,
            loss,
            null,
            null,
            EvaluateConfig.Format.PARQUET,
            false,
            EvaluateConfig.Reader.AUTO);
    return new Metrics(
        acc.result(),
        config,
        EvaluateConfig.Reader.SPARK,
        "--reader spark",
        "local[2]",
        1.5,
        "4.1.0",
        "0.1.0",
        null,
        null,
        null,
        null,
        null);
  }

  @Test
  void metricsJsonFieldsComeInTheDocumentedOrder() {
    assertThat(metrics(EvaluateConfig.Loss.SOFTMAX).toJsonMap().keySet())
        .containsExactly(
            "rows",
            "rows_scored",
            "rows_invalid",
            "rows_ignored",
            "invalid_by_reason",
            "rows_infinite_loss",
            "quarantine",
            "weight_sum",
            "effective_sample_size",
            "mean_loss",
            "mean_loss_ci",
            "accuracy",
            "accuracy_ci",
            "confidence_level",
            "perplexity",
            "log_mean_true_prob",
            "ece",
            "mce",
            "calibration",
            "loss",
            "input",
            "format",
            "logits",
            "label",
            "weight",
            "class_weights",
            "ignore_index",
            "label_smoothing",
            "top_k",
            "per_class",
            "calibration_bins",
            "group_by",
            "min_slice_rows",
            "filter",
            "reader",
            "reader_reason",
            "master",
            "elapsed_seconds",
            "spark_version",
            "xent_version");
  }

  @Test
  void sigmoidMetricsHaveNoAccuracy() {
    assertThat(metrics(EvaluateConfig.Loss.SIGMOID).toJsonMap()).doesNotContainKey("accuracy");
  }

  @Test
  void jsonNumbersRoundTripAndInfinitiesAreStrings() {
    double[] values = {0.1, 1.0 / 3, 16.478532782577886, Double.MIN_VALUE, Double.MAX_VALUE, -0.0};
    for (double v : values) {
      assertThat(Double.parseDouble(Json.write(v))).isEqualTo(v);
    }
    assertThat(Json.write(Double.POSITIVE_INFINITY)).isEqualTo("\"Infinity\"");
    assertThat(Json.write(Double.NEGATIVE_INFINITY)).isEqualTo("\"-Infinity\"");
    assertThat(Json.write(Double.NaN)).isEqualTo("null");
    assertThat(Json.write("a\"b\n")).isEqualTo("\"a\\\"b\\n\"");
  }

  @Test
  void theSummaryListsOnlyReasonsThatOccurred() {
    String summary = metrics(EvaluateConfig.Loss.SOFTMAX).summary();
    assertThat(summary).containsPattern("(?m)^  nan_logit +1$").doesNotContain("posinf_logit");
    assertThat(summary).containsPattern("(?m)^mean_loss +0\\.0( |$)");
  }
}
