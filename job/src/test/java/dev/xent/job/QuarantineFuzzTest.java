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
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 10,000 seeded, randomly malformed rows — NULLs at every level, ragged widths, NaN/±∞ logits and
 * labels, huge, negative and fractional labels, empty lists, labels equal to the ignore index — in
 * JSON and in Parquet written by parquet-java: no crash, every reason counted as a classifier
 * written here from docs/audit.md says, and the quarantine exactly the invalid rows.
 */
class QuarantineFuzzTest {
  @TempDir Path tmp;

  private static final long SEED = 13_2026L;
  private static final int ROWS = 10_000;
  private static final double IGNORE = 3;

  /** One generated row: logits (null, or elements that may be null) and label (may be null). */
  private record Sample(long id, Double[] logits, Double label) {}

  private static List<Sample> samples() {
    SplittableRandom random = new SplittableRandom(SEED);
    List<Sample> samples = new ArrayList<>();
    for (long id = 0; id < ROWS; id++) {
      Double[] logits;
      int kind = random.nextInt(100);
      if (kind < 5) {
        logits = null;
      } else if (kind < 10) {
        logits = new Double[0];
      } else {
        // Ragged: each row its own number of classes.
        logits = new Double[1 + random.nextInt(8)];
        boolean masked = random.nextInt(50) == 0;
        for (int c = 0; c < logits.length; c++) {
          logits[c] = masked ? (Double) Double.NEGATIVE_INFINITY : element(random);
        }
      }
      int width = logits == null ? 1 : Math.max(1, logits.length);
      Double label = label(random, width);
      samples.add(new Sample(id, logits, label));
    }
    return samples;
  }

  /** A logit: NULL, NaN, ±∞ now and then, else Gaussian. */
  private static Double element(SplittableRandom random) {
    int e = random.nextInt(100);
    if (e < 2) {
      return null;
    } else if (e < 5) {
      return Double.NaN;
    } else if (e < 7) {
      return Double.POSITIVE_INFINITY;
    } else if (e < 12) {
      return Double.NEGATIVE_INFINITY;
    }
    return random.nextGaussian() * 3;
  }

  /** A label: NULL, NaN, ±∞, fractional, huge, negative, the ignore index, or in [0, width]. */
  private static Double label(SplittableRandom random, int width) {
    int l = random.nextInt(100);
    if (l < 5) {
      return null;
    } else if (l < 8) {
      return Double.NaN;
    } else if (l < 10) {
      return Double.POSITIVE_INFINITY;
    } else if (l < 11) {
      return Double.NEGATIVE_INFINITY;
    } else if (l < 14) {
      return random.nextInt(width) + 0.5;
    } else if (l < 16) {
      return 1e30;
    } else if (l < 17) {
      return (double) (1L << 40);
    } else if (l < 20) {
      return -1.0 - random.nextInt(5);
    } else if (l < 25) {
      return IGNORE;
    }
    // width itself is one past the last class: out of range.
    return (double) random.nextInt(width + 1);
  }

  /**
   * The status of a row by docs/audit.md, written independently of xent's code: a label equal to
   * the ignore index is ignored whatever else the row holds; then NULL logits, a NULL element or a
   * NULL label; empty logits; a NaN logit; a +∞ logit; all −∞; a NaN label; a label that is not an
   * integer (±∞ included); a label outside [0, C) for the row's own C.
   */
  private static String expectedStatus(Sample s) {
    if (s.label() != null && s.label() == IGNORE) {
      return "ignored";
    }
    if (s.logits() == null || s.label() == null) {
      return "null_input";
    }
    for (Double v : s.logits()) {
      if (v == null) {
        return "null_input";
      }
    }
    if (s.logits().length == 0) {
      return "empty_logits";
    }
    boolean nan = false;
    boolean posInf = false;
    boolean allMasked = true;
    for (Double v : s.logits()) {
      nan |= v.isNaN();
      posInf |= v == Double.POSITIVE_INFINITY;
      allMasked &= v == Double.NEGATIVE_INFINITY;
    }
    if (nan) {
      return "nan_logit";
    }
    if (posInf) {
      return "posinf_logit";
    }
    if (allMasked) {
      return "all_masked";
    }
    double y = s.label();
    if (Double.isNaN(y)) {
      return "nan_label";
    }
    if (Double.isInfinite(y) || y != Math.floor(y)) {
      return "label_not_integer";
    }
    return y >= 0 && y < s.logits().length ? "ok" : "label_out_of_range";
  }

  private static final String SCHEMA =
      "message m { required int64 id; optional group logits (LIST) { repeated group list {"
          + " optional double element; } } optional double label; }";

  /** Two files of small row groups and pages, so rows are numbered across row groups and files. */
  private Path writeParquet(List<Sample> samples) throws IOException {
    MessageType schema = MessageTypeParser.parseMessageType(SCHEMA);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    Path dir = tmp.resolve("parquet");
    Files.createDirectories(dir);
    int half = samples.size() / 2;
    for (int part = 0; part < 2; part++) {
      org.apache.hadoop.fs.Path file =
          new org.apache.hadoop.fs.Path(dir.resolve("part-" + part + ".parquet").toString());
      try (ParquetWriter<Group> writer =
          ExampleParquetWriter.builder(file)
              .withType(schema)
              .withConf(new Configuration())
              .withPageSize(2048)
              .withRowGroupSize(32L << 10)
              .build()) {
        for (Sample s : samples.subList(part * half, part == 0 ? half : samples.size())) {
          Group row = groups.newGroup();
          row.add("id", s.id());
          if (s.logits() != null) {
            Group list = row.addGroup("logits");
            for (Double v : s.logits()) {
              Group element = list.addGroup("list");
              if (v != null) {
                element.add("element", v);
              }
            }
          }
          if (s.label() != null) {
            row.add("label", s.label());
          }
          writer.write(row);
        }
      }
    }
    return dir;
  }

  private Path writeJson(List<Sample> samples) throws IOException {
    List<String> lines = new ArrayList<>();
    for (Sample s : samples) {
      StringBuilder line = new StringBuilder("{\"id\":").append(s.id()).append(",\"logits\":");
      if (s.logits() == null) {
        line.append("null");
      } else {
        line.append('[');
        for (int c = 0; c < s.logits().length; c++) {
          line.append(c == 0 ? "" : ",").append(json(s.logits()[c]));
        }
        line.append(']');
      }
      line.append(",\"label\":").append(json(s.label())).append('}');
      lines.add(line.toString());
    }
    Path file = tmp.resolve("fuzz.json");
    Files.write(file, lines);
    return file;
  }

  /** NaN and ±Infinity as the JSON reader's non-numeric tokens; every number with a fraction. */
  private static String json(Double v) {
    if (v == null) {
      return "null";
    }
    if (v.isNaN()) {
      return "NaN";
    }
    if (v.isInfinite()) {
      return v > 0 ? "Infinity" : "-Infinity";
    }
    return Double.toString(v);
  }

  @Test
  void malformedRowsAreCountedByReasonAndQuarantinedExactly() throws IOException {
    List<Sample> samples = samples();
    Map<String, Long> expectedCounts = new TreeMap<>();
    Set<String> expectedQuarantine = new HashSet<>();
    for (Sample s : samples) {
      String status = expectedStatus(s);
      expectedCounts.merge(status, 1L, Long::sum);
      if (!status.equals("ok") && !status.equals("ignored")) {
        expectedQuarantine.add(s.id() + ":" + status);
      }
    }
    // The generator did produce every case this test claims to cover.
    assertThat(expectedCounts.keySet())
        .as("seed %d", SEED)
        .contains(
            "ok",
            "ignored",
            "null_input",
            "empty_logits",
            "nan_logit",
            "posinf_logit",
            "all_masked",
            "nan_label",
            "label_not_integer",
            "label_out_of_range");

    Path parquet = writeParquet(samples);
    Path json = writeJson(samples);
    Set<String> pageRows = null;
    Set<String> sparkRows = null;
    for (String variant : List.of("page", "page-split", "spark", "json")) {
      Path out = tmp.resolve("out-" + variant);
      List<String> args =
          new ArrayList<>(
              List.of("--label", "label", "--ignore-index", "3", "--output", out.toString()));
      switch (variant) {
        case "page" -> args.addAll(List.of("--reader", "page"));
        case "page-split" ->
            // Tasks smaller than a row group: row groups split at page boundaries.
            args.addAll(
                List.of("--reader", "page", "--conf", "spark.sql.files.maxPartitionBytes=8192"));
        case "spark" -> args.addAll(List.of("--reader", "spark"));
        default -> args.addAll(List.of("--format", "json"));
      }
      Run run = evaluate(variant.equals("json") ? json : parquet, args.toArray(new String[0]));
      assertThat(run.exitCode()).as("%s seed %d: %s", variant, SEED, run.err()).isZero();
      JsonNode metrics = readJson(out.resolve("metrics.json"));
      assertThat(metrics.get("rows").asLong()).isEqualTo(ROWS);
      assertThat(metrics.get("rows_scored").asLong())
          .as(variant)
          .isEqualTo(expectedCounts.get("ok"));
      assertThat(metrics.get("rows_ignored").asLong())
          .as(variant)
          .isEqualTo(expectedCounts.get("ignored"));
      Map<String, Long> counted = new TreeMap<>();
      metrics
          .get("invalid_by_reason")
          .fields()
          .forEachRemaining(
              e -> {
                if (e.getValue().asLong() > 0) {
                  counted.put(e.getKey(), e.getValue().asLong());
                }
              });
      Map<String, Long> expectedInvalid = new TreeMap<>(expectedCounts);
      expectedInvalid.remove("ok");
      expectedInvalid.remove("ignored");
      assertThat(counted).as("%s seed %d", variant, SEED).isEqualTo(expectedInvalid);

      List<Row> quarantined =
          spark().read().parquet(out.resolve("invalid").toString()).collectAsList();
      Set<String> found = new HashSet<>();
      Set<String> whole = new HashSet<>();
      for (Row row : quarantined) {
        found.add(
            row.getLong(row.fieldIndex("id")) + ":" + row.getString(row.fieldIndex("status")));
        whole.add(row.toString());
      }
      assertThat(quarantined).hasSize(expectedQuarantine.size());
      assertThat(found).as("%s seed %d", variant, SEED).isEqualTo(expectedQuarantine);
      if (variant.equals("page")) {
        pageRows = whole;
      } else if (variant.equals("spark")) {
        sparkRows = whole;
      }
    }
    assertThat(pageRows).isEqualTo(sparkRows);
  }
}
