package dev.xent.job;

import dev.xent.kernel.AuditOptions;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.RowAuditor;
import dev.xent.spark.RowScorer;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.Attribute;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.ProjectExec;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The Spark reader's fast path: when the scan of a (logits, label) selection produces columnar
 * batches (Parquet and ORC's vectorized readers), reduce the batches themselves. That skips the
 * conversion of every row into an {@code UnsafeRow} (which copies each logits array) that a
 * row-based reduction pays; each row is still scored by the same {@link RowScorer}.
 */
public final class ColumnarPairs {
  private ColumnarPairs() {}

  /**
   * Reduces {@code pairs} (logits, label and, when weighted, the weight) batch by batch, or returns
   * null when its physical plan is not a plain columnar scan (the caller then reduces rows). {@code
   * sparseSoftmax}: the rows are scored as sparse softmax (not sigmoid), which allows the
   * allocation-free path for float logits.
   */
  static Evaluation reduce(
      Dataset<Row> pairs,
      RowScorer scorer,
      DataType labelType,
      DataType weightType,
      boolean sparseSoftmax,
      AuditOptions options) {
    Columns columns = columns(pairs);
    if (columns == null) {
      return null;
    }
    int logitsIndex = columns.logitsIndex();
    int labelIndex = columns.labelIndex();
    int weightIndex = columns.weightIndex();
    RowScorer withoutNullElements = scorer.withoutNullElements();
    var rows = RowCounter.counter(pairs.sparkSession());
    List<Evaluation> partitions =
        columns
            .batches()
            .toJavaRDD()
            .mapPartitions(
                (Iterator<ColumnarBatch> it) -> {
                  Evaluation evaluation = new Evaluation(options);
                  RowAuditor auditor = new RowAuditor(options);
                  FloatRows floatRows = new FloatRows();
                  while (it.hasNext()) {
                    ColumnarBatch batch = it.next();
                    ColumnVector logits = batch.column(logitsIndex);
                    ColumnVector labels = batch.column(labelIndex);
                    ColumnVector weights = weightIndex < 0 ? null : batch.column(weightIndex);
                    if (sparseSoftmax && floatRows.accepts(logits, labels, labelType)) {
                      floatRows.reduce(batch.numRows(), weights, weightType, auditor, evaluation);
                      continue;
                    }
                    // A batch whose elements hold no null skips the per-element null check.
                    RowScorer batchScorer =
                        elementsMayBeNull(logits) ? scorer : withoutNullElements;
                    for (int row = 0, n = batch.numRows(); row < n; row++) {
                      batchScorer.audit(
                          logits.isNullAt(row) ? null : logits.getArray(row),
                          label(labels, row, labelType),
                          weights == null ? Double.NaN : weight(weights, row, weightType),
                          auditor,
                          evaluation);
                    }
                  }
                  rows.add(evaluation.rowsAdded());
                  return Collections.singletonList(evaluation).iterator();
                })
            .collect();
    Evaluation total = new Evaluation(options);
    partitions.forEach(total::merge);
    return total;
  }

  /**
   * For scripts/bench.sh: the least work any reduction of the logits can do on Spark's reader,
   * every float of every row read once from the batches and summed (in four running sums, so that
   * the additions do not wait on each other), and the int labels summed as the bare scan does.
   * Returns {sum of the floats, sum of the labels}, or null when {@code pairs} (logits, label) is
   * not a plain columnar scan; a batch of other than array&lt;float&gt; logits and int labels fails
   * the task. The Spark path's time over the bare scan splits into this floor and xent's own work.
   */
  public static double[] sumOfFloats(Dataset<Row> pairs) {
    Columns columns = columns(pairs);
    if (columns == null) {
      return null;
    }
    int logitsIndex = columns.logitsIndex();
    int labelIndex = columns.labelIndex();
    List<double[]> partitions =
        columns
            .batches()
            .toJavaRDD()
            .mapPartitions(
                (Iterator<ColumnarBatch> it) -> {
                  double[] sums = new double[4];
                  long labelSum = 0;
                  while (it.hasNext()) {
                    ColumnarBatch batch = it.next();
                    ColumnVector logits = batch.column(logitsIndex);
                    ColumnVector labels = batch.column(labelIndex);
                    ColumnVector elements = logits.getChild(0);
                    if (!(logits instanceof WritableColumnVector arrays)
                        || elements == null
                        || !(elements.dataType() instanceof FloatType)
                        || !(labels.dataType() instanceof IntegerType)) {
                      throw new IllegalArgumentException(
                          "Cannot sum the columns: expected array<float> logits and int labels,"
                              + " got "
                              + logits.dataType().simpleString()
                              + " and "
                              + labels.dataType().simpleString());
                    }
                    for (int row = 0, n = batch.numRows(); row < n; row++) {
                      if (!labels.isNullAt(row)) {
                        labelSum += labels.getInt(row);
                      }
                      if (arrays.isNullAt(row)) {
                        continue;
                      }
                      int offset = arrays.getArrayOffset(row);
                      int end = offset + arrays.getArrayLength(row);
                      int i = offset;
                      for (; i + 4 <= end; i += 4) {
                        sums[0] += elements.getFloat(i);
                        sums[1] += elements.getFloat(i + 1);
                        sums[2] += elements.getFloat(i + 2);
                        sums[3] += elements.getFloat(i + 3);
                      }
                      for (; i < end; i++) {
                        sums[0] += elements.getFloat(i);
                      }
                    }
                  }
                  double floats = (sums[0] + sums[1]) + (sums[2] + sums[3]);
                  return Collections.singletonList(new double[] {floats, labelSum}).iterator();
                })
            .collect();
    double[] total = new double[2];
    for (double[] partition : partitions) {
      total[0] += partition[0];
      total[1] += partition[1];
    }
    return total;
  }

  /**
   * The columnar batches under a (logits, label) selection and where the two columns are in them.
   */
  private record Columns(
      RDD<ColumnarBatch> batches, int logitsIndex, int labelIndex, int weightIndex) {}

  private static Columns columns(Dataset<Row> pairs) {
    var execution = ((org.apache.spark.sql.classic.Dataset<Row>) pairs).queryExecution();
    SparkPlan root = execution.executedPlan();
    SparkPlan scan = columnarScan(root);
    if (scan == null) {
      return null;
    }
    List<Attribute> wanted = CollectionConverters.asJava(root.output());
    List<Attribute> produced = CollectionConverters.asJava(scan.output());
    int logitsIndex = indexOf(produced, wanted.get(0));
    int labelIndex = indexOf(produced, wanted.get(1));
    int weightIndex = wanted.size() > 2 ? indexOf(produced, wanted.get(2)) : -1;
    if (logitsIndex < 0 || labelIndex < 0 || (wanted.size() > 2 && weightIndex < 0)) {
      return null;
    }
    return new Columns(scan.executeColumnar(), logitsIndex, labelIndex, weightIndex);
  }

  /**
   * The common batch, reduced without allocating per row: float logits in Spark's writable vectors
   * (what its Parquet and ORC readers fill) without null elements, and an int or long label. Each
   * row's floats are copied into one reused array and scored by the same call as {@link RowScorer}
   * makes (through the same {@link RowAuditor}), with the same verdict for null rows; everything
   * else takes the general path. {@code ColumnarArray.toFloatArray} allocated a row-sized array for
   * every row.
   */
  private static final class FloatRows {
    private WritableColumnVector logits;
    private WritableColumnVector elements;
    private ColumnVector labels;
    private boolean longLabels;
    private float[] row = new float[0];

    boolean accepts(ColumnVector logits, ColumnVector labels, DataType labelType) {
      if (!(logits instanceof WritableColumnVector arrays)
          || arrays.getChild(0) == null
          || !(arrays.getChild(0).dataType() instanceof FloatType)
          || arrays.getChild(0).hasNull()
          || !(labelType instanceof IntegerType || labelType instanceof LongType)) {
        return false;
      }
      this.logits = arrays;
      this.elements = arrays.getChild(0);
      this.labels = labels;
      this.longLabels = labelType instanceof LongType;
      return true;
    }

    void reduce(
        int rows,
        ColumnVector weights,
        DataType weightType,
        RowAuditor auditor,
        Evaluation evaluation) {
      for (int r = 0; r < rows; r++) {
        if (logits.isNullAt(r) || labels.isNullAt(r)) {
          boolean ignored =
              !labels.isNullAt(r)
                  && auditor.ignores(longLabels ? (double) labels.getLong(r) : labels.getInt(r));
          if (ignored) {
            evaluation.unscored(dev.xent.kernel.Reason.IGNORED);
          } else {
            auditor.nullRow(evaluation);
          }
          continue;
        }
        int length = logits.getArrayLength(r);
        int offset = logits.getArrayOffset(r);
        if (row.length != length) {
          row = new float[length];
        }
        for (int i = 0; i < length; i++) {
          row[i] = elements.getFloat(offset + i);
        }
        double label = longLabels ? (double) labels.getLong(r) : labels.getInt(r);
        double weight = weights == null ? Double.NaN : weight(weights, r, weightType);
        auditor.sparse(row, label, weight, evaluation);
      }
    }
  }

  /**
   * The scan under {@code ColumnarToRow}, when everything above it only reorders or renames
   * columns; null otherwise.
   */
  private static SparkPlan columnarScan(SparkPlan plan) {
    SparkPlan node = plan;
    while (true) {
      if (node instanceof WholeStageCodegenExec stage) {
        node = stage.child();
      } else if (node instanceof InputAdapter adapter) {
        node = adapter.child();
      } else if (node instanceof ProjectExec project
          && CollectionConverters.asJava(project.projectList()).stream()
              .allMatch(e -> e instanceof Attribute)) {
        node = project.child();
      } else if (node instanceof ColumnarToRowExec toRows) {
        SparkPlan child = toRows.child();
        if (child instanceof InputAdapter adapter) {
          child = adapter.child();
        }
        return child.supportsColumnar() && child.children().isEmpty() ? child : null;
      } else {
        return null;
      }
    }
  }

  /** Whether any element of the batch's arrays may be null (true when the reader cannot say). */
  private static boolean elementsMayBeNull(ColumnVector arrays) {
    try {
      ColumnVector elements = arrays.getChild(0);
      return elements == null || elements.hasNull();
    } catch (RuntimeException e) {
      return true;
    }
  }

  private static int indexOf(List<Attribute> attributes, Attribute wanted) {
    for (int i = 0; i < attributes.size(); i++) {
      if (attributes.get(i).exprId().equals(wanted.exprId())) {
        return i;
      }
    }
    return -1;
  }

  /** A row's weight as a double; NaN when it is NULL (a bad weight either way). */
  static double weight(ColumnVector weights, int row, DataType type) {
    if (weights.isNullAt(row)) {
      return Double.NaN;
    }
    if (type instanceof DoubleType) {
      return weights.getDouble(row);
    }
    if (type instanceof FloatType) {
      return weights.getFloat(row);
    }
    if (type instanceof IntegerType) {
      return weights.getInt(row);
    }
    if (type instanceof LongType) {
      return weights.getLong(row);
    }
    return dev.xent.spark.InputTypes.numericValue(label(weights, row, type));
  }

  /** The label as the row path sees it: a boxed number (or Decimal), or null. */
  private static Object label(ColumnVector labels, int row, DataType type) {
    if (labels.isNullAt(row)) {
      return null;
    }
    if (type instanceof IntegerType) {
      return labels.getInt(row);
    }
    if (type instanceof LongType) {
      return labels.getLong(row);
    }
    if (type instanceof DoubleType) {
      return labels.getDouble(row);
    }
    if (type instanceof FloatType) {
      return labels.getFloat(row);
    }
    if (type instanceof ShortType) {
      return labels.getShort(row);
    }
    if (type instanceof ByteType) {
      return labels.getByte(row);
    }
    if (type instanceof DecimalType decimal) {
      return labels.getDecimal(row, decimal.precision(), decimal.scale());
    }
    throw new IllegalArgumentException("Cannot read a " + type.simpleString() + " label");
  }
}
