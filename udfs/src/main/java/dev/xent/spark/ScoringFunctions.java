package dev.xent.spark;

import dev.xent.kernel.Scored;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** The SQL functions over (logits, label) rows. */
public final class ScoringFunctions {
  private ScoringFunctions() {}

  /** A loss as a double, NULL for an invalid row; the mode is fixed by the function. */
  abstract static class LossFunction extends ScoringFunction {
    private static final long serialVersionUID = 1L;

    LossFunction(Expression logits, Expression label) {
      super(logits, label);
    }

    @Override
    public DataType dataType() {
      return DataTypes.DoubleType;
    }

    @Override
    public Object compute(Object logits, Object label) {
      Scored scored = score(logits, label);
      return scored.isOk() ? scored.loss() : null;
    }
  }

  /**
   * {@code softmax_cross_entropy(logits, label)}: an integer label is sparse, an array or vector
   * label is a probability row.
   */
  public static final class SoftmaxCrossEntropyFunction extends LossFunction {
    private static final long serialVersionUID = 1L;

    public SoftmaxCrossEntropyFunction(Expression logits, Expression label) {
      super(logits, label);
    }

    @Override
    public String prettyName() {
      return XentFunctions.SOFTMAX_CROSS_ENTROPY;
    }

    @Override
    protected String defaultMode() {
      return SOFTMAX;
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return new SoftmaxCrossEntropyFunction(a[0], a[1]);
    }
  }

  /** {@code sigmoid_cross_entropy(logits, targets)}: the sum over elements. */
  public static final class SigmoidCrossEntropyFunction extends LossFunction {
    private static final long serialVersionUID = 1L;

    public SigmoidCrossEntropyFunction(Expression logits, Expression targets) {
      super(logits, targets);
    }

    @Override
    public String prettyName() {
      return XentFunctions.SIGMOID_CROSS_ENTROPY;
    }

    @Override
    protected String defaultMode() {
      return SIGMOID;
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return new SigmoidCrossEntropyFunction(a[0], a[1]);
    }
  }

  /**
   * A per-row audit value that is never NULL: NULL inputs are rows too ({@code null_input}). The
   * mode is the optional third argument, softmax by default.
   */
  abstract static class AuditFunction extends ScoringFunction {
    private static final long serialVersionUID = 1L;

    AuditFunction(Expression... args) {
      super(args);
    }

    @Override
    protected String defaultMode() {
      return SOFTMAX;
    }

    @Override
    protected boolean acceptsNullInputs() {
      return true;
    }

    @Override
    public boolean nullable() {
      return false;
    }
  }

  /** {@code xent_status(logits, label [, mode])}: 'ok' or the reason code. */
  public static final class StatusFunction extends AuditFunction {
    private static final long serialVersionUID = 1L;

    public StatusFunction(Expression logits, Expression label) {
      super(logits, label);
    }

    public StatusFunction(Expression logits, Expression label, Expression mode) {
      super(logits, label, mode);
    }

    @Override
    public String prettyName() {
      return XentFunctions.XENT_STATUS;
    }

    @Override
    public DataType dataType() {
      return DataTypes.StringType;
    }

    @Override
    public Object compute(Object logits, Object label) {
      return code(score(logits, label).reason());
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return a.length == 2 ? new StatusFunction(a[0], a[1]) : new StatusFunction(a[0], a[1], a[2]);
    }
  }

  /** The struct {@code xent_score} returns; also the per-row output columns of the job. */
  public static final StructType SCORE_TYPE =
      new StructType()
          .add("loss", DataTypes.DoubleType, true)
          .add("predicted", DataTypes.IntegerType, true)
          .add("correct", DataTypes.BooleanType, true)
          .add("status", DataTypes.StringType, false);

  /**
   * {@code xent_score(logits, label [, mode])}: struct<loss, predicted, correct, status>, one pass
   * for everything a per-row audit needs. loss, predicted and correct are NULL for invalid rows;
   * predicted and correct are NULL for sigmoid rows.
   */
  public static final class ScoreFunction extends AuditFunction {
    private static final long serialVersionUID = 1L;

    public ScoreFunction(Expression logits, Expression label) {
      super(logits, label);
    }

    public ScoreFunction(Expression logits, Expression label, Expression mode) {
      super(logits, label, mode);
    }

    @Override
    public String prettyName() {
      return XentFunctions.XENT_SCORE;
    }

    @Override
    public DataType dataType() {
      return SCORE_TYPE;
    }

    @Override
    public Object compute(Object logits, Object label) {
      Scored scored = score(logits, label);
      boolean predicts = scored.isOk() && scored.hasPrediction();
      return new GenericInternalRow(
          new Object[] {
            scored.isOk() ? scored.loss() : null,
            predicts ? scored.predicted() : null,
            predicts ? scored.correct() : null,
            code(scored.reason())
          });
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return a.length == 2 ? new ScoreFunction(a[0], a[1]) : new ScoreFunction(a[0], a[1], a[2]);
    }
  }
}
