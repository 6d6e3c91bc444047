package dev.xent.spark;

import dev.xent.kernel.AuditOptions;
import dev.xent.kernel.AuditStats;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.RowAuditor;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.catalyst.expressions.aggregate.ImperativeAggregate;
import org.apache.spark.sql.catalyst.expressions.aggregate.TypedImperativeAggregate;
import org.apache.spark.sql.catalyst.util.GenericArrayData;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;

/**
 * The audit of a group of rows as one Spark aggregate: each task keeps an {@link Evaluation} per
 * group (scored by the same {@link RowAuditor} as the whole run), Spark shuffles their compact
 * binary form and merges them, so a million groups aggregate like any GROUP BY, and each group's
 * metrics are the same bits however its rows were partitioned. The result is a struct of the
 * run-level metrics ({@link #resultType(AuditOptions, boolean)}).
 */
public final class AuditAggregate extends TypedImperativeAggregate<Evaluation>
    implements Serializable {
  private static final long serialVersionUID = 1L;

  private final Expression logits;
  private final Expression label;
  private final Expression weight;
  private final AuditOptions options;
  private final boolean sigmoid;
  private final int mutableAggBufferOffset;
  private final int inputAggBufferOffset;
  private transient RowScorer scorer;
  private transient RowAuditor auditor;

  /** {@code weight} is null for an unweighted audit; {@code options.perClass()} is ignored. */
  public AuditAggregate(
      Expression logits,
      Expression label,
      Expression weight,
      AuditOptions options,
      boolean sigmoid) {
    this(logits, label, weight, withoutPerClass(options), sigmoid, 0, 0);
  }

  private AuditAggregate(
      Expression logits,
      Expression label,
      Expression weight,
      AuditOptions options,
      boolean sigmoid,
      int mutableAggBufferOffset,
      int inputAggBufferOffset) {
    this.logits = logits;
    this.label = label;
    this.weight = weight;
    this.options = options;
    this.sigmoid = sigmoid;
    this.mutableAggBufferOffset = mutableAggBufferOffset;
    this.inputAggBufferOffset = inputAggBufferOffset;
  }

  private static AuditOptions withoutPerClass(AuditOptions o) {
    return new AuditOptions(
        o.labelSmoothing(),
        o.classWeights(),
        o.ignoreIndex(),
        o.weighted(),
        o.topK(),
        false,
        o.calibrationBins(),
        o.confidenceLevel());
  }

  /** The struct each group gets; its field names are those of slices.parquet. */
  public static StructType resultType(AuditOptions options, boolean sigmoid) {
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("rows", DataTypes.LongType, false));
    fields.add(DataTypes.createStructField("rows_scored", DataTypes.LongType, false));
    fields.add(DataTypes.createStructField("rows_invalid", DataTypes.LongType, false));
    fields.add(DataTypes.createStructField("rows_ignored", DataTypes.LongType, false));
    fields.add(DataTypes.createStructField("weight_sum", DataTypes.DoubleType, false));
    fields.add(DataTypes.createStructField("mean_loss", DataTypes.DoubleType, true));
    fields.add(
        DataTypes.createStructField(
            "mean_loss_ci", DataTypes.createArrayType(DataTypes.DoubleType, false), true));
    fields.add(DataTypes.createStructField("mean_loss_se", DataTypes.DoubleType, true));
    if (!sigmoid) {
      fields.add(DataTypes.createStructField("accuracy", DataTypes.DoubleType, true));
      fields.add(
          DataTypes.createStructField(
              "accuracy_ci", DataTypes.createArrayType(DataTypes.DoubleType, false), true));
      for (int k : options.topK()) {
        fields.add(
            DataTypes.createStructField("top_" + k + "_accuracy", DataTypes.DoubleType, true));
      }
    }
    fields.add(DataTypes.createStructField("ece", DataTypes.DoubleType, true));
    fields.add(DataTypes.createStructField("mce", DataTypes.DoubleType, true));
    return DataTypes.createStructType(fields);
  }

  @Override
  public String prettyName() {
    return "xent_audit";
  }

  @Override
  public Evaluation createAggregationBuffer() {
    return new Evaluation(options);
  }

  @Override
  public Evaluation update(Evaluation buffer, InternalRow input) {
    if (scorer == null) {
      scorer = new RowScorer(logits.dataType(), label.dataType(), sigmoid);
      auditor = new RowAuditor(options);
    }
    Object w = weight == null ? null : weight.eval(input);
    scorer.audit(
        logits.eval(input),
        label.eval(input),
        w == null ? Double.NaN : InputTypes.numericValue(w),
        auditor,
        buffer);
    return buffer;
  }

  @Override
  public Evaluation merge(Evaluation buffer, Evaluation input) {
    return buffer.merge(input);
  }

  @Override
  public Object eval(Evaluation buffer) {
    AuditStats stats = buffer.result().audit();
    List<Object> values = new ArrayList<>();
    values.add(stats.lossStats().rows());
    values.add(stats.lossStats().rowsScored());
    values.add(stats.lossStats().rowsInvalid());
    values.add(stats.lossStats().rowsIgnored());
    values.add(stats.weightSum());
    values.add(orNull(stats.meanLoss()));
    values.add(interval(stats.meanLossCi()));
    values.add(orNull(stats.meanLossStandardError()));
    if (!sigmoid) {
      values.add(orNull(stats.accuracy()));
      values.add(interval(stats.accuracyCi()));
      for (int k : options.topK()) {
        values.add(orNull(stats.topKAccuracy().get(k)));
      }
    }
    values.add(orNull(stats.ece()));
    values.add(orNull(stats.mce()));
    return new GenericInternalRow(values.toArray());
  }

  private static Object orNull(Double value) {
    return value == null || Double.isNaN(value) ? null : value;
  }

  private static Object interval(double[] ci) {
    return ci == null ? null : new GenericArrayData(new Object[] {ci[0], ci[1]});
  }

  @Override
  public byte[] serialize(Evaluation buffer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      buffer.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Override
  public Evaluation deserialize(byte[] storageFormat) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(storageFormat))) {
      return Evaluation.readFrom(in);
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
    return new AuditAggregate(
        logits, label, weight, options, sigmoid, newOffset, inputAggBufferOffset);
  }

  @Override
  public int inputAggBufferOffset() {
    return inputAggBufferOffset;
  }

  @Override
  public ImperativeAggregate withNewInputAggBufferOffset(int newOffset) {
    return new AuditAggregate(
        logits, label, weight, options, sigmoid, mutableAggBufferOffset, newOffset);
  }

  @Override
  public boolean nullable() {
    return false;
  }

  @Override
  public DataType dataType() {
    return resultType(options, sigmoid);
  }

  @Override
  public Seq<Expression> children() {
    return weight == null ? Seqs.of(logits, label) : Seqs.of(logits, label, weight);
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    return new AuditAggregate(
        newChildren.apply(0),
        newChildren.apply(1),
        weight == null ? null : newChildren.apply(2),
        options,
        sigmoid,
        mutableAggBufferOffset,
        inputAggBufferOffset);
  }

  @Override
  public int productArity() {
    return 7;
  }

  @Override
  public Object productElement(int n) {
    return switch (n) {
      case 0 -> logits;
      case 1 -> label;
      case 2 -> weight;
      case 3 -> options;
      case 4 -> sigmoid;
      case 5 -> mutableAggBufferOffset;
      case 6 -> inputAggBufferOffset;
      default -> throw new IndexOutOfBoundsException(n);
    };
  }

  @Override
  public boolean canEqual(Object that) {
    return that instanceof AuditAggregate;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AuditAggregate other
        && logits.equals(other.logits)
        && label.equals(other.label)
        && java.util.Objects.equals(weight, other.weight)
        && options.equals(other.options)
        && sigmoid == other.sigmoid
        && mutableAggBufferOffset == other.mutableAggBufferOffset
        && inputAggBufferOffset == other.inputAggBufferOffset;
  }

  @Override
  public int hashCode() {
    return logits.hashCode() * 31 + label.hashCode() * 7 + mutableAggBufferOffset;
  }
}
