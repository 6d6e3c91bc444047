package dev.xent.spark;

import dev.xent.kernel.ExactSum;
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
 * {@code exact_sum(x)} and {@code exact_avg(x)} over any numeric column (cast to double: integers
 * beyond 2^53 and decimals round once on the way in). Each partition keeps an {@link ExactSum},
 * whose result does not depend on the order of additions or on how the group was split, so the
 * result is the same bit for bit for every partitioning; the shuffled state is {@link
 * ExactSum#writeTo}'s, only the limbs in use.
 *
 * <p>NULL inputs are skipped; no non-null input gives NULL. Otherwise the result is the exact sum
 * (or exact sum / count) rounded once, and non-finite inputs follow {@link ExactSum}: any NaN, or
 * both +∞ and −∞, gives NaN; +∞ gives +∞; −∞ gives −∞; a finite exact sum beyond the double range
 * rounds to ±∞ (the mean of such values is finite).
 */
public final class ExactSumAggregate extends TypedImperativeAggregate<ExactSum>
    implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Expression child;
  private final boolean average;
  private final int mutableAggBufferOffset;
  private final int inputAggBufferOffset;

  /** {@code exact_sum(child)}, or {@code exact_avg(child)} when {@code average}. */
  public ExactSumAggregate(Expression child, boolean average) {
    this(child, average, 0, 0);
  }

  public ExactSumAggregate(
      Expression child, boolean average, int mutableAggBufferOffset, int inputAggBufferOffset) {
    this.child = child;
    this.average = average;
    this.mutableAggBufferOffset = mutableAggBufferOffset;
    this.inputAggBufferOffset = inputAggBufferOffset;
  }

  @Override
  public String prettyName() {
    return average ? XentFunctions.EXACT_AVG : XentFunctions.EXACT_SUM;
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
  public ExactSum createAggregationBuffer() {
    return new ExactSum();
  }

  @Override
  public ExactSum update(ExactSum buffer, InternalRow input) {
    Object value = child.eval(input);
    if (value != null) {
      buffer.add(InputTypes.numericValue(value));
    }
    return buffer;
  }

  @Override
  public ExactSum merge(ExactSum buffer, ExactSum input) {
    buffer.merge(input);
    return buffer;
  }

  @Override
  public Object eval(ExactSum buffer) {
    long count = buffer.count();
    if (count == 0) {
      return null;
    }
    return average ? buffer.mean(count) : buffer.sum();
  }

  @Override
  public byte[] serialize(ExactSum buffer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(32);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      buffer.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public ExactSum deserialize(byte[] storageFormat) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(storageFormat))) {
      return ExactSum.readFrom(in);
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
    return new ExactSumAggregate(child, average, newOffset, inputAggBufferOffset);
  }

  @Override
  public int inputAggBufferOffset() {
    return inputAggBufferOffset;
  }

  @Override
  public ImperativeAggregate withNewInputAggBufferOffset(int newOffset) {
    return new ExactSumAggregate(child, average, mutableAggBufferOffset, newOffset);
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
    return new ExactSumAggregate(
        newChildren.apply(0), average, mutableAggBufferOffset, inputAggBufferOffset);
  }

  @Override
  public int productArity() {
    return 4;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> child;
      case 1 -> average;
      case 2 -> mutableAggBufferOffset;
      case 3 -> inputAggBufferOffset;
      default -> throw new IndexOutOfBoundsException(n);
    };
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof ExactSumAggregate;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ExactSumAggregate other
        && child.equals(other.child)
        && average == other.average
        && mutableAggBufferOffset == other.mutableAggBufferOffset
        && inputAggBufferOffset == other.inputAggBufferOffset;
  }

  @Override
  public int hashCode() {
    return ((child.hashCode() * 31 + (average ? 1 : 0)) * 31 + mutableAggBufferOffset) * 7
        + inputAggBufferOffset;
  }
}
