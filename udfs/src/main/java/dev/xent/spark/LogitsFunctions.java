package dev.xent.spark;

import dev.xent.kernel.LogSumExp;
import dev.xent.kernel.Logits;
import dev.xent.kernel.Softmax;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.UnsafeArrayData;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** The SQL functions of one logits row; each converts, calls its kernel and converts back. */
public final class LogitsFunctions {
  private LogitsFunctions() {}

  private static final ArrayType DOUBLE_ARRAY =
      DataTypes.createArrayType(DataTypes.DoubleType, false);

  /** {@code logsumexp(logits)}: double. */
  public static final class LogSumExpFunction extends LogitsRowFunction {
    private static final long serialVersionUID = 1L;

    public LogSumExpFunction(Expression logits) {
      super(logits);
    }

    @Override
    public String prettyName() {
      return XentFunctions.LOGSUMEXP;
    }

    @Override
    public DataType dataType() {
      return DataTypes.DoubleType;
    }

    @Override
    protected Object fromValidRow(float[] z) {
      return LogSumExp.logSumExp(z);
    }

    @Override
    protected Object fromValidRow(double[] z) {
      return LogSumExp.logSumExp(z);
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return new LogSumExpFunction(a[0]);
    }
  }

  /** {@code softmax(logits)}: array<double>. */
  public static final class SoftmaxFunction extends LogitsRowFunction {
    private static final long serialVersionUID = 1L;

    public SoftmaxFunction(Expression logits) {
      super(logits);
    }

    @Override
    public String prettyName() {
      return XentFunctions.SOFTMAX;
    }

    @Override
    public DataType dataType() {
      return DOUBLE_ARRAY;
    }

    @Override
    protected Object fromValidRow(float[] z) {
      return UnsafeArrayData.fromPrimitiveArray(Softmax.softmax(z));
    }

    @Override
    protected Object fromValidRow(double[] z) {
      return UnsafeArrayData.fromPrimitiveArray(Softmax.softmax(z));
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return new SoftmaxFunction(a[0]);
    }
  }

  /** {@code log_softmax(logits)}: array<double>. */
  public static final class LogSoftmaxFunction extends LogitsRowFunction {
    private static final long serialVersionUID = 1L;

    public LogSoftmaxFunction(Expression logits) {
      super(logits);
    }

    @Override
    public String prettyName() {
      return XentFunctions.LOG_SOFTMAX;
    }

    @Override
    public DataType dataType() {
      return DOUBLE_ARRAY;
    }

    @Override
    protected Object fromValidRow(float[] z) {
      return UnsafeArrayData.fromPrimitiveArray(Softmax.logSoftmax(z));
    }

    @Override
    protected Object fromValidRow(double[] z) {
      return UnsafeArrayData.fromPrimitiveArray(Softmax.logSoftmax(z));
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return new LogSoftmaxFunction(a[0]);
    }
  }

  /** {@code logits_argmax(logits)}: int, the first maximum (ties → lowest index). */
  public static final class ArgmaxFunction extends LogitsRowFunction {
    private static final long serialVersionUID = 1L;

    public ArgmaxFunction(Expression logits) {
      super(logits);
    }

    @Override
    public String prettyName() {
      return XentFunctions.LOGITS_ARGMAX;
    }

    @Override
    public DataType dataType() {
      return DataTypes.IntegerType;
    }

    @Override
    protected Object fromValidRow(float[] z) {
      return Logits.argmax(z);
    }

    @Override
    protected Object fromValidRow(double[] z) {
      return Logits.argmax(z);
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return new ArgmaxFunction(a[0]);
    }
  }

  /**
   * {@code softmax_confidence(logits)}: double, the probability of the predicted class (the first
   * maximum), {@code 1 / (1 + rest)} from the max shift.
   */
  public static final class SoftmaxConfidenceFunction extends LogitsRowFunction {
    private static final long serialVersionUID = 1L;

    public SoftmaxConfidenceFunction(Expression logits) {
      super(logits);
    }

    @Override
    public String prettyName() {
      return XentFunctions.SOFTMAX_CONFIDENCE;
    }

    @Override
    public DataType dataType() {
      return DataTypes.DoubleType;
    }

    @Override
    protected Object fromValidRow(float[] z) {
      return Softmax.confidence(z);
    }

    @Override
    protected Object fromValidRow(double[] z) {
      return Softmax.confidence(z);
    }

    @Override
    protected XentExpression withArgs(Expression[] a) {
      return new SoftmaxConfidenceFunction(a[0]);
    }
  }
}
