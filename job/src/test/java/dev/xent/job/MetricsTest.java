package dev.xent.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.xent.kernel.LossStatsAccumulator;
import dev.xent.kernel.Reason;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private static Metrics metrics(EvaluateConfig.Loss loss) {
    LossStatsAccumulator acc = new LossStatsAccumulator();
    acc.add(Reason.OK, 0.5, true).add(Reason.NAN_LOGIT, Double.NaN, false);
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
        "0.1.0");
  }

  @Test
  void metricsJsonFieldsComeInTheDocumentedOrder() {
    assertThat(metrics(EvaluateConfig.Loss.SOFTMAX).toJsonMap().keySet())
        .containsExactly(
            "rows",
            "rows_scored",
            "rows_invalid",
            "invalid_by_reason",
            "rows_infinite_loss",
            "mean_loss",
            "accuracy",
            "perplexity",
            "log_mean_true_prob",
            "loss",
            "input",
            "format",
            "logits",
            "label",
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
    assertThat(summary).containsPattern("(?m)^mean_loss +0\\.5$");
  }
}
