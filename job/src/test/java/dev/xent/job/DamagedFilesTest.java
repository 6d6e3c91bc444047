package dev.xent.job;

import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xent.job.JobTestSupport.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.format.PageHeader;
import org.apache.parquet.format.Util;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Damaged copies of a real file: each run either fails with one line naming the file, or — when the
 * damage is in bytes nothing reads — gives the metrics of the undamaged file. Never a different
 * number without an error.
 */
class DamagedFilesTest {
  @TempDir static Path tmp;

  private static byte[] original;
  private static List<Page> pages;
  private static JsonNode reference;

  /** A page of the file: where its header starts, where its bytes start and end, its column. */
  record Page(String column, long header, long data, long end) {}

  @BeforeAll
  static void writeTheFile() throws IOException {
    Path dir = tmp.resolve("clean");
    spark()
        .sql(
            "SELECT transform(sequence(1, 8), c -> CAST(sin(id * 7 + c) * 3 AS FLOAT)) AS logits,"
                + " CAST(id % 8 AS INT) AS label FROM range(3000)")
        .coalesce(1)
        .write()
        // Several pages per column chunk, so that damage can land in a page header.
        .option("parquet.page.size", "16384")
        .parquet(dir.toString());
    Path file = dataFile(dir);
    original = Files.readAllBytes(file);
    pages = pagesOf(file);
    Run run = evaluate(dir, "--label", "label", "--output", tmp.resolve("clean-out").toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    reference = numbers(readJson(tmp.resolve("clean-out/metrics.json")));
  }

  @Test
  void aFlippedBitInAPageIsNamedToTheColumnAndPage() throws IOException {
    Page page = pages.stream().filter(p -> p.column().startsWith("logits")).toList().get(2);
    long at = (page.data() + page.end()) / 2;
    Path dir = damaged("data-flip", flip(original, at, 3));
    for (String reader : List.of("page", "spark")) {
      Run run = evaluate(dir, "--label", "label", "--reader", reader);
      assertThat(run.exitCode()).as(run.err()).isEqualTo(1);
      assertOneLineNamingTheFile(run);
      Matcher m =
          Pattern.compile(
                  "row group 0, column 'logits\\.list\\.element' page (\\d+) \\(at byte (\\d+)\\)"
                      + " is damaged: its (\\d+) bytes have CRC32 0x[0-9a-f]{8}, its header says"
                      + " 0x[0-9a-f]{8}")
              .matcher(run.err());
      assertThat(m.find()).as(run.err()).isTrue();
      assertThat(Integer.parseInt(m.group(1))).isEqualTo(pagesIndex(page));
      assertThat(Long.parseLong(m.group(2))).isEqualTo(page.header());
      assertThat(Long.parseLong(m.group(3))).isEqualTo(page.end() - page.data());
    }
  }

  @Test
  void fiftyDamagedCopiesFailNamingTheFileOrGiveTheSameMetrics() throws IOException {
    // Another seed: -Dxent.damage.seed=N.
    Random random = new Random(Long.getLong("xent.damage.seed", 20261203L));
    long footerLength =
        (original[original.length - 8] & 0xFF)
            | (original[original.length - 7] & 0xFF) << 8
            | (original[original.length - 6] & 0xFF) << 16
            | (original[original.length - 5] & 0xFF) << 24;
    long footerStart = original.length - 8 - footerLength;
    List<String> outcomes = new ArrayList<>();
    for (int copy = 0; copy < 50; copy++) {
      byte[] bytes;
      String what;
      if (copy < 10) {
        int length = 1 + random.nextInt(original.length - 1);
        bytes = java.util.Arrays.copyOf(original, length);
        what = "truncated to " + length + " bytes";
      } else {
        long at;
        if (copy < 25) {
          at = footerStart + (long) (random.nextDouble() * footerLength);
          what = "footer";
        } else {
          Page page = pages.get(random.nextInt(pages.size()));
          boolean header = copy < 35;
          long from = header ? page.header() : page.data();
          long to = header ? page.data() : page.end();
          at = from + (long) (random.nextDouble() * (to - from));
          what = (header ? "header" : "data") + " of a " + page.column() + " page";
        }
        int bit = random.nextInt(8);
        bytes = flip(original, at, bit);
        what += ", bit " + bit + " of byte " + at + " flipped";
      }
      Path dir = damaged("copy-" + copy, bytes);
      String reader = copy % 2 == 0 ? "page" : "spark";
      Path out = tmp.resolve("out-" + copy);
      Run run = evaluate(dir, "--label", "label", "--reader", reader, "--output", out.toString());
      String as = "copy " + copy + " (" + what + ", --reader " + reader + "): " + run.err();
      if (run.exitCode() == 0) {
        assertThat(numbers(readJson(out.resolve("metrics.json")))).as(as).isEqualTo(reference);
        outcomes.add("same metrics");
      } else {
        assertThat(run.exitCode()).as(as).isIn(1, 2);
        assertOneLineNamingTheFile(run);
        assertThat(Files.exists(out.resolve("metrics.json"))).as(as).isFalse();
        outcomes.add("error");
      }
    }
    // The damage must actually be found most of the time, or the test proves little.
    assertThat(outcomes.stream().filter("error"::equals).count())
        .as(outcomes.toString())
        .isGreaterThan(30);
  }

  private static void assertOneLineNamingTheFile(Run run) {
    List<String> lines = run.err().strip().lines().toList();
    assertThat(lines).as(run.err()).hasSize(1);
    assertThat(lines.get(0)).startsWith("xent: Cannot ").contains("part-0.parquet");
  }

  /** The metrics that describe the data, without times, paths and the run's manifest. */
  private static JsonNode numbers(JsonNode metrics) {
    ObjectNode copy = metrics.deepCopy();
    copy.remove(List.of("elapsed_seconds", "input", "output", "run", "reader", "reader_reason"));
    return copy;
  }

  private static int pagesIndex(Page page) {
    int index = 0;
    for (Page p : pages) {
      if (p.column().equals(page.column()) && p.header() < page.header()) {
        index++;
      }
    }
    return index;
  }

  private static byte[] flip(byte[] bytes, long at, int bit) {
    byte[] copy = bytes.clone();
    copy[(int) at] ^= (byte) (1 << bit);
    return copy;
  }

  /**
   * The bytes as {@code DIR/part-0.parquet}, without Hadoop's .crc file (as another tool would).
   */
  private static Path damaged(String name, byte[] bytes) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(name));
    Files.write(dir.resolve("part-0.parquet"), bytes);
    return dir;
  }

  private static Path dataFile(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".parquet")).findFirst().orElseThrow();
    }
  }

  /** Every page's place, from the footer's column chunks and parquet's page-header reader. */
  private static List<Page> pagesOf(Path file) throws IOException {
    Configuration conf = new Configuration();
    HadoopInputFile input =
        HadoopInputFile.fromPath(new org.apache.hadoop.fs.Path(file.toString()), conf);
    List<Page> found = new ArrayList<>();
    try (ParquetFileReader reader = ParquetFileReader.open(input);
        SeekableInputStream in = input.newStream()) {
      for (BlockMetaData group : reader.getFooter().getBlocks()) {
        for (ColumnChunkMetaData chunk : group.getColumns()) {
          long at = chunk.getStartingPos();
          long end = at + chunk.getTotalSize();
          while (at < end) {
            in.seek(at);
            PageHeader header = Util.readPageHeader(in);
            long data = in.getPos();
            found.add(
                new Page(
                    chunk.getPath().toDotString(),
                    at,
                    data,
                    data + header.getCompressed_page_size()));
            at = data + header.getCompressed_page_size();
          }
        }
      }
    }
    return found;
  }
}
