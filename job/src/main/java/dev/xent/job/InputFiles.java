package dev.xent.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.format.Util;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.io.SeekableInputStream;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.Type;

/**
 * The input's files, checked on the driver before any task runs: the path exists, it holds data
 * files, and every Parquet file has a readable footer whose audited columns have the same types as
 * the first file's. A problem is a usage error (exit 2) naming the file, or with {@code
 * --skip-corrupt-files} an unreadable file is left out and listed.
 *
 * @param files the data files to read, in listing order
 * @param skipped the files left out, each as {@code {path, reason}}
 * @param directory whether the input path is one directory (not a file or a glob)
 * @param manifest each file read, for metrics.json's run manifest: path, size, modified (ISO-8601
 *     UTC), and for Parquet rows and the SHA-256 of its footer (which covers every page's offset,
 *     size and statistics: equal footers, equal files, short of a deliberate forgery)
 * @param footers the Parquet footers read for the check, by file (empty for other formats), so that
 *     the page reader's planner need not read them again: on an object store each footer read is
 *     two GET requests
 */
record InputFiles(
    List<String> files,
    List<Map<String, String>> skipped,
    boolean directory,
    List<Map<String, Object>> manifest,
    Map<String, ParquetMetadata> footers) {

  static InputFiles check(Configuration hadoop, EvaluateConfig config) {
    List<String> files;
    boolean directory;
    try {
      Path path = new Path(config.input());
      FileSystem fs = path.getFileSystem(hadoop);
      FileStatus[] matches = fs.globStatus(path);
      if (matches == null || matches.length == 0) {
        throw new XentUsageException(
            "Cannot evaluate: input path '" + config.input() + "' does not exist");
      }
      directory =
          matches.length == 1
              && matches[0].isDirectory()
              && matches[0].getPath().equals(fs.makeQualified(path));
      // In path order, so that messages naming "the first file" do not depend on the listing.
      files = new ArrayList<>(PagePath.listFiles(hadoop, config.input()));
      files.sort(null);
    } catch (IOException e) {
      throw new XentUsageException(
          "Cannot evaluate: cannot list input '" + config.input() + "': " + e.getMessage());
    }
    if (files.isEmpty()) {
      throw new XentUsageException(
          "Cannot evaluate: no data files under '"
              + config.input()
              + "' (names starting with '_' or '.' are not data)");
    }
    if (config.format() == EvaluateConfig.Format.ORC) {
      return checkOrc(hadoop, config, files, directory);
    }
    if (config.format() != EvaluateConfig.Format.PARQUET) {
      List<Map<String, Object>> manifest = new ArrayList<>();
      for (String file : files) {
        manifest.add(describeFile(statusOf(hadoop, file), file, null));
      }
      return new InputFiles(files, List.of(), directory, manifest, Map.of());
    }
    List<String> good = new ArrayList<>();
    List<Map<String, String>> skipped = new ArrayList<>();
    List<Map<String, Object>> manifest = new ArrayList<>();
    Map<String, ParquetMetadata> footers = new LinkedHashMap<>();
    List<String> columns = new ArrayList<>(List.of(config.logitsColumn(), config.targetColumn()));
    if (config.weightColumn() != null) {
      columns.add(config.weightColumn());
    }
    columns.addAll(config.groupBy());
    String firstFile = null;
    Map<String, String> firstTypes = null;
    for (String file : files) {
      MessageType schema;
      try {
        Footer footer = footer(hadoop, file);
        ParquetMetadata meta = footer.meta();
        footers.put(file, meta);
        schema = meta.getFileMetaData().getSchema();
        checkSparkSchema(meta, schema);
        long rows = meta.getBlocks().stream().mapToLong(b -> b.getRowCount()).sum();
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("rows", rows);
        entry.put("footer_sha256", footer.sha256());
        manifest.add(describeFile(footer.status(), file, entry));
      } catch (IOException | RuntimeException e) {
        skipOrFail(config, file, reason(e), skipped);
        continue;
      }
      Map<String, String> types = new LinkedHashMap<>();
      for (String column : columns) {
        types.put(column, schema.containsField(column) ? describe(schema.getType(column)) : null);
      }
      requireScoredColumns(config, file, schema);
      if (firstTypes == null) {
        firstFile = file;
        firstTypes = types;
      } else {
        for (String column : columns) {
          String a = firstTypes.get(column);
          String b = types.get(column);
          if (!java.util.Objects.equals(a, b)) {
            throw new XentUsageException(
                "Cannot evaluate: column '"
                    + column
                    + "' is "
                    + (a == null ? "missing" : a)
                    + " in '"
                    + firstFile
                    + "' but "
                    + (b == null ? "missing" : b)
                    + " in '"
                    + file
                    + "'");
          }
        }
      }
      good.add(file);
    }
    if (good.isEmpty()) {
      throw new XentUsageException(
          "Cannot evaluate: every input file under '" + config.input() + "' is unreadable");
    }
    footers.keySet().retainAll(good);
    return new InputFiles(good, skipped, directory, manifest, footers);
  }

  /**
   * ORC files: each one's tail (postscript, footer, metadata) read with ORC's own reader, so that a
   * truncated file or one of another format is named before any task, as for Parquet.
   */
  private static InputFiles checkOrc(
      Configuration hadoop, EvaluateConfig config, List<String> files, boolean directory) {
    List<String> good = new ArrayList<>();
    List<Map<String, String>> skipped = new ArrayList<>();
    List<Map<String, Object>> manifest = new ArrayList<>();
    for (String file : files) {
      try (org.apache.orc.Reader reader =
          org.apache.orc.OrcFile.createReader(
              new Path(file), org.apache.orc.OrcFile.readerOptions(hadoop))) {
        Map<String, Object> rows = new LinkedHashMap<>();
        rows.put("rows", reader.getNumberOfRows());
        manifest.add(describeFile(statusOf(hadoop, file), file, rows));
        good.add(file);
      } catch (IOException | RuntimeException e) {
        skipOrFail(config, file, orcReason(e), skipped);
      }
    }
    if (good.isEmpty()) {
      throw new XentUsageException(
          "Cannot evaluate: every input file under '" + config.input() + "' is unreadable");
    }
    return new InputFiles(good, skipped, directory, manifest, Map.of());
  }

  /**
   * An unreadable file: a usage error naming it, or with --skip-corrupt-files listed and left out.
   */
  private static void skipOrFail(
      EvaluateConfig config, String file, String reason, List<Map<String, String>> skipped) {
    if (!config.skipCorruptFiles()) {
      throw new XentUsageException(
          "Cannot read input file '"
              + file
              + "': "
              + reason
              + " (add --skip-corrupt-files to leave such files out)");
    }
    Map<String, String> entry = new LinkedHashMap<>();
    entry.put("path", file);
    entry.put("reason", reason);
    skipped.add(entry);
  }

  /** ORC's message, first line; a file without ORC's tail said so in words. */
  private static String orcReason(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    if (message.contains("Malformed ORC file")
        || message.contains("Invalid postscript")
        || message.contains("not a valid ORC file")
        || message.contains("protocol message")
        || e instanceof java.io.EOFException
        || e instanceof IndexOutOfBoundsException) {
      return "not an ORC file (no valid postscript at its end: truncated, or another format)";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /**
   * The columns every row needs (logits, label or labels, weight) are in each file, or the error
   * names the file lacking one: a column renamed in one file (or a damaged footer) is found before
   * any task. A column that is a partition directory ({@code name=value} in the path) is not in the
   * files.
   */
  private static void requireScoredColumns(EvaluateConfig config, String file, MessageType schema) {
    Map<String, String> flags = new LinkedHashMap<>();
    flags.put(config.logitsColumn(), "--logits");
    flags.put(config.targetColumn(), config.labelColumn() != null ? "--label" : "--labels");
    if (config.weightColumn() != null) {
      flags.put(config.weightColumn(), "--weight");
    }
    for (Map.Entry<String, String> entry : flags.entrySet()) {
      String column = entry.getKey();
      if (!schema.containsField(column) && !file.contains("/" + column + "=")) {
        List<String> names = new ArrayList<>();
        schema.getFields().forEach(field -> names.add(field.getName()));
        throw new XentUsageException(
            "Cannot evaluate: column '"
                + column
                + "' given by "
                + entry.getValue()
                + " does not exist in '"
                + file
                + "'; it has "
                + names);
      }
    }
  }

  /** Where Spark's writer keeps the Spark schema, which Spark's reader prefers to Parquet's. */
  private static final String SPARK_SCHEMA_KEY = "org.apache.spark.sql.parquet.row.metadata";

  /**
   * Spark's reader takes column names from the Spark schema in the key-value metadata when it
   * parses: names that differ from the Parquet schema's (a damaged footer) would make Spark read
   * columns the file does not have. A Spark schema that does not parse is ignored by Spark too.
   */
  private static void checkSparkSchema(ParquetMetadata meta, MessageType schema)
      throws IOException {
    String json = meta.getFileMetaData().getKeyValueMetaData().get(SPARK_SCHEMA_KEY);
    if (json == null) {
      return;
    }
    JsonNode fields;
    try {
      fields = JSON.readTree(json).path("fields");
    } catch (IOException e) {
      return;
    }
    List<String> sparkNames = new ArrayList<>();
    fields.forEach(field -> sparkNames.add(field.path("name").asText()));
    List<String> parquetNames = new ArrayList<>();
    schema.getFields().forEach(field -> parquetNames.add(field.getName()));
    if (!sparkNames.equals(parquetNames)) {
      throw new IOException(
          "its footer is damaged (the Spark schema in its metadata names the columns "
              + sparkNames
              + ", the Parquet schema "
              + parquetNames
              + ")");
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * The file's footer, parsed the two ways parquet-java has: the full parser (what the page reader
   * and this check use) and the event-based one that skips row groups (what Spark's tasks use),
   * which is stricter about field types: a damaged footer one of them accepts must not reach a
   * task. The footer bytes are read once, in two reads like parquet's own (length and magic, then
   * footer).
   */
  /** A parsed footer and the SHA-256 of its bytes. */
  private record Footer(ParquetMetadata meta, String sha256, FileStatus status) {}

  /** Path, size, modified (null when the status could not be read); then {@code extra}. */
  private static Map<String, Object> describeFile(
      FileStatus status, String file, Map<String, Object> extra) {
    Map<String, Object> entry = new LinkedHashMap<>();
    entry.put("path", file);
    entry.put("size", status == null ? null : status.getLen());
    entry.put(
        "modified",
        status == null ? null : Instant.ofEpochMilli(status.getModificationTime()).toString());
    if (extra != null) {
      entry.putAll(extra);
    }
    return entry;
  }

  private static FileStatus statusOf(Configuration hadoop, String file) {
    try {
      Path path = new Path(file);
      return path.getFileSystem(hadoop).getFileStatus(path);
    } catch (IOException e) {
      return null;
    }
  }

  private static Footer footer(Configuration hadoop, String file) throws IOException {
    Path path = new Path(file);
    FileSystem fs = path.getFileSystem(hadoop);
    FileStatus status = fs.getFileStatus(path);
    long length = status.getLen();
    if (length < 12) {
      throw new IOException(file + " is not a Parquet file (too short)");
    }
    // Opened with the status already fetched: on an object store a plain open asks for it again.
    try (SeekableInputStream in = HadoopInputFile.fromStatus(status, hadoop).newStream()) {
      byte[] tail = new byte[8];
      in.seek(length - 8);
      in.readFully(tail);
      String magic = new String(tail, 4, 4, StandardCharsets.US_ASCII);
      if (!magic.equals("PAR1")) {
        throw new IOException(
            magic.equals("PARE")
                ? "its footer is encrypted, which xent does not read"
                : file + " is not a Parquet file");
      }
      long footerLength = ByteBuffer.wrap(tail, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
      if (footerLength < 0 || footerLength > length - 12) {
        throw new IOException("Invalid footer length " + footerLength);
      }
      byte[] footer = new byte[(int) footerLength];
      in.seek(length - 8 - footerLength);
      in.readFully(footer);
      Util.readFileMetaData(new ByteArrayInputStream(footer), true);
      ParquetMetadata meta =
          new ParquetMetadataConverter()
              .readParquetMetadata(
                  new ByteArrayInputStream(footer), ParquetMetadataConverter.NO_FILTER);
      return new Footer(meta, sha256(footer), status);
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return java.util.HexFormat.of()
          .formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java has SHA-256", e);
    }
  }

  /** parquet-java's message, without the stack of causes: what a person can act on. */
  private static String reason(Exception e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    // A file cut short, or of another format, ends without Parquet's footer and magic bytes.
    if (message.contains("is not a Parquet file")
        || message.contains("footer is too large")
        || message.contains("magic number")
        || message.contains("Invalid footer")) {
      return "not a Parquet file (no valid footer at its end: truncated, or another format)";
    }
    if (message.contains("FileMetaData") || message.contains("thrift")) {
      message = "its footer is damaged (" + message + ")";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** A column's type as Spark names it, e.g. array<float>, int, string. */
  static String describe(Type type) {
    if (type.isPrimitive()) {
      String name = primitiveName(type);
      // A bare repeated field is a list of its values.
      return type.isRepetition(Type.Repetition.REPEATED) ? "array<" + name + ">" : name;
    }
    GroupType group = type.asGroupType();
    if (group.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
        && group.getFieldCount() == 1) {
      Type repeated = group.getType(0);
      String element;
      if (repeated.isPrimitive()) {
        element = primitiveName(repeated);
      } else if (repeated.asGroupType().getFieldCount() == 1) {
        element = describe(repeated.asGroupType().getType(0));
      } else {
        element = struct(repeated.asGroupType());
      }
      return "array<" + element + ">";
    }
    return struct(group);
  }

  private static String struct(GroupType group) {
    StringBuilder out = new StringBuilder("struct<");
    for (int i = 0; i < group.getFieldCount(); i++) {
      out.append(i == 0 ? "" : ",").append(group.getFieldName(i)).append(':');
      out.append(describe(group.getType(i)));
    }
    return out.append('>').toString();
  }

  private static String primitiveName(Type type) {
    LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
    if (logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation) {
      return "string";
    }
    String name =
        switch (type.asPrimitiveType().getPrimitiveTypeName()) {
          case INT32 -> "int";
          case INT64 -> "bigint";
          case FLOAT -> "float";
          case DOUBLE -> "double";
          case BOOLEAN -> "boolean";
          case BINARY, FIXED_LEN_BYTE_ARRAY -> "binary";
          case INT96 -> "timestamp";
        };
    return logical == null ? name : name + " (" + logical + ")";
  }
}
