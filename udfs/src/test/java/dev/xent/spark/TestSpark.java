package dev.xent.spark;

import org.apache.spark.sql.SparkSession;

/** One local SparkSession for the whole test JVM: starting Spark costs seconds. */
public final class TestSpark {
  private TestSpark() {}

  private static SparkSession session;

  public static synchronized SparkSession session() {
    if (session == null) {
      session =
          SparkSession.builder()
              .master("local[2]")
              .appName("xent-udfs-tests")
              .config("spark.ui.enabled", "false")
              .config("spark.sql.shuffle.partitions", "4")
              .config("spark.sql.extensions", XentExtensions.class.getName())
              .getOrCreate();
      session.sparkContext().setLogLevel("WARN");
    }
    return session;
  }
}
