package dev.xent.job.page;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.compress.CodecPool;
import org.apache.hadoop.io.compress.Decompressor;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.codec.Lz4RawCodec;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page buffers behind {@link PageCodecs}: every row the page reader hands on holds the values
 * the test wrote (the reference), with three compressed chunks read at once and with codecs other
 * than SNAPPY read by a decompressor fresh from Hadoop's pool.
 */
class PageCodecsTest {
  private static final MessageType SCHEMA =
      MessageTypeParser.parseMessageType(
          "message rows { required group logits (LIST) { repeated group list {"
              + " required float element; } } required int32 label; required double weight; }");

  private static final int CLASSES = 100;

  @TempDir Path dir;

  /**
   * Small pages: a weight page holds about 500 rows and a logits page 10, so the weight's next page
   * is read while a logits page is being handed on, row by row.
   */
  @Test
  void threeSnappyChunksReadAtOnceKeepTheirOwnPages() throws IOException {
    Path file = dir.resolve("weighted.parquet");
    float[][] logits = write(file, CompressionCodecName.SNAPPY, 4 << 10, 6000, 5);
    assertThat(read(file, "weight")).isEqualTo(expected(logits, true));
  }

  /**
   * Pages of 64 KiB decompressed by parquet's LZ4_RAW decompressor straight from the pool's
   * constructor: it sizes its output by the first read request, and a page read in 8 KiB requests
   * failed.
   */
  @Test
  void lz4PagesLargerThanEightKibReadWithAFreshDecompressor() throws IOException {
    Path file = dir.resolve("lz4.parquet");
    float[][] logits = write(file, CompressionCodecName.LZ4_RAW, 64 << 10, 3000, 9);
    // Whatever the pool holds now goes out, so the reader's decompressor is a new one.
    Lz4RawCodec codec = new Lz4RawCodec();
    codec.setConf(new Configuration());
    List<Decompressor> held = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      held.add(CodecPool.getDecompressor(codec));
    }
    try {
      assertThat(read(file, null)).isEqualTo(expected(logits, false));
    } finally {
      held.forEach(CodecPool::returnDecompressor);
    }
  }

  private static float[][] write(
      Path file, CompressionCodecName codec, int pageSize, int rows, long seed) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    SimpleGroupFactory groups = new SimpleGroupFactory(SCHEMA);
    float[][] logits = new float[rows][CLASSES];
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
            .withType(SCHEMA)
            .withConf(new Configuration())
            .withCompressionCodec(codec)
            .withDictionaryEncoding(false)
            .withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0)
            .withPageSize(pageSize)
            .withRowGroupSize(256L << 20)
            .build()) {
      for (int r = 0; r < rows; r++) {
        Group row = groups.newGroup();
        Group list = row.addGroup("logits");
        for (int c = 0; c < CLASSES; c++) {
          logits[r][c] = (float) (random.nextGaussian() * 3);
          list.addGroup("list").append("element", logits[r][c]);
        }
        row.add("label", r % CLASSES);
        row.add("weight", weightOf(r));
        writer.write(row);
      }
    }
    return logits;
  }

  private static double weightOf(int row) {
    return 0.25 + row % 7;
  }

  private static List<String> expected(float[][] logits, boolean weighted) {
    List<String> rows = new ArrayList<>();
    for (int r = 0; r < logits.length; r++) {
      rows.add(describe(logits[r], r % CLASSES, weighted ? weightOf(r) : Double.NaN));
    }
    return rows;
  }

  private static List<String> read(Path file, String weight) throws IOException {
    Configuration conf = new Configuration();
    PagePlan plan =
        PagePlan.plan(conf, List.of(file.toString()), "logits", "label", weight, Long.MAX_VALUE, 1);
    assertThat(plan.unsupportedReason()).isEmpty();
    List<String> rows = new ArrayList<>();
    for (PageTask task : plan.tasks()) {
      PageRowReader.read(
          conf,
          task,
          "logits",
          "label",
          weight,
          new PageRowSink() {
            @Override
            public void nullRow(double label) {
              rows.add("null");
            }

            @Override
            public void row(float[] logits, double label, double weight) {
              rows.add(describe(logits, label, weight));
            }

            @Override
            public void row(double[] logits, double label, double weight) {
              rows.add("double row");
            }
          });
    }
    return rows;
  }

  private static String describe(float[] logits, double label, double weight) {
    StringBuilder text = new StringBuilder().append(label).append(' ').append(weight);
    for (float v : logits) {
      text.append(' ').append(Float.floatToRawIntBits(v));
    }
    return text.toString();
  }
}
