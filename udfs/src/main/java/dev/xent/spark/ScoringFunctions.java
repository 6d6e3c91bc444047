package dev.xent.spark;

import dev.xent.kernel.LabelRank;
import dev.xent.kernel.Scored;
import dev.xent.kernel.Scoring;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/** The SQL functions over (logits, label) rows. */
public final class ScoringFunctions {
  private ScoringFunctions() {}

  /** A loss as a double, NULL for an invalid row; the mode is fixed by the function. */
  abstract static class LossFunction extends ScoringFunction {
    private static final long serialVersionUID = 1L;

    LossFunction(Expression... args) {
      super(args);
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
   * {@code softmax_cross_entropy(logits, label [, smoothing])}: an integer label is sparse, an
   * array or vector label is a probability row. The optional smoothing E, a constant in [0, 1),
   * makes the target {@code (1 − E)·label + E/C} (PyTorch's {@code label_smoothing}); E = 0 is the
   * two-argument result bit for bit.
   */
  public static final class SoftmaxCrossEntropyFunction extends LossFunction {
    private static final long serialVersionUID = 1L;

    public SoftmaxCrossEntropyFunction(Expression logits, Expression label) {
      super(logits, label);
    }

    public SoftmaxCrossEntropyFunction(Expression logits, Expression label, Expression smoothing) {
      super(logits, label, smoothing);
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
    protected boolean hasModeArgument() {
      return false;
    }

    @Override
    protected double smoothing() {
      Double value = argCount() < 3 ? Double.valueOf(0.0) : constantSmoothing(arg(2));
      return value == null ? Double.NaN : value;
    }

    @Override
    protected String typeProblem() {
      if (argCount() == 3) {
        Double value = constantSmoothing(arg(2));
        if (value == null || !(value >= 0.0 && value < 1.0)) {
          return "Cannot evaluate "
              + prettyName()
              + ": smoothing must be a constant in [0, 1), got "
              + (value == null ? InputTypes.describe(arg(2)) : Double.toString(value));
        }
      }
      return super.typeProblem();
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return a.length == 2
          ? new SoftmaxCrossEntropyFunction(a[0], a[1])
          : new SoftmaxCrossEntropyFunction(a[0], a[1], a[2]);
    }
  }

  /**
   * The value of a foldable numeric option as a double, or null (not constant, not numeric, NULL).
   */
  static Double constantSmoothing(Expression option) {
    if (!option.foldable() || !(option.dataType() instanceof NumericType)) {
      return null;
    }
    Object value = option.eval(null);
    return value == null ? null : InputTypes.numericValue(value);
  }

  /**
   * {@code label_rank(logits, label)}: int, how many classes rank before the label ({@link
   * LabelRank}: larger logits, and equal ones at a lower index), so 0 means the label is the
   * prediction and top-k accuracy is {@code label_rank < k}. NULL for a row that {@code
   * softmax_cross_entropy} with an integer label would not score (its {@code xent_status} is not
   * 'ok').
   */
  public static final class LabelRankFunction extends XentExpression {
    private static final long serialVersionUID = 1L;

    // Derived on the first row (the argument types are final by then).
    private InputTypes.LogitsKind kind;
    private boolean elementsNullable;

    public LabelRankFunction(Expression logits, Expression label) {
      super(logits, label);
    }

    @Override
    public String prettyName() {
      return XentFunctions.LABEL_RANK;
    }

    @Override
    public DataType dataType() {
      return DataTypes.IntegerType;
    }

    @Override
    protected String typeProblem() {
      String action = "evaluate " + prettyName();
      DataType logitsType = arg(0).dataType();
      if (InputTypes.logitsKind(logitsType, false) == null) {
        return InputTypes.mismatch(
            action,
            "logits " + InputTypes.describe(arg(0)),
            logitsType,
            InputTypes.EXPECTED_LOGITS);
      }
      InputTypes.LabelKind label = InputTypes.labelKind(arg(1).dataType());
      if (label == null || !label.isScalar()) {
        return InputTypes.mismatch(
            action,
            "label " + InputTypes.describe(arg(1)),
            arg(1).dataType(),
            InputTypes.EXPECTED_CLASS_LABEL);
      }
      return null;
    }

    @Override
    public Object compute(Object logits, Object label) {
      if (kind == null) {
        elementsNullable = arg(0).dataType() instanceof ArrayType array && array.containsNull();
        kind = InputTypes.logitsKind(arg(0).dataType(), false);
      }
      Object z = InputTypes.logits(logits, kind, elementsNullable);
      double y = InputTypes.numericValue(label);
      if (z instanceof float[] f) {
        return Scoring.sparseVerdict(f, y).isOk() ? LabelRank.of(f, (int) y) : null;
      }
      if (z instanceof double[] d) {
        return Scoring.sparseVerdict(d, y).isOk() ? LabelRank.of(d, (int) y) : null;
      }
      return null;
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return new LabelRankFunction(a[0], a[1]);
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
