package dev.xent.job;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.HadoopReadOptions;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.hadoop.util.HadoopInputFile;
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
 * @param footers the Parquet footers read for the check, by file (empty for other formats), so that
 *     the page reader's planner need not read them again: on an object store each footer read is
 *     two GET requests
 */
record InputFiles(
    List<String> files,
    List<Map<String, String>> skipped,
    boolean directory,
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
    if (config.format() != EvaluateConfig.Format.PARQUET) {
      return new InputFiles(files, List.of(), directory, Map.of());
    }
    List<String> good = new ArrayList<>();
    Map<String, ParquetMetadata> footers = new LinkedHashMap<>();
    List<Map<String, String>> skipped = new ArrayList<>();
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
        ParquetMetadata footer = footer(hadoop, file);
        footers.put(file, footer);
        schema = footer.getFileMetaData().getSchema();
      } catch (IOException | RuntimeException e) {
        String reason = reason(e);
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
        continue;
      }
      Map<String, String> types = new LinkedHashMap<>();
      for (String column : columns) {
        types.put(column, schema.containsField(column) ? describe(schema.getType(column)) : null);
      }
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
    footers.keySet().retainAll(good);
    if (good.isEmpty()) {
      throw new XentUsageException(
          "Cannot evaluate: every input file under '" + config.input() + "' is unreadable");
    }
    return new InputFiles(good, skipped, directory, footers);
  }

  private static ParquetMetadata footer(Configuration hadoop, String file) throws IOException {
    Path path = new Path(file);
    try (ParquetFileReader reader =
        ParquetFileReader.open(
            HadoopInputFile.fromPath(path, hadoop),
            HadoopReadOptions.builder(hadoop, path).build())) {
      return reader.getFooter();
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
