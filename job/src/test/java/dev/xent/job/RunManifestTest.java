package dev.xent.job;

import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.xent.job.JobTestSupport.Run;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** metrics.json's run: options, input files, times, place, settings and build. */
class RunManifestTest {
  @TempDir Path tmp;

  @Test
  void theManifestSaysWhatWasReadHowWhenAndByWhichBuild() throws Exception {
    Path input = tmp.resolve("in");
    spark()
        .sql(
            "SELECT array(CAST(id AS FLOAT), 0.5F) AS logits, CAST(id % 2 AS INT) AS label FROM range(37)")
        .repartition(3)
        .write()
        .parquet(input.toString());
    Path out = tmp.resolve("out");
    Instant before = Instant.now();
    Run run =
        evaluate(
            input,
            "--label",
            "label",
            "--label-smoothing",
            "0.1",
            "--top-k",
            "1,2",
            "--output",
            out.toString());
    Instant after = Instant.now();
    assertThat(run.exitCode()).as(run.err()).isZero();
    JsonNode manifest = readJson(out.resolve("metrics.json")).get("run");

    // Every option, given or defaulted, by its flag's word.
    JsonNode options = manifest.get("options");
    assertThat(options.get("label_smoothing").asDouble()).isEqualTo(0.1);
    assertThat(options.get("top_k").toString()).isEqualTo("[1,2]");
    assertThat(options.get("calibration_bins").asInt()).isEqualTo(15);
    assertThat(options.get("confidence_level").asDouble()).isEqualTo(0.95);
    assertThat(options.get("reader").asText()).isEqualTo("auto");
    assertThat(options.get("logits").asText()).isEqualTo("logits");
    assertThat(options.has("per_row")).isTrue();
    assertThat(options.get("per_row").isNull()).isTrue();

    // The files: each named once with its size, time, rows and the hash of its footer's bytes.
    List<Path> files = dataFiles(input);
    JsonNode listed = manifest.get("input_files");
    assertThat(listed.size()).isEqualTo(files.size());
    long rows = 0;
    for (JsonNode entry : listed) {
      Path file = Path.of(java.net.URI.create(entry.get("path").asText()));
      assertThat(files).contains(file);
      assertThat(entry.get("size").asLong()).isEqualTo(Files.size(file));
      assertThat(Instant.parse(entry.get("modified").asText()).toEpochMilli())
          .isEqualTo(Files.getLastModifiedTime(file).toMillis());
      assertThat(entry.get("footer_sha256").asText()).isEqualTo(footerSha256(file));
      rows += entry.get("rows").asLong();
    }
    assertThat(rows).isEqualTo(37);

    Instant started = Instant.parse(manifest.get("started").asText());
    Instant ended = Instant.parse(manifest.get("ended").asText());
    assertThat(started).isBetween(before, ended);
    assertThat(ended).isBefore(after.plusMillis(1));
    assertThat(manifest.get("user").asText()).isEqualTo(spark().sparkContext().sparkUser());
    assertThat(manifest.get("spark_master").asText()).isEqualTo("local[2]");
    assertThat(manifest.get("spark_settings").get("spark.sql.files.maxPartitionBytes").asText())
        .isNotEmpty();
    assertThat(manifest.get("page_checksums_verified").asBoolean()).isTrue();
    String head = git("rev-parse", "HEAD");
    if (head != null) {
      // Built from this clone: the commit, marked -dirty when the tree had changes.
      assertThat(manifest.get("git_commit").asText()).startsWith(head);
    }
  }

  @Test
  void optionNamesAreTheFlagsWords() {
    assertThat(RunManifest.word("logitsColumn")).isEqualTo("logits");
    assertThat(RunManifest.word("perRowFormat")).isEqualTo("per_row_format");
    assertThat(RunManifest.word("minSliceRows")).isEqualTo("min_slice_rows");
    assertThat(RunManifest.word("skipCorruptFiles")).isEqualTo("skip_corrupt_files");
  }

  /** SHA-256 of the bytes between the data and the 8-byte trailer, read from the file's end. */
  private static String footerSha256(Path file) throws Exception {
    byte[] bytes = Files.readAllBytes(file);
    int length =
        ByteBuffer.wrap(bytes, bytes.length - 8, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    sha.update(bytes, bytes.length - 8 - length, length);
    return HexFormat.of().formatHex(sha.digest());
  }

  private static List<Path> dataFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return new ArrayList<>(files.filter(p -> p.toString().endsWith(".parquet")).toList());
    }
  }

  /** git's answer from the project directory, or null without git or a clone. */
  private static String git(String... args) {
    try {
      List<String> command = new ArrayList<>(List.of("git"));
      command.addAll(List.of(args));
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes()).strip();
      return process.waitFor() == 0 ? output : null;
    } catch (IOException | InterruptedException e) {
      return null;
    }
  }
}
