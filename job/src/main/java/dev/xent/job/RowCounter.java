package dev.xent.job;

import org.apache.spark.SparkContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.util.LongAccumulator;

/**
 * The rows the tasks of this application have read, for progress lines: each task adds its count
 * when it finishes (Spark merges task accumulators on the driver as tasks complete).
 */
public final class RowCounter {
  private RowCounter() {}

  private static LongAccumulator counter;
  private static SparkContext owner;

  /** The application's counter, registered on first use. */
  static synchronized LongAccumulator counter(SparkSession spark) {
    SparkContext context = spark.sparkContext();
    if (counter == null || owner != context) {
      counter = context.longAccumulator("xent rows");
      owner = context;
    }
    return counter;
  }

  /** Rows counted so far in this application. */
  public static long rows(SparkSession spark) {
    return counter(spark).value();
  }
}
