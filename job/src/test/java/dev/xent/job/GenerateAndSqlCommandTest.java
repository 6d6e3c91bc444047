package dev.xent.job;

import static dev.xent.job.JobTestSupport.cli;
import static dev.xent.job.JobTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xent.job.JobTestSupport.Run;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.jdk.javaapi.CollectionConverters;

class GenerateAndSqlCommandTest {
  @TempDir Path tmp;

  private Dataset<Row> generate(String name, String... extra) {
    Path out = tmp.resolve(name);
    String[] base = {"generate", "--output", out.toString(), "--rows", "500", "--classes", "7"};
    String[] args = new String[base.length + extra.length];
    System.arraycopy(base, 0, args, 0, base.length);
    System.arraycopy(extra, 0, args, base.length, extra.length);
    Run run = cli(args);
    assertThat(run.exitCode()).as(run.err()).isZero();
    return spark().read().parquet(out.toString());
  }

  @Test
  void generationDependsOnTheSeedAndNotOnThePartitions() {
    List<Row> onePartition =
        generate("a", "--seed", "3", "--partitions", "1").orderBy("id").collectAsList();
    List<Row> fivePartitions =
        generate("b", "--seed", "3", "--partitions", "5").orderBy("id").collectAsList();
    List<Row> otherSeed =
        generate("c", "--seed", "4", "--partitions", "1").orderBy("id").collectAsList();
    assertThat(onePartition).hasSize(500).isEqualTo(fivePartitions);
    assertThat(otherSeed).isNotEqualTo(onePartition);
  }

  @Test
  void generatedRowsHaveTheRequestedSchema() {
    Dataset<Row> floats = generate("f");
    assertThat(elementType(floats, "logits")).isEqualTo(DataTypes.FloatType);
    assertThat(floats.schema().apply("label").dataType()).isEqualTo(DataTypes.IntegerType);
    Dataset<Row> doubles = generate("d", "--precision", "double", "--soft-labels");
    assertThat(elementType(doubles, "logits")).isEqualTo(DataTypes.DoubleType);
    assertThat(doubles.columns()).containsExactly("id", "logits", "labels");
    for (Row row : doubles.collectAsList()) {
      double sum = 0;
      for (Object p : CollectionConverters.asJava(row.<Object>getSeq(2))) {
        sum += (Double) p;
      }
      assertThat(sum).isCloseTo(1.0, within(1e-12));
    }
  }

  private static DataType elementType(Dataset<Row> rows, String column) {
    return ((ArrayType) rows.schema().apply(column).dataType()).elementType();
  }

  @Test
  void generatedLabelsAreInRangeAndMostlyTheArgmax() {
    Dataset<Row> rows = generate("g");
    rows.createOrReplaceTempView("generated");
    Row stats =
        spark()
            .sql(
                "SELECT min(label), max(label), avg(CAST(logits_argmax(logits) = label AS int)),"
                    + " count(*) FROM generated")
            .collectAsList()
            .get(0);
    assertThat(stats.getInt(0)).isGreaterThanOrEqualTo(0);
    assertThat(stats.getInt(1)).isLessThan(7);
    // The true class is lifted by a margin in [1, 5): it is the argmax far more often than 1/7.
    assertThat(stats.getDouble(2)).isGreaterThan(0.5);
    assertThat(stats.getLong(3)).isEqualTo(500);
  }

  @Test
  void sqlJsonPrintsOneExactJsonObjectPerRow() throws Exception {
    Run run =
        cli(
            "sql",
            "--json",
            "SELECT id, softmax_cross_entropy(array(0.5D, 1.5D, 0.1D), 1) AS loss,"
                + " softmax(array(1D, double('-Infinity'))) AS p, double('Infinity') AS inf,"
                + " xent_status(array(double('NaN')), 0) AS status FROM range(2)");
    assertThat(run.exitCode()).as(run.err()).isZero();
    List<String> lines = run.out().lines().toList();
    assertThat(lines).hasSize(2);
    JsonNode first = new ObjectMapper().readTree(lines.get(0));
    assertThat(first.get("id").asLong()).isZero();
    double expected = Math.log(Math.exp(0.5) + Math.exp(1.5) + Math.exp(0.1)) - 1.5;
    assertThat(first.get("loss").doubleValue()).isCloseTo(expected, within(1e-15));
    assertThat(first.get("p").get(0).doubleValue()).isEqualTo(1.0);
    assertThat(first.get("p").get(1).doubleValue()).isEqualTo(0.0);
    assertThat(first.get("inf").asText()).isEqualTo("Infinity");
    assertThat(first.get("status").asText()).isEqualTo("nan_logit");
  }

  @Test
  void sqlWithoutJsonPrintsATable() {
    Run run = cli("sql", "SELECT logits_argmax(array(1D, 3D, 2D)) AS best");
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("|best|").contains("|1   |");
  }

  @Test
  void aBadQueryFailsWithExitCode1AndSparksMessage() {
    Run run = cli("sql", "SELECT no_such_function(1)");
    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("no_such_function");
  }

  @Test
  void anUnknownCommandIsAUsageError() {
    Run run = cli("frobnicate");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Unmatched argument");
  }
}
