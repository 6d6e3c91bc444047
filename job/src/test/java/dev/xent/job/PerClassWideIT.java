package dev.xent.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xent.job.PackagedCli.Result;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --per-class} with 262,144 classes in a driver of 1 GiB, as a user runs it: the packaged
 * jar in a JVM of its own with {@code -Xmx1g}, the page reader and Spark's reader.
 */
class PerClassWideIT {
  private static final int CLASSES = 262_144;
  private static final int ROWS = 200;

  @TempDir Path tmp;

  @Test
  void aQuarterMillionClassesRunInAOneGibDriver() throws Exception {
    Path data = tmp.resolve("wide");
    Result generated =
        xent(
            "2g",
            "generate",
            "--output",
            data.toString(),
            "--rows",
            "" + ROWS,
            "--classes",
            "" + CLASSES,
            "--partitions",
            "2",
            "--seed",
            "9");
    assertThat(generated.exitCode()).as(generated.err()).isZero();
    for (String reader : List.of("page", "spark")) {
      Path out = tmp.resolve("out-" + reader);
      Result run =
          xent(
              "1g",
              "evaluate",
              "--input",
              data.toString(),
              "--logits",
              "logits",
              "--label",
              "label",
              "--per-class",
              "--top-k",
              "1,5",
              "--reader",
              reader,
              "--output",
              out.toString());
      assertThat(run.exitCode()).as(reader + ": " + run.err()).isZero();
      JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
      assertThat(metrics.get("rows_scored").asLong()).isEqualTo(ROWS);
      assertThat(metrics.get("classes").asInt()).isEqualTo(CLASSES);
      assertThat(metrics.get("worst_classes").size()).isEqualTo(20);
      // Every class has a row in per_class.parquet, and the supports add up to the rows.
      long rows = 0;
      long support = 0;
      for (File file : parquetFiles(out.resolve("per_class.parquet"))) {
        try (ParquetReader<Group> reader2 =
            ParquetReader.builder(
                    new GroupReadSupport(), new org.apache.hadoop.fs.Path(file.toString()))
                .withConf(new Configuration())
                .build()) {
          for (Group g = reader2.read(); g != null; g = reader2.read()) {
            rows++;
            support += g.getLong("support", 0);
          }
        }
      }
      assertThat(rows).isEqualTo(CLASSES);
      assertThat(support).isEqualTo(ROWS);
    }
  }

  private static List<File> parquetFiles(Path dir) {
    File[] files = dir.toFile().listFiles((d, name) -> name.endsWith(".parquet"));
    return files == null ? List.of() : Arrays.asList(files);
  }

  private Result xent(String heap, String... args) throws Exception {
    return PackagedCli.run(tmp, heap, args);
  }
}
