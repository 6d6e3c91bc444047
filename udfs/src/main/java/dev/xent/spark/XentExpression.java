package dev.xent.spark;

import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeBlock;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.types.DataType;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * Base of xent's row expressions: the first {@link #valueArity()} arguments are evaluated per row
 * and handed to {@link #compute}; any further arguments are constant options (e.g. the loss mode).
 *
 * <p>The generated code evaluates the children in generated code and calls {@link #compute} once
 * per row with the arrays as Spark holds them ({@code ArrayData}, {@code InternalRow}), so no array
 * element is ever boxed. A specialised code path can replace {@code compute} per function later
 * without touching the registry.
 */
public abstract class XentExpression extends Expression implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Expression[] args;
  private final Seq<Expression> children;

  protected XentExpression(Expression... args) {
    this.args = args.clone();
    this.children = Seqs.of(this.args);
  }

  /** The SQL name, as registered in {@link XentFunctions}. */
  @Override
  public abstract String prettyName();

  /** How many leading arguments are evaluated per row (1 or 2). */
  protected int valueArity() {
    return Math.min(args.length, 2);
  }

  /** Whether {@link #compute} is called for null inputs too (otherwise the result is null). */
  protected boolean acceptsNullInputs() {
    return false;
  }

  /** Null when the argument types are acceptable, else the message of the failure. */
  protected abstract String typeProblem();

  /** Builds the same expression over new arguments. */
  protected abstract XentExpression withArgs(Expression[] newArgs);

  /**
   * The result for one row, from the evaluated value arguments ({@code second} is null for unary
   * functions); null means SQL NULL. Public because generated code calls it.
   */
  public abstract Object compute(Object first, Object second);

  protected Expression arg(int i) {
    return args[i];
  }

  protected int argCount() {
    return args.length;
  }

  @Override
  public Seq<Expression> children() {
    return children;
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    Expression[] copy = new Expression[newChildren.length()];
    for (int i = 0; i < copy.length; i++) {
      copy[i] = newChildren.apply(i);
    }
    return withArgs(copy);
  }

  @Override
  public boolean nullable() {
    return true;
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    String problem = typeProblem();
    return problem == null
        ? TypeCheckResult.TypeCheckSuccess$.MODULE$
        : new TypeCheckResult.TypeCheckFailure(problem);
  }

  @Override
  public Object eval(InternalRow input) {
    Object first = args[0].eval(input);
    Object second = valueArity() > 1 ? args[1].eval(input) : null;
    if (!acceptsNullInputs() && (first == null || (valueArity() > 1 && second == null))) {
      return null;
    }
    return compute(first, second);
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    String self = ctx.addReferenceObj("xentExpression", this, getClass().getName());
    StringBuilder code = new StringBuilder();
    String[] values = {"null", "null"};
    StringBuilder anyNull = new StringBuilder("false");
    for (int i = 0; i < valueArity(); i++) {
      ExprCode child = args[i].genCode(ctx);
      code.append(child.code().toString()).append('\n');
      String boxed = boxed(child.value().toString(), args[i].dataType());
      values[i] = "(" + child.isNull() + " ? null : (Object) " + boxed + ")";
      anyNull.append(" || ").append(child.isNull());
    }
    String result = ctx.freshName("xentResult");
    code.append("Object ").append(result).append(" = ");
    if (!acceptsNullInputs()) {
      code.append('(').append(anyNull).append(") ? null : ");
    }
    code.append(self).append(".compute(").append(values[0]).append(", ").append(values[1]);
    code.append(");\n");
    DataType type = dataType();
    String javaType = CodeGenerator.javaType(type);
    String boxedType = CodeGenerator.boxedType(type);
    String unboxed =
        javaType.equals(boxedType)
            ? "(" + boxedType + ") " + result
            : "((" + boxedType + ") " + result + ")." + javaType + "Value()";
    code.append("boolean ").append(ev.isNull()).append(" = ").append(result).append(" == null;\n");
    code.append(javaType).append(' ').append(ev.value()).append(" = ").append(ev.isNull());
    code.append(" ? ").append(CodeGenerator.defaultValue(type, false)).append(" : ");
    code.append(unboxed).append(";\n");
    return new ExprCode(
        new CodeBlock(Seqs.of(code.toString()), Seqs.of()), ev.isNull(), ev.value());
  }

  private static String boxed(String value, DataType type) {
    String javaType = CodeGenerator.javaType(type);
    String boxedType = CodeGenerator.boxedType(type);
    return javaType.equals(boxedType) ? value : boxedType + ".valueOf(" + value + ")";
  }

  @Override
  public int productArity() {
    return args.length;
  }

  @Override
  public Object productElement(int n) {
    return args[n];
  }

  @Override
  public boolean canEqual(Object that) {
    return that != null && that.getClass() == getClass();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof XentExpression other
        && other.getClass() == getClass()
        && Arrays.equals(args, other.args);
  }

  @Override
  public int hashCode() {
    return getClass().hashCode() * 31 + Arrays.hashCode(args);
  }
}
