package dev.xent.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
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
  private static final Path ROOT = projectRoot();
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

  record Result(int exitCode, String out, String err) {}

  /** The packaged CLI in a JVM of its own, as scripts/xent starts it. */
  private Result xent(String heap, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String options =
        Files.readString(ROOT.resolve("job/target/classes/xent-jvm-options.txt")).trim();
    command.addAll(Arrays.asList(options.split("\\s+")));
    command.add("-Xmx" + heap);
    command.add("-Dlog4j2.configurationFile=" + ROOT.resolve("conf/log4j2-cli.properties"));
    command.add("-cp");
    command.add(
        ROOT.resolve("job/target/xent-job.jar")
            + File.pathSeparator
            + Files.readString(ROOT.resolve("job/target/spark-classpath.txt")).trim());
    command.add("dev.xent.job.cli.XentCli");
    command.addAll(Arrays.asList(args));
    File out = Files.createTempFile(tmp, "out", ".txt").toFile();
    File err = Files.createTempFile(tmp, "err", ".txt").toFile();
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectOutput(out).redirectError(err);
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = builder.start();
    if (!process.waitFor(10, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(command + " timed out; stderr:\n" + Files.readString(err.toPath()));
    }
    return new Result(
        process.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
  }

  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("scripts/xent"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("Cannot find the project root above " + Path.of(""));
    }
    return dir;
  }
}
