package dev.xent.job;

import dev.xent.job.page.TargetRowSink;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.RowAuditor;

/**
 * The page reader's scorer for dense and sigmoid rows: the same {@link RowAuditor} calls as Spark's
 * row scorer makes for them ({@code dense} or {@code sigmoid}, never {@code sparse}), with the
 * quarantine positions and the {@code --strict} stop of the sparse scorer. A subclass, so that the
 * sparse scorer's row calls stay the only ones a sparse run loads.
 */
final class TargetScorer extends PagePath.Scorer implements TargetRowSink {
  private final boolean sigmoid;

  TargetScorer(
      boolean sigmoid,
      RowAuditor auditor,
      Evaluation evaluation,
      String file,
      int limit,
      boolean strict,
      boolean stopAtFirst) {
    super(auditor, evaluation, file, limit, strict, stopAtFirst, null);
    this.sigmoid = sigmoid;
  }

  @Override
  public void row(float[] logits, double[] targets, double weight) {
    seen(
        sigmoid
            ? auditor.sigmoid(logits, targets, weight, evaluation)
            : auditor.dense(logits, targets, weight, evaluation),
        logits,
        Double.NaN,
        targets,
        weight);
  }

  @Override
  public void row(double[] logits, double[] targets, double weight) {
    seen(
        sigmoid
            ? auditor.sigmoid(logits, targets, weight, evaluation)
            : auditor.dense(logits, targets, weight, evaluation),
        logits,
        Double.NaN,
        targets,
        weight);
  }
}
