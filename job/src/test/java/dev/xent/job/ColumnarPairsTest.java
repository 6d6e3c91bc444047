package dev.xent.job;

import static dev.xent.job.JobTestSupport.spark;
import static dev.xent.job.JobTestSupport.writeParquet;
import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.xent.kernel.AuditOptions;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.LossStats;
import dev.xent.spark.RowScorer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ColumnarPairs}: Parquet scans are reduced batch by batch, with the same {@link LossStats}
 * as the row-by-row reduction over the same selection; plans it cannot read give null.
 */
class ColumnarPairsTest {
  @TempDir Path tmp;

  private static LossStats rowByRow(Dataset<Row> pairs, boolean sigmoid) {
    DataType logits = pairs.schema().apply(0).dataType();
    DataType label = pairs.schema().apply(1).dataType();
    return EvaluateJob.reducePartitions(
            pairs,
            AuditOptions.plain(),
            new EvaluateJob.ScoredPairs(new RowScorer(logits, label, sigmoid), logits, label, null))
        .result()
        .audit()
        .lossStats();
  }

  private static LossStats columnar(Dataset<Row> pairs, boolean sigmoid) {
    DataType logits = pairs.schema().apply(0).dataType();
    DataType label = pairs.schema().apply(1).dataType();
    Evaluation result =
        ColumnarPairs.reduce(
            pairs,
            new RowScorer(logits, label, sigmoid),
            label,
            null,
            !sigmoid,
            AuditOptions.plain());
    assertThat(result).as("the columnar path was taken").isNotNull();
    return result.result().audit().lossStats();
  }

  @Test
  void batchesGiveTheSameStatsAsRowsForEveryLabelTypeAndNullKind() {
    batchesGiveTheSameStatsAsRows(true);
  }

  /** Without null elements int and long labels take the allocation-free path for float rows. */
  @Test
  void batchesWithoutNullElementsGiveTheSameStatsAsRows() {
    batchesGiveTheSameStatsAsRows(false);
  }

  private void batchesGiveTheSameStatsAsRows(boolean nullElements) {
    for (DataType labelType :
        List.of(
            DataTypes.IntegerType,
            DataTypes.LongType,
            DataTypes.ShortType,
            DataTypes.DoubleType,
            DataTypes.FloatType,
            DataTypes.createDecimalType(6, 1))) {
      StructType schema =
          new StructType()
              // The label first: the scan's column order differs from the selection's.
              .add("label", labelType)
              .add("logits", DataTypes.createArrayType(DataTypes.FloatType, true));
      SplittableRandom random = new SplittableRandom(labelType.hashCode());
      List<Row> rows = new ArrayList<>();
      for (int i = 0; i < 9000; i++) {
        int width = random.nextInt(12);
        Float[] z = new Float[width];
        for (int j = 0; j < width; j++) {
          z[j] = nullElements && random.nextInt(97) == 0 ? null : (float) random.nextGaussian() * 3;
        }
        Object label = i % 89 == 0 ? null : label(labelType, random.nextInt(14) - 1, random);
        rows.add(RowFactory.create(label, i % 83 == 0 ? null : z));
      }
      Path dir = tmp.resolve(labelType.typeName().replaceAll("[^a-z]", "") + nullElements);
      writeParquet(rows, schema, dir);
      Dataset<Row> pairs =
          spark().read().parquet(dir.toString()).select(col("logits"), col("label"));
      LossStats expected = rowByRow(pairs, false);
      assertThat(columnar(pairs, false)).as(labelType.simpleString()).isEqualTo(expected);
      assertThat(expected.rows()).isEqualTo(9000);
      assertThat(expected.rowsInvalid()).isPositive();
      // Sigmoid rows (scalar targets for array logits: length mismatches) never take the softmax
      // shortcut.
      assertThat(columnar(pairs, true)).as("sigmoid").isEqualTo(rowByRow(pairs, true));
    }
  }

  private static Object label(DataType type, int value, SplittableRandom random) {
    if (type.equals(DataTypes.IntegerType)) {
      return value;
    }
    if (type.equals(DataTypes.LongType)) {
      return (long) value;
    }
    if (type.equals(DataTypes.ShortType)) {
      return (short) value;
    }
    // Fractional labels: sometimes not an integer at all.
    double v = random.nextInt(10) == 0 ? value + 0.5 : value;
    if (type.equals(DataTypes.DoubleType)) {
      return v;
    }
    if (type.equals(DataTypes.FloatType)) {
      return (float) v;
    }
    return new java.math.BigDecimal(v).setScale(1);
  }

  @Test
  void jsonScansAreNotColumnar() {
    Path json = tmp.resolve("rows.json");
    spark().sql("SELECT array(1.0D, 2.0D) AS logits, 1 AS label").write().json(json.toString());
    Dataset<Row> pairs = spark().read().json(json.toString()).select(col("logits"), col("label"));
    DataType logits = pairs.schema().apply(0).dataType();
    DataType label = pairs.schema().apply(1).dataType();
    assertThat(
            ColumnarPairs.reduce(
                pairs,
                new RowScorer(logits, label, false),
                label,
                null,
                true,
                AuditOptions.plain()))
        .isNull();
  }

  /**
   * The benchmark's floor reads every float and label: with eighths of small integers every partial
   * sum is exact, so the sums must equal the ones taken here from the rows written.
   */
  @Test
  void sumOfFloatsReadsEveryFloatAndLabel() {
    StructType schema =
        new StructType()
            .add("label", DataTypes.IntegerType)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType, false));
    SplittableRandom random = new SplittableRandom(7);
    List<Row> rows = new ArrayList<>();
    double floats = 0;
    long labels = 0;
    for (int i = 0; i < 20_000; i++) {
      Float[] z = new Float[random.nextInt(0, 103)];
      for (int j = 0; j < z.length; j++) {
        z[j] = random.nextInt(-800, 801) / 8.0f;
        floats += z[j];
      }
      Integer label = i % 101 == 0 ? null : random.nextInt(0, 100);
      labels += label == null ? 0 : label;
      rows.add(RowFactory.create(label, i % 97 == 0 ? null : z));
      if (i % 97 == 0) {
        for (Float v : z) {
          floats -= v;
        }
      }
    }
    Path dir = tmp.resolve("floor");
    writeParquet(rows, schema, dir);
    Dataset<Row> pairs = spark().read().parquet(dir.toString()).select(col("logits"), col("label"));
    assertThat(ColumnarPairs.sumOfFloats(pairs)).containsExactly(floats, (double) labels);
  }

  @Test
  void sumOfFloatsSaysWhichColumnTypesItNeeds() {
    Path dir = tmp.resolve("doubles");
    spark().sql("SELECT array(1.0D, 2.0D) AS logits, 1 AS label").write().parquet(dir.toString());
    Dataset<Row> pairs = spark().read().parquet(dir.toString()).select(col("logits"), col("label"));
    assertThatThrownBy(() -> ColumnarPairs.sumOfFloats(pairs))
        .hasStackTraceContaining(
            "Cannot sum the columns: expected array<float> logits and int labels, got"
                + " array<double> and int");
  }
}
