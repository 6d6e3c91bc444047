package dev.xent.job.cli;

import dev.xent.job.Json;
import dev.xent.job.Sessions;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.StructField;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import scala.collection.Iterable;
import scala.jdk.javaapi.CollectionConverters;

/** {@code xent sql}: runs one query with xent's functions available. */
@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description = "Run a Spark SQL query with the xent functions registered.")
public final class SqlCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "QUERY", description = "The SQL query.")
  String query;

  @Option(names = "--json", description = "Print one JSON object per result row.")
  boolean json;

  @Option(
      names = "--max-rows",
      paramLabel = "N",
      defaultValue = "1000",
      description = "Rows to print in table form (default: ${DEFAULT-VALUE}).")
  int maxRows;

  @Mixin SparkOptions spark;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    CliLogging.apply(spark);
    try (Sessions.Handle handle = Sessions.open("xent sql", spark.master, spark.conf)) {
      SparkSession session = handle.session();
      PrintWriter out = spec.commandLine().getOut();
      Dataset<Row> result = session.sql(query);
      if (json) {
        for (Row row : result.collectAsList()) {
          out.println(Json.write(toJson(row)));
        }
      } else {
        out.print(
            ((org.apache.spark.sql.classic.Dataset<Row>) result).showString(maxRows, 0, false));
      }
      out.flush();
      return 0;
    }
  }

  /** A row as ordered maps and lists, so {@link Json} writes numbers exactly. */
  static Map<String, Object> toJson(Row row) {
    Map<String, Object> object = new LinkedHashMap<>();
    StructField[] fields = row.schema().fields();
    for (int i = 0; i < fields.length; i++) {
      object.put(fields[i].name(), toJsonValue(row.get(i)));
    }
    return object;
  }

  private static Object toJsonValue(Object value) {
    if (value instanceof Row nested) {
      return toJson(nested);
    }
    if (value instanceof scala.collection.Map<?, ?> map) {
      Map<String, Object> object = new LinkedHashMap<>();
      CollectionConverters.asJava(map)
          .forEach((k, v) -> object.put(String.valueOf(k), toJsonValue(v)));
      return object;
    }
    if (value instanceof Iterable<?> seq) {
      List<Object> list = new ArrayList<>();
      CollectionConverters.asJava(seq).forEach(v -> list.add(toJsonValue(v)));
      return list;
    }
    return value;
  }
}
