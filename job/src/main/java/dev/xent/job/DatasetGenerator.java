package dev.xent.job;

import java.io.Serializable;
import java.util.Iterator;
import java.util.SplittableRandom;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code generate}: a Parquet dataset of (id, logits, label | labels) rows that looks like a
 * classifier's output: Gaussian logits with the true class lifted by a random margin. Every row is
 * drawn from its own generator seeded by (seed, id), so the data does not depend on the number of
 * partitions.
 */
public final class DatasetGenerator {
  private DatasetGenerator() {}

  /** The generation request. */
  public record Request(
      String output,
      long rows,
      int classes,
      int partitions,
      long seed,
      boolean doublePrecision,
      boolean softLabels,
      boolean overwrite)
      implements Serializable {}

  public static StructType schema(Request request) {
    DataType element = request.doublePrecision() ? DataTypes.DoubleType : DataTypes.FloatType;
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType, false)
            .add("logits", DataTypes.createArrayType(element, false), false);
    return request.softLabels()
        ? schema.add("labels", DataTypes.createArrayType(DataTypes.DoubleType, false), false)
        : schema.add("label", DataTypes.IntegerType, false);
  }

  public static void generate(SparkSession spark, Request request) {
    if (request.rows() < 0 || request.classes() < 1 || request.partitions() < 1) {
      throw new XentUsageException(
          "Cannot generate: --rows must be ≥ 0, --classes ≥ 1 and --partitions ≥ 1");
    }
    Outputs.requireWritable(
        spark.sparkContext().hadoopConfiguration(),
        request.output(),
        "--output",
        request.overwrite(),
        null);
    StructType schema = schema(request);
    spark
        .range(0, request.rows(), 1, request.partitions())
        .mapPartitions(rowsOf(request), Encoders.row(schema))
        .write()
        .mode(SaveMode.Overwrite)
        .parquet(request.output());
  }

  private static MapPartitionsFunction<Long, Row> rowsOf(Request request) {
    return ids ->
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return ids.hasNext();
          }

          @Override
          public Row next() {
            return row(request, ids.next());
          }
        };
  }

  static Row row(Request request, long id) {
    // A per-row generator: the row depends on (seed, id) only, never on the partitioning.
    SplittableRandom random = new SplittableRandom(request.seed() * 0x9E3779B97F4A7C15L + id);
    int classes = request.classes();
    int label = random.nextInt(classes);
    double margin = 1.0 + 4.0 * random.nextDouble();
    double[] z = new double[classes];
    for (int j = 0; j < classes; j++) {
      z[j] = random.nextGaussian() + (j == label ? margin : 0.0);
    }
    Object logits = request.doublePrecision() ? z : toFloats(z);
    if (!request.softLabels()) {
      return RowFactory.create(id, logits, label);
    }
    // Soft labels: a sharpened softmax of the (double) logits, normalised in double.
    double[] p = new double[classes];
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = Math.max(max, v);
    }
    double sum = 0.0;
    for (int j = 0; j < classes; j++) {
      p[j] = Math.exp(2.0 * (z[j] - max));
      sum += p[j];
    }
    for (int j = 0; j < classes; j++) {
      p[j] /= sum;
    }
    return RowFactory.create(id, logits, p);
  }

  private static float[] toFloats(double[] z) {
    float[] f = new float[z.length];
    for (int i = 0; i < z.length; i++) {
      f[i] = (float) z[i];
    }
    return f;
  }
}
