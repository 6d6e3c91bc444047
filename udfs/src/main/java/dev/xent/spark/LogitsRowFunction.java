package dev.xent.spark;

import dev.xent.kernel.Validity;
import dev.xent.spark.InputTypes.LogitsKind;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.types.ArrayType;

/**
 * A function of one logits row (logsumexp, softmax, log_softmax, logits_argmax). A row that is not
 * valid softmax input (see {@code xent_status}) gives NULL, never NaN.
 */
public abstract class LogitsRowFunction extends XentExpression {
  private static final long serialVersionUID = 1L;

  LogitsRowFunction(Expression logits) {
    super(logits);
  }

  /** The result for a valid row, given as {@code float[]} or {@code double[]}. */
  protected abstract Object fromValidRow(float[] z);

  protected abstract Object fromValidRow(double[] z);

  @Override
  protected String typeProblem() {
    return InputTypes.logitsKind(arg(0).dataType(), false) == null
        ? InputTypes.mismatch(
            "evaluate " + prettyName(),
            "logits " + InputTypes.describe(arg(0)),
            arg(0).dataType(),
            InputTypes.EXPECTED_LOGITS)
        : null;
  }

  // Derived on the first row (the argument type is final by then), not on every row.
  private LogitsKind kind;
  private boolean elementsNullable;

  @Override
  public Object compute(Object logits, Object unused) {
    if (kind == null) {
      elementsNullable = arg(0).dataType() instanceof ArrayType array && array.containsNull();
      kind = InputTypes.logitsKind(arg(0).dataType(), false);
    }
    Object z = InputTypes.logits(logits, kind, elementsNullable);
    if (z instanceof float[] f) {
      return Validity.logits(f, true).isOk() ? fromValidRow(f) : null;
    }
    if (z instanceof double[] d) {
      return Validity.logits(d, true).isOk() ? fromValidRow(d) : null;
    }
    return null;
  }
}
