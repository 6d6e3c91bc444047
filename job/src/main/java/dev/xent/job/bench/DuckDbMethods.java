package dev.xent.job.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;

/**
 * The DuckDB methods of {@link EndToEndBench}: DuckDB's bare scan of the same Parquet files
 * (duckdb-scan) and the loss and accuracy in DuckDB SQL with list lambdas (duckdb-loss), for a
 * reference outside Spark on the same machine.
 *
 * <p>Plain JDBC on purpose: {@code org.duckdb:duckdb_jdbc} is no dependency of the job (its 80 MB
 * of native libraries would otherwise end up next to the shaded jar's users); scripts/bench.sh
 * fetches it and puts it on the classpath of the JVMs that run these methods only.
 */
final class DuckDbMethods {
  private DuckDbMethods() {}

  static final String PREFIX = "duckdb-";

  static boolean isDuckDb(String method) {
    return method.startsWith(PREFIX);
  }

  /**
   * An in-memory database limited to {@code threads} threads: the same cores as Spark's {@code
   * local[*]}, so that the two engines are compared on equal hardware.
   */
  static Connection open(int threads) {
    try {
      Connection connection = DriverManager.getConnection("jdbc:duckdb:");
      try (Statement statement = connection.createStatement()) {
        statement.execute("SET threads = " + threads);
        // The bar is drawn on the JVM's stdout, which bench.sh parses for the JSON line.
        statement.execute("SET enable_progress_bar = false");
        try (ResultSet version = statement.executeQuery("SELECT version()")) {
          version.next();
          System.err.printf(
              Locale.ROOT, "DuckDB %s, threads = %d%n", version.getString(1), threads);
        }
      }
      return connection;
    } catch (SQLException e) {
      throw new IllegalStateException(
          "Cannot open DuckDB: "
              + e.getMessage()
              + " (is org.duckdb:duckdb_jdbc on the classpath? scripts/bench.sh adds it)",
          e);
    }
  }

  /** Runs one pass and returns {mean loss, accuracy} (NaN where the method computes neither). */
  static double[] run(Connection connection, String method, String path) {
    String files = "read_parquet('" + glob(path).replace("'", "''") + "')";
    String sql =
        switch (method) {
          case "duckdb-scan" -> "SELECT sum(len(logits)), sum(label) FROM " + files;
          // The max shift of log-sum-exp, m per row first so the lambda does not recompute it.
          // The logits are FLOAT: x - m in float would round the difference to 24 bits, so both
          // are widened first. list_position compares in FLOAT, with m as list_max returned it,
          // which finds the first maximum exactly. `lambda x:` is the syntax of DuckDB 1.3 and
          // later (2.0 rejects `x ->` unless told otherwise).
          case "duckdb-loss" ->
              "SELECT avg(CAST(m AS DOUBLE)"
                  + " + ln(list_sum(list_transform(logits,"
                  + " lambda x: exp(CAST(x AS DOUBLE) - CAST(m AS DOUBLE)))))"
                  + " - CAST(logits[label + 1] AS DOUBLE)),"
                  + " avg(CAST(list_position(logits, m) - 1 = label AS DOUBLE))"
                  + " FROM (SELECT logits, label, list_max(logits) AS m FROM "
                  + files
                  + ")";
          default ->
              throw new IllegalArgumentException(
                  String.format(
                      Locale.ROOT, "unknown method '%s' (duckdb-scan, duckdb-loss)", method));
        };
    try (Statement statement = connection.createStatement();
        ResultSet row = statement.executeQuery(sql)) {
      row.next();
      return method.equals("duckdb-scan")
          ? new double[] {Double.NaN, Double.NaN, row.getLong(1), row.getLong(2)}
          : new double[] {row.getDouble(1), row.getDouble(2)};
    } catch (SQLException e) {
      throw new IllegalStateException("Cannot run " + method + ": " + e.getMessage(), e);
    }
  }

  /** The data set's Parquet files: bench.sh passes the directory `xent generate` wrote. */
  private static String glob(String path) {
    if (path.endsWith(".parquet")) {
      return path;
    }
    return (path.endsWith("/") ? path : path + "/") + "*.parquet";
  }
}
