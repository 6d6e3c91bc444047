package dev.xent.spark;

import dev.xent.kernel.Reason;
import dev.xent.kernel.Scored;
import java.util.Locale;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * A function of (logits, label) rows that validates and scores them through {@link Scoring}:
 * softmax_cross_entropy, sigmoid_cross_entropy, xent_status and xent_score. The loss mode is fixed
 * by the function or given as a constant third argument, {@code 'softmax'} or {@code 'sigmoid'}.
 */
public abstract class ScoringFunction extends XentExpression {
  private static final long serialVersionUID = 1L;

  public static final String SOFTMAX = "softmax";
  public static final String SIGMOID = "sigmoid";

  // Built on the first row (the argument types are final by then); cheap to rebuild.
  private RowScorer scorer;

  protected ScoringFunction(Expression... args) {
    super(args);
  }

  /** The mode of a function without a mode argument. */
  protected abstract String defaultMode();

  /** Whether a third argument is the loss mode (the audit functions) rather than another option. */
  protected boolean hasModeArgument() {
    return true;
  }

  /** The label smoothing of softmax rows; 0 unless the function takes it as an option. */
  protected double smoothing() {
    return 0.0;
  }

  /** Whether this row is scored as sigmoid (else softmax). */
  protected final boolean sigmoid() {
    return SIGMOID.equals(mode());
  }

  private String mode() {
    if (argCount() < 3 || !hasModeArgument()) {
      return defaultMode();
    }
    Object value = arg(2).eval(null);
    return value == null ? null : value.toString().toLowerCase(Locale.ROOT);
  }

  @Override
  protected String typeProblem() {
    String action = "evaluate " + prettyName();
    if (argCount() == 3 && hasModeArgument()) {
      Expression option = arg(2);
      String mode =
          option.foldable() && option.dataType() instanceof StringType ? mode() : "not constant";
      if (!SOFTMAX.equals(mode) && !SIGMOID.equals(mode)) {
        return "Cannot "
            + action
            + ": mode "
            + InputTypes.describe(option)
            + " must be the constant 'softmax' or 'sigmoid'";
      }
    }
    boolean sigmoid = sigmoid();
    DataType logitsType = arg(0).dataType();
    if (InputTypes.logitsKind(logitsType, sigmoid) == null) {
      return InputTypes.mismatch(
          action,
          "logits " + InputTypes.describe(arg(0)),
          logitsType,
          sigmoid ? InputTypes.EXPECTED_SIGMOID_LOGITS : InputTypes.EXPECTED_LOGITS);
    }
    DataType labelType = arg(1).dataType();
    InputTypes.LabelKind label = InputTypes.labelKind(labelType);
    if (label == null) {
      return InputTypes.mismatch(
          action,
          (sigmoid ? "targets " : "label ") + InputTypes.describe(arg(1)),
          labelType,
          sigmoid ? InputTypes.EXPECTED_TARGETS : InputTypes.EXPECTED_LABEL);
    }
    return null;
  }

  /** Validates and scores one row; nulls give {@code null_input}. */
  protected final Scored score(Object logitsValue, Object labelValue) {
    if (scorer == null) {
      scorer = new RowScorer(arg(0).dataType(), arg(1).dataType(), sigmoid(), smoothing());
    }
    return scorer.score(logitsValue, labelValue);
  }

  private static final UTF8String[] CODES = new UTF8String[Reason.values().length];

  static {
    for (Reason reason : Reason.values()) {
      CODES[reason.ordinal()] = UTF8String.fromString(reason.code());
    }
  }

  /** The reason code as the UTF8String Spark stores. */
  protected static UTF8String code(Reason reason) {
    return CODES[reason.ordinal()];
  }
}
