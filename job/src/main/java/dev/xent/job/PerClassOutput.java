package dev.xent.job;

import dev.xent.kernel.ClassStats;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** {@code DIR/per_class.parquet}: one row per class, undefined ratios as NULL (never NaN). */
final class PerClassOutput {
  private PerClassOutput() {}

  static final StructType SCHEMA =
      new StructType()
          .add("class", DataTypes.IntegerType, false)
          .add("support", DataTypes.LongType, false)
          .add("weight_sum", DataTypes.DoubleType, false)
          .add("predicted", DataTypes.LongType, false)
          .add("mean_loss", DataTypes.DoubleType, true)
          .add("recall", DataTypes.DoubleType, true)
          .add("precision", DataTypes.DoubleType, true)
          .add("f1", DataTypes.DoubleType, true);

  static void write(SparkSession spark, String dir, ClassStats classes) {
    int count = classes.classes();
    // Each accessor may copy its array: read them once.
    long[] support = classes.support();
    double[] weightSum = classes.weightSum();
    long[] predicted = classes.predicted();
    double[] meanLoss = classes.meanLoss();
    double[] recall = classes.recall();
    double[] precision = classes.precision();
    double[] f1 = classes.f1();
    List<Row> rows = new ArrayList<>(count);
    for (int c = 0; c < count; c++) {
      rows.add(
          RowFactory.create(
              c,
              support[c],
              weightSum[c],
              predicted[c],
              orNull(meanLoss[c]),
              orNull(recall[c]),
              orNull(precision[c]),
              orNull(f1[c])));
    }
    org.apache.hadoop.fs.Path temporary = Outputs.temporary(dir, "per_class.parquet");
    spark
        .createDataFrame(rows, SCHEMA)
        .coalesce(1)
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(temporary.toString());
    try {
      var fs = temporary.getFileSystem(spark.sparkContext().hadoopConfiguration());
      Outputs.replace(fs, temporary, new org.apache.hadoop.fs.Path(dir, "per_class.parquet"));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(
          "Cannot write '" + dir + "/per_class.parquet': " + e.getMessage(), e);
    }
  }

  private static Double orNull(double value) {
    return Double.isNaN(value) ? null : value;
  }
}
