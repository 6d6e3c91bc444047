package dev.xent.job;

import static org.assertj.core.api.Assertions.assertThat;

import dev.xent.job.page.PagePlan;
import dev.xent.job.page.PageRowReader;
import dev.xent.job.page.PageRowSink;
import dev.xent.job.page.PageTask;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.bytes.BytesUtils;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.Encoding;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.column.values.rle.RunLengthBitPackingHybridEncoder;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The page reader against Spark's own Parquet reader, row by row and bit for bit, on seeded random
 * files written by parquet-java with every variation the reader claims: dictionary or plain,
 * BYTE_STREAM_SPLIT, DataPage V1 and V2, five codecs, tiny pages and row groups, float and double
 * logits, the three-level, legacy two-level and bare repeated list forms, null and empty lists,
 * null elements, null labels, NaN/±∞/−0.0, and tasks planned smaller than a file or a row group
 * (row groups split at page boundaries).
 */
class PageReaderEquivalenceTest {
  @TempDir Path tmp;

  /** One list form: its schema and how a row's logits are added to a record. */
  private enum Form {
    THREE_LEVEL(
        "message m { optional group logits (LIST) { repeated group list {"
            + " optional %s element; } } optional %s label; }"),
    THREE_LEVEL_REQUIRED(
        "message m { required group logits (LIST) { repeated group list {"
            + " required %s element; } } required %s label; }"),
    LEGACY_TWO_LEVEL(
        "message m { optional group logits (LIST) { repeated %s array; } optional %s label; }"),
    BARE_REPEATED("message m { repeated %s logits; optional %s label; }");

    final String template;

    Form(String template) {
      this.template = template;
    }

    boolean nullableList() {
      return this == THREE_LEVEL || this == LEGACY_TWO_LEVEL;
    }

    boolean nullableElements() {
      return this == THREE_LEVEL;
    }

    boolean nullableLabel() {
      return this != THREE_LEVEL_REQUIRED;
    }
  }

  private static final String[] LABEL_TYPES = {"int32", "int64", "float", "double"};

  private static final CompressionCodecName[] CODECS = {
    CompressionCodecName.UNCOMPRESSED,
    CompressionCodecName.SNAPPY,
    CompressionCodecName.GZIP,
    CompressionCodecName.ZSTD,
    CompressionCodecName.LZ4_RAW
  };

  @Test
  void randomFilesReadTheSameAsSparkReadsThem() throws IOException {
    SplittableRandom random = new SplittableRandom(2026);
    int files = 0;
    for (Form form : Form.values()) {
      for (int variant = 0; variant < 10; variant++) {
        boolean doubles = random.nextBoolean();
        String labelType = LABEL_TYPES[random.nextInt(LABEL_TYPES.length)];
        MessageType schema =
            MessageTypeParser.parseMessageType(
                String.format(form.template, doubles ? "double" : "float", labelType));
        Path file = tmp.resolve(form + "-" + variant + ".parquet");
        String settings = write(file, schema, form, doubles, labelType, random);
        // Spark 4.1's vectorized reader rejects BYTE_STREAM_SPLIT; its parquet-mr reader reads it.
        List<String> expected = sparkRows(file, doubles, !settings.contains("bss=true"));
        assertThat(pageRows(file, random.nextInt(3) == 0 ? 1 : Long.MAX_VALUE))
            .as("%s %s", form, settings)
            .containsExactlyElementsOf(expected);
        files++;
        coverage(file);
      }
    }
    assertThat(files).isEqualTo(40);
    // The random settings did produce every variation (encodings from the footers).
    assertThat(encodings)
        .contains(
            Encoding.PLAIN,
            Encoding.PLAIN_DICTIONARY,
            Encoding.RLE_DICTIONARY,
            Encoding.BYTE_STREAM_SPLIT);
    assertThat(codecs).containsExactlyInAnyOrder(CODECS);
    assertThat(maxRowGroups).isGreaterThan(3);
    // Labels in the encodings the page reader decodes itself and in those it leaves to parquet.
    assertThat(labelEncodings)
        .as("label encodings")
        .contains(
            Encoding.PLAIN,
            Encoding.PLAIN_DICTIONARY,
            Encoding.RLE_DICTIONARY,
            Encoding.DELTA_BINARY_PACKED,
            Encoding.BYTE_STREAM_SPLIT);
    // Tasks planned smaller than a row group did split row groups at page boundaries.
    assertThat(partialPieces).isGreaterThan(100);
  }

  /**
   * Rows that continue on the next page, which parquet-java's record writer never produces (it ends
   * pages on row boundaries) but other writers may: the file is written page by page with parquet's
   * low-level writer, levels encoded by hand.
   */
  @Test
  void rowsSpanningPagesReadTheSameAsSpark() throws IOException {
    MessageType schema =
        MessageTypeParser.parseMessageType(
            "message m { optional group logits (LIST) { repeated group list {"
                + " optional float element; } } optional int32 label; }");
    // Rows: widths 3, 10, empty, null list, 7 with a null element, 6. Entries per page: 8, 5, 15
    // (the first two pages hold only values, so they take the reader's fast path, the second
    // entirely inside row 1).
    int[][] pages = {{0, 8}, {8, 13}, {13, 28}};
    List<int[]> levels = new ArrayList<>(); // {repetition, definition}
    List<Float> values = new ArrayList<>();
    int[] widths = {3, 10, 0, -1, 7, 6};
    for (int r = 0; r < widths.length; r++) {
      if (widths[r] <= 0) {
        levels.add(new int[] {0, widths[r] == 0 ? 1 : 0});
        continue;
      }
      for (int i = 0; i < widths[r]; i++) {
        boolean nullElement = r == 4 && i == 5;
        levels.add(new int[] {i == 0 ? 0 : 1, nullElement ? 2 : 3});
        if (!nullElement) {
          values.add(r * 10f + i * 0.25f - 1f);
        }
      }
    }
    assertThat(levels).hasSize(28);
    Path file = tmp.resolve("spanning.parquet");
    Configuration conf = new Configuration();
    ParquetFileWriter writer =
        new ParquetFileWriter(conf, schema, new org.apache.hadoop.fs.Path(file.toString()));
    writer.start();
    writer.startBlock(widths.length);
    ColumnDescriptor logits = schema.getColumns().get(0);
    writer.startColumn(logits, levels.size(), CompressionCodecName.UNCOMPRESSED);
    int value = 0;
    for (int[] page : pages) {
      java.io.ByteArrayOutputStream floats = new java.io.ByteArrayOutputStream();
      for (int e = page[0]; e < page[1]; e++) {
        if (levels.get(e)[1] == 3) {
          int bits = Float.floatToRawIntBits(values.get(value++));
          for (int k = 0; k < 4; k++) {
            floats.write(bits >>> (8 * k));
          }
        }
      }
      BytesInput body =
          BytesInput.concat(
              levelBytes(levels.subList(page[0], page[1]), 0, 1),
              levelBytes(levels.subList(page[0], page[1]), 1, 3),
              BytesInput.from(floats.toByteArray()));
      writer.writeDataPage(
          page[1] - page[0],
          (int) body.size(),
          body,
          Statistics.createStats(logits.getPrimitiveType()),
          Encoding.RLE,
          Encoding.RLE,
          Encoding.PLAIN);
    }
    writer.endColumn();
    ColumnDescriptor label = schema.getColumns().get(1);
    writer.startColumn(label, widths.length, CompressionCodecName.UNCOMPRESSED);
    java.io.ByteArrayOutputStream labels = new java.io.ByteArrayOutputStream();
    List<int[]> labelLevels = new ArrayList<>();
    for (int r = 0; r < widths.length; r++) {
      labelLevels.add(new int[] {0, 1});
      for (int k = 0; k < 4; k++) {
        labels.write(((r % 3) >>> (8 * k)) & 0xFF);
      }
    }
    BytesInput labelBody =
        BytesInput.concat(levelBytes(labelLevels, 1, 1), BytesInput.from(labels.toByteArray()));
    writer.writeDataPage(
        widths.length,
        (int) labelBody.size(),
        labelBody,
        Statistics.createStats(label.getPrimitiveType()),
        Encoding.RLE,
        Encoding.RLE,
        Encoding.PLAIN);
    writer.endColumn();
    writer.endBlock();
    writer.end(java.util.Map.of());

    List<String> expected = sparkRows(file, false, true);
    // Spark sees the null list and the null element as null rows, the empty list as a row.
    assertThat(expected).hasSize(6).filteredOn(row -> row.endsWith(":null")).hasSize(2);
    assertThat(expected.get(2)).isEqualTo("2:f" + Double.doubleToRawLongBits(2.0));
    assertThat(pageRows(file, Long.MAX_VALUE)).containsExactlyElementsOf(expected);
    // Without an offset index (this writer keeps none) the row group is not split, however small
    // the tasks are planned: its pages need not begin on row boundaries.
    assertThat(pageRows(file, 1)).containsExactlyElementsOf(expected);
    assertThat(partialPieces).isZero();
  }

  /** One level column of a V1 page: the 4-byte length, then the RLE/bit-packed hybrid. */
  private static BytesInput levelBytes(List<int[]> levels, int which, int max) throws IOException {
    try (RunLengthBitPackingHybridEncoder encoder =
        new RunLengthBitPackingHybridEncoder(
            BytesUtils.getWidthFromMaxInt(max), 64, 1 << 20, new HeapByteBufferAllocator())) {
      for (int[] level : levels) {
        encoder.writeInt(level[which]);
      }
      byte[] bytes = encoder.toBytes().toByteArray();
      return BytesInput.concat(BytesInput.fromInt(bytes.length), BytesInput.from(bytes));
    }
  }

  @Test
  void inputsThePageReaderCannotReadExactlyAreNamed() throws IOException {
    String[][] cases = {
      {
        "message m { optional group logits (LIST) { repeated group list { optional int32 element; }"
            + " } optional int32 label; }",
        "logits element type is optional int32 element in bad.parquet"
      },
      {
        "message m { optional group logits (LIST) { repeated group list { optional float element; }"
            + " } optional int32 label (INTEGER(32,false)); }",
        "label column 'label' is optional int32 label (INTEGER(32,false)) in bad.parquet"
      },
      {
        "message m { optional group logits (LIST) { repeated group list { optional group element"
            + " (LIST) { repeated group list { optional float element; } } } } optional int32"
            + " label; }",
        "logits column 'logits' is not a list of numbers in bad.parquet"
      },
      {"message m { optional int32 label; }", "column 'logits' is not in bad.parquet"},
    };
    for (String[] c : cases) {
      Path dir = java.nio.file.Files.createTempDirectory(tmp, "bad");
      Path file = dir.resolve("bad.parquet");
      MessageType schema = MessageTypeParser.parseMessageType(c[0]);
      try (ParquetWriter<Group> writer =
          ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
              .withType(schema)
              .withConf(new Configuration())
              .build()) {
        writer.write(new SimpleGroupFactory(schema).newGroup().append("label", 1));
      }
      PagePlan plan =
          PagePlan.plan(
              new Configuration(),
              List.of(file.toString()),
              "logits",
              "label",
              null,
              Long.MAX_VALUE,
              1);
      assertThat(plan.unsupportedReason()).contains(c[1]);
      assertThat(plan.tasks()).isEmpty();
    }
  }

  private final java.util.Set<Encoding> encodings = new java.util.HashSet<>();
  private final java.util.Set<Encoding> labelEncodings = new java.util.HashSet<>();
  private int partialPieces;
  private final java.util.Set<CompressionCodecName> codecs = new java.util.HashSet<>();
  private int maxRowGroups;

  private void coverage(Path file) throws IOException {
    try (ParquetFileReader reader =
        ParquetFileReader.open(
            HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file.toString()), new Configuration()))) {
      maxRowGroups = Math.max(maxRowGroups, reader.getRowGroups().size());
      for (BlockMetaData group : reader.getRowGroups()) {
        for (ColumnChunkMetaData chunk : group.getColumns()) {
          if (chunk.getPath().toArray()[0].equals("logits")) {
            encodings.addAll(chunk.getEncodings());
            codecs.add(chunk.getCodec());
          } else {
            labelEncodings.addAll(chunk.getEncodings());
          }
        }
      }
    }
  }

  /** Writes 300–1500 random rows with random writer settings; returns the settings. */
  private static String write(
      Path file,
      MessageType schema,
      Form form,
      boolean doubles,
      String labelType,
      SplittableRandom random)
      throws IOException {
    boolean dictionary = random.nextBoolean();
    boolean byteStreamSplit = !dictionary && random.nextBoolean();
    boolean v2 = random.nextBoolean();
    CompressionCodecName codec = CODECS[random.nextInt(CODECS.length)];
    int pageSize = 512 << random.nextInt(5);
    int rowGroupSize = 8192 << random.nextInt(4);
    String settings =
        String.format(
            "dictionary=%s bss=%s v2=%s codec=%s page=%d rowGroup=%d doubles=%s label=%s",
            dictionary, byteStreamSplit, v2, codec, pageSize, rowGroupSize, doubles, labelType);
    SimpleGroupFactory groups = new SimpleGroupFactory(schema);
    // Few distinct values in some files, so that dictionaries are really used.
    double[] palette = {0.5, -1.25, 3.0, 0.0, -0.0, 7.5, Double.NaN, Double.NEGATIVE_INFINITY};
    boolean fromPalette = dictionary && random.nextBoolean();
    try (ParquetWriter<Group> writer =
        ExampleParquetWriter.builder(new org.apache.hadoop.fs.Path(file.toString()))
            .withType(schema)
            .withConf(new Configuration())
            .withDictionaryEncoding(dictionary)
            .withByteStreamSplitEncoding(byteStreamSplit)
            .withWriterVersion(
                v2
                    ? ParquetProperties.WriterVersion.PARQUET_2_0
                    : ParquetProperties.WriterVersion.PARQUET_1_0)
            .withCompressionCodec(codec)
            .withPageSize(pageSize)
            .withDictionaryPageSize(4096)
            .withRowGroupSize((long) rowGroupSize)
            .build()) {
      int rows = 300 + random.nextInt(1200);
      for (int r = 0; r < rows; r++) {
        Group row = groups.newGroup();
        int kind = random.nextInt(40);
        if (!(form.nullableList() && kind == 0)) {
          int width = kind == 1 ? 0 : random.nextInt(kind == 2 ? 400 : 30);
          Group list = form == Form.BARE_REPEATED ? null : row.addGroup("logits");
          for (int i = 0; i < width; i++) {
            boolean nullElement = form.nullableElements() && random.nextInt(150) == 0;
            double value = fromPalette ? palette[random.nextInt(palette.length)] : value(random);
            switch (form) {
              case THREE_LEVEL, THREE_LEVEL_REQUIRED -> {
                Group element = list.addGroup("list");
                if (!nullElement) {
                  add(element, "element", value, doubles);
                }
              }
              case LEGACY_TWO_LEVEL -> add(list, "array", value, doubles);
              case BARE_REPEATED -> add(row, "logits", value, doubles);
            }
          }
        }
        if (!(form.nullableLabel() && kind == 3)) {
          int label = random.nextInt(32) - 1;
          switch (labelType) {
            case "int32" -> row.add("label", label);
            case "int64" ->
                row.add("label", (long) label * (random.nextInt(50) == 0 ? 1L << 40 : 1));
            case "float" -> row.add("label", random.nextInt(30) == 0 ? label + 0.5f : label);
            default -> row.add("label", random.nextInt(30) == 0 ? Double.NaN : label);
          }
        }
        writer.write(row);
      }
    }
    return settings;
  }

  private static double value(SplittableRandom random) {
    return switch (random.nextInt(200)) {
      case 0 -> Double.NaN;
      case 1 -> Double.POSITIVE_INFINITY;
      case 2 -> Double.NEGATIVE_INFINITY;
      case 3 -> -0.0;
      case 4 -> Double.MIN_VALUE;
      default -> random.nextGaussian() * 4;
    };
  }

  private static void add(Group group, String field, double value, boolean doubles) {
    if (doubles) {
      group.add(field, value);
    } else {
      group.add(field, (float) value);
    }
  }

  /** Spark's reading of the file, each row described as the page reader's sink would see it. */
  private static List<String> sparkRows(Path file, boolean doubles, boolean vectorized) {
    String key = "spark.sql.parquet.enableVectorizedReader";
    List<Row> read;
    try {
      JobTestSupport.spark().conf().set(key, Boolean.toString(vectorized));
      read =
          JobTestSupport.spark()
              .read()
              .parquet(file.toString())
              .select("logits", "label", "_metadata.row_index")
              .collectAsList();
    } finally {
      JobTestSupport.spark().conf().unset(key);
    }
    List<String> rows = new ArrayList<>();
    for (Row row : read) {
      int logitsField = row.fieldIndex("logits");
      int labelField = row.fieldIndex("label");
      // Each row starts with Spark's row index: the page reader's numbering must be the same.
      String at = row.getLong(row.fieldIndex("row_index")) + ":";
      if (row.isNullAt(logitsField) || row.isNullAt(labelField)) {
        rows.add(at + "null");
        continue;
      }
      List<Object> values = row.getList(logitsField);
      if (values.contains(null)) {
        rows.add(at + "null");
        continue;
      }
      double label = ((Number) row.get(labelField)).doubleValue();
      if (doubles) {
        double[] z = new double[values.size()];
        for (int i = 0; i < z.length; i++) {
          z[i] = (Double) values.get(i);
        }
        rows.add(at + describe(z, label));
      } else {
        float[] z = new float[values.size()];
        for (int i = 0; i < z.length; i++) {
          z[i] = (Float) values.get(i);
        }
        rows.add(at + describe(z, label));
      }
    }
    return rows;
  }

  /** The page reader's rows over a plan of the file, tasks of at most {@code maxTaskBytes}. */
  private List<String> pageRows(Path file, long maxTaskBytes) throws IOException {
    Configuration conf = new Configuration();
    PagePlan plan =
        PagePlan.plan(conf, List.of(file.toString()), "logits", "label", null, maxTaskBytes, 1);
    assertThat(plan.unsupportedReason()).isEmpty();
    // The tasks in file order, as Spark would collect their results in any order.
    List<PageTask> tasks = new ArrayList<>(plan.tasks());
    tasks.sort(java.util.Comparator.comparingLong(t -> position(t.pieces().get(0))));
    List<String> rows = new ArrayList<>();
    List<PageTask.Piece> piecesRead = new ArrayList<>();
    for (PageTask task : tasks) {
      piecesRead.addAll(task.pieces());
      task.pieces().stream().filter(p -> !p.wholeRowGroup()).forEach(p -> partialPieces++);
      PageRowReader.read(
          conf,
          task,
          "logits",
          "label",
          null,
          new PageRowSink() {
            private long next;

            @Override
            public void piece(long fileRow) {
              next = fileRow;
            }

            @Override
            public void nullRow(double label) {
              rows.add(next++ + ":null");
            }

            @Override
            public void row(float[] logits, double label, double weight) {
              rows.add(next++ + ":" + describe(logits, label));
            }

            @Override
            public void row(double[] logits, double label, double weight) {
              rows.add(next++ + ":" + describe(logits, label));
            }
          });
    }
    // Every row of every row group exactly once: pieces follow each other without gap or overlap.
    int group = 0;
    long next = 0;
    for (PageTask.Piece piece : piecesRead) {
      if (piece.rowGroup() != group) {
        assertThat(piece.rowGroup()).isEqualTo(group + 1);
        group = piece.rowGroup();
        next = 0;
      }
      assertThat(piece.firstRow()).as("%s", piece).isEqualTo(next);
      next = piece.endRow();
    }
    assertThat((long) rows.size()).isEqualTo(plan.rows());
    return rows;
  }

  private static long position(PageTask.Piece piece) {
    return ((long) piece.rowGroup() << 40) + piece.firstRow();
  }

  private static String describe(float[] z, double label) {
    StringBuilder out = new StringBuilder("f").append(Double.doubleToRawLongBits(label));
    for (float v : z) {
      out.append(',').append(Integer.toHexString(Float.floatToRawIntBits(v)));
    }
    return out.toString();
  }

  private static String describe(double[] z, double label) {
    StringBuilder out = new StringBuilder("d").append(Double.doubleToRawLongBits(label));
    for (double v : z) {
      out.append(',').append(Long.toHexString(Double.doubleToRawLongBits(v)));
    }
    return out.toString();
  }
}
