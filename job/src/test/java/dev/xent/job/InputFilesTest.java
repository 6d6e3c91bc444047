package dev.xent.job;

import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xent.job.JobTestSupport.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Input problems are found on the driver before any task, each as one line naming the file. */
class InputFilesTest {
  @TempDir Path tmp;

  private Path twoFiles() {
    Path dir = tmp.resolve("data");
    spark()
        .sql(
            "SELECT array(CAST(id AS FLOAT), 1.0F) AS logits, CAST(id % 2 AS INT) AS label FROM range(20)")
        .repartition(2)
        .write()
        .parquet(dir.toString());
    return dir;
  }

  /**
   * Damages a file as another tool would: Hadoop's local checksum file of it goes too, else the
   * checksum mismatch is reported before the format is read.
   */
  private static void truncate(Path file, int length) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    Files.write(file, Arrays.copyOf(bytes, length < 0 ? bytes.length / 2 : length));
    Files.deleteIfExists(file.resolveSibling("." + file.getFileName() + ".crc"));
  }

  private static Path firstDataFile(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .filter(p -> p.getFileName().toString().endsWith(".parquet"))
          .sorted()
          .findFirst()
          .orElseThrow();
    }
  }

  @Test
  void aMissingPathIsAUsageError() {
    Run run = evaluate(tmp.resolve("nope"), "--label", "label");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err().strip())
        .isEqualTo(
            "xent: Cannot evaluate: input path '" + tmp.resolve("nope") + "' does not exist");
  }

  @Test
  void aDirectoryWithoutDataFilesIsAUsageError() throws IOException {
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    Files.writeString(empty.resolve("_SUCCESS"), "");
    Run run = evaluate(empty, "--label", "label");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("Cannot evaluate: no data files under '" + empty + "'");
  }

  @Test
  void aTruncatedFileIsNamedInOneLine() throws IOException {
    Path dir = twoFiles();
    Path file = firstDataFile(dir);
    truncate(file, -1);
    for (String reader : new String[] {"auto", "spark"}) {
      Run run = evaluate(dir, "--label", "label", "--reader", reader);
      assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
      assertThat(run.err().strip().lines().count()).as(run.err()).isEqualTo(1);
      assertThat(run.err())
          .contains("Cannot read input file '")
          .contains(file.getFileName().toString())
          .contains("not a Parquet file")
          .contains("--skip-corrupt-files");
    }
  }

  @Test
  void aFileOfAnotherFormatIsNamed() throws IOException {
    Path dir = twoFiles();
    Files.writeString(dir.resolve("notes.parquet"), "{\"logits\": [1, 2], \"label\": 0}\n");
    Run run = evaluate(dir, "--label", "label");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("notes.parquet").contains("not a Parquet file");
  }

  @Test
  void aTruncatedOrcFileIsNamedBeforeAnyTaskAndCanBeSkipped() throws IOException {
    Path dir = tmp.resolve("orc");
    spark()
        .sql(
            "SELECT array(CAST(id AS FLOAT), 1.0F) AS logits, CAST(id % 2 AS INT) AS label FROM range(20)")
        .repartition(2)
        .write()
        .orc(dir.toString());
    Path file;
    try (Stream<Path> files = java.nio.file.Files.list(dir)) {
      file =
          files.filter(p -> p.getFileName().toString().endsWith(".orc")).sorted().findFirst().get();
    }
    long rowsInFile = spark().read().orc(file.toString()).count();
    truncate(file, -1);
    Run run = evaluate(dir, "--format", "orc", "--label", "label");
    assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
    assertThat(run.err().strip().lines().count()).as(run.err()).isEqualTo(1);
    assertThat(run.err())
        .contains("Cannot read input file '")
        .contains(file.getFileName().toString())
        .contains("not an ORC file")
        .contains("--skip-corrupt-files");
    Path out = tmp.resolve("orc-out");
    Run skipping =
        evaluate(
            dir,
            "--format",
            "orc",
            "--label",
            "label",
            "--skip-corrupt-files",
            "--output",
            out.toString());
    assertThat(skipping.exitCode()).as(skipping.err()).isZero();
    JsonNode metrics = readJson(out.resolve("metrics.json"));
    assertThat(metrics.get("rows").asLong()).isEqualTo(20 - rowsInFile);
    assertThat(metrics.get("skipped_files").get(0).get("reason").asText())
        .contains("not an ORC file");
    assertThat(metrics.get("run").get("input_files").get(0).get("rows").asLong())
        .isEqualTo(20 - rowsInFile);
  }

  @Test
  void skipCorruptFilesLeavesThemOutAndListsThem() throws IOException {
    Path dir = twoFiles();
    Path file = firstDataFile(dir);
    long rowsInFile = spark().read().parquet(file.toString()).count();
    truncate(file, 100);
    for (String reader : new String[] {"auto", "spark"}) {
      Path out = tmp.resolve("out-" + reader);
      Run run =
          evaluate(
              dir,
              "--label",
              "label",
              "--skip-corrupt-files",
              "--reader",
              reader,
              "--output",
              out.toString());
      assertThat(run.exitCode()).as(run.err()).isZero();
      JsonNode metrics = readJson(out.resolve("metrics.json"));
      assertThat(metrics.get("rows").asLong()).isEqualTo(20 - rowsInFile);
      JsonNode skipped = metrics.get("skipped_files");
      assertThat(skipped.size()).isEqualTo(1);
      assertThat(skipped.get(0).get("path").asText()).endsWith(file.getFileName().toString());
      assertThat(skipped.get(0).get("reason").asText()).contains("not a Parquet file");
    }
  }

  @Test
  void columnTypesThatDifferBetweenFilesNameBothFilesAndTypes() throws IOException {
    Path dir = tmp.resolve("mixed");
    spark()
        .sql("SELECT array(1.0F, 2.0F) AS logits, 1 AS label")
        .write()
        .parquet(dir.resolve("a").toString());
    spark()
        .sql("SELECT array(1.0D, 2.0D) AS logits, 1 AS label")
        .write()
        .parquet(dir.resolve("b").toString());
    Path a = firstDataFile(dir.resolve("a"));
    Path b = firstDataFile(dir.resolve("b"));
    Files.move(a, dir.resolve("a.parquet"));
    Files.move(b, dir.resolve("b.parquet"));
    deleteTree(dir.resolve("a"));
    deleteTree(dir.resolve("b"));
    Run run = evaluate(dir, "--label", "label");
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("Cannot evaluate: column 'logits' is array<float> in '")
        .contains("a.parquet' but array<double> in '")
        .contains("b.parquet'");
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
