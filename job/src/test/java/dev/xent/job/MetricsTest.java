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
            "loss_histogram",
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

  @Test
  void theLossHistogramKeepsTheBinsFromTheFirstToTheLastFilledOne() {
    // One row of loss 0 (bin [0, 2^−40)), one of loss 3 (bin [2, 4), the 43rd): 43 bins listed,
    // the 41 between them empty, nothing after [2, 4).
    dev.xent.kernel.AuditAccumulator acc =
        new dev.xent.kernel.AuditAccumulator(dev.xent.kernel.AuditSpec.defaults())
            .addSoftmax(0.0, 1, true, 0, 1.0)
            .addSoftmax(3.0, 1, false, 1, 0.5);
    var bins = Metrics.lossHistogram(acc.result().lossHistogram(), false);
    assertThat(bins).hasSize(43);
    assertThat(bins.get(0))
        .containsExactly(
            java.util.Map.entry("lower", 0.0),
            java.util.Map.entry("upper", 0x1p-40),
            java.util.Map.entry("count", 1L));
    assertThat(bins.get(42)).containsEntry("lower", 2.0).containsEntry("upper", 4.0);
    assertThat(bins.get(42)).containsEntry("count", 1L).doesNotContainKey("weight");
    assertThat(bins.subList(1, 42)).allSatisfy(b -> assertThat(b).containsEntry("count", 0L));
  }

  @Test
  void nothingScoredGivesAnEmptyLossHistogram() {
    dev.xent.kernel.AuditAccumulator acc =
        new dev.xent.kernel.AuditAccumulator(dev.xent.kernel.AuditSpec.defaults())
            .addUnscored(Reason.NAN_LOGIT);
    assertThat(Metrics.lossHistogram(acc.result().lossHistogram(), true)).isEmpty();
  }
}
