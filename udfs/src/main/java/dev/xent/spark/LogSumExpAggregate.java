package dev.xent.spark;

import dev.xent.kernel.LogSumExpAccumulator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.analysis.TypeCheckResult;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.aggregate.ImperativeAggregate;
import org.apache.spark.sql.catalyst.expressions.aggregate.TypedImperativeAggregate;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * {@code logsumexp_agg(x)}: {@code log Σ exp(x)} over a group. Each partition keeps a {@link
 * LogSumExpAccumulator} (max and scaled sum); Spark merges the states. NULL inputs are skipped; no
 * input or a NaN input gives NULL; only −∞ inputs give −∞.
 */
public final class LogSumExpAggregate extends TypedImperativeAggregate<LogSumExpAccumulator>
    implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Expression child;
  private final int mutableAggBufferOffset;
  private final int inputAggBufferOffset;

  public LogSumExpAggregate(Expression child) {
    this(child, 0, 0);
  }

  public LogSumExpAggregate(
      Expression child, int mutableAggBufferOffset, int inputAggBufferOffset) {
    this.child = child;
    this.mutableAggBufferOffset = mutableAggBufferOffset;
    this.inputAggBufferOffset = inputAggBufferOffset;
  }

  @Override
  public String prettyName() {
    return XentFunctions.LOGSUMEXP_AGG;
  }

  @Override
  public TypeCheckResult checkInputDataTypes() {
    return child.dataType() instanceof NumericType
        ? TypeCheckResult.TypeCheckSuccess$.MODULE$
        : new TypeCheckResult.TypeCheckFailure(
            InputTypes.mismatch(
                "evaluate " + prettyName(),
                InputTypes.describe(child),
                child.dataType(),
                "a numeric type"));
  }

  @Override
  public LogSumExpAccumulator createAggregationBuffer() {
    return new LogSumExpAccumulator();
  }

  @Override
  public LogSumExpAccumulator update(LogSumExpAccumulator buffer, InternalRow input) {
    Object value = child.eval(input);
    if (value != null) {
      buffer.add(InputTypes.numericValue(value));
    }
    return buffer;
  }

  @Override
  public LogSumExpAccumulator merge(LogSumExpAccumulator buffer, LogSumExpAccumulator input) {
    buffer.merge(input);
    return buffer;
  }

  @Override
  public Object eval(LogSumExpAccumulator buffer) {
    double result = buffer.result();
    return buffer.count() == 0 || Double.isNaN(result) ? null : result;
  }

  @Override
  public byte[] serialize(LogSumExpAccumulator buffer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(40);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      buffer.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public LogSumExpAccumulator deserialize(byte[] storageFormat) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(storageFormat))) {
      return LogSumExpAccumulator.readFrom(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public int mutableAggBufferOffset() {
    return mutableAggBufferOffset;
  }

  @Override
  public ImperativeAggregate withNewMutableAggBufferOffset(int newOffset) {
    return new LogSumExpAggregate(child, newOffset, inputAggBufferOffset);
  }

  @Override
  public int inputAggBufferOffset() {
    return inputAggBufferOffset;
  }

  @Override
  public ImperativeAggregate withNewInputAggBufferOffset(int newOffset) {
    return new LogSumExpAggregate(child, mutableAggBufferOffset, newOffset);
  }

  @Override
  public boolean nullable() {
    return true;
  }

  @Override
  public DataType dataType() {
    return DataTypes.DoubleType;
  }

  @Override
  public Seq<Expression> children() {
    return Seqs.of(child);
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    return new LogSumExpAggregate(
        newChildren.apply(0), mutableAggBufferOffset, inputAggBufferOffset);
  }

  @Override
  public int productArity() {
    return 3;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> child;
      case 1 -> mutableAggBufferOffset;
      case 2 -> inputAggBufferOffset;
      default -> throw new IndexOutOfBoundsException(n);
    };
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof LogSumExpAggregate;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LogSumExpAggregate other
        && child.equals(other.child)
        && mutableAggBufferOffset == other.mutableAggBufferOffset
        && inputAggBufferOffset == other.inputAggBufferOffset;
  }

  @Override
  public int hashCode() {
    return child.hashCode() * 31 + mutableAggBufferOffset * 7 + inputAggBufferOffset;
  }
}
