package dev.xent.job.report;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * The rows of a Parquet table Spark wrote (a directory of part files, or one file) with
 * parquet-java alone, no Spark session: each row a map of column name to a Java value (Long,
 * Integer, Double, Float, Boolean, String, List for Spark arrays, null for NULL). Only the {@code
 * limit} first rows by an order are kept, so a table of a million slices or 262,144 classes costs
 * {@code limit} rows of memory.
 */
final class ParquetRows {
  private ParquetRows() {}

  /** The kept rows (in {@code order}), the number of rows read and the column names. */
  record Top(List<Map<String, Object>> rows, long total, List<String> columns) {}

  static Top top(Configuration conf, Path table, Comparator<Map<String, Object>> order, int limit)
      throws IOException {
    FileSystem fs = table.getFileSystem(conf);
    List<Path> files = new ArrayList<>();
    if (fs.getFileStatus(table).isDirectory()) {
      for (FileStatus status : fs.listStatus(table)) {
        String name = status.getPath().getName();
        // Spark's _SUCCESS and .crc files, and hidden temporaries, are not data.
        if (status.isFile() && !name.startsWith("_") && !name.startsWith(".")) {
          files.add(status.getPath());
        }
      }
      files.sort(Comparator.comparing(Path::getName));
    } else {
      files.add(table);
    }
    // The worst-ordered kept row on top, so each new row costs one comparison when it is not kept.
    PriorityQueue<Map<String, Object>> kept = new PriorityQueue<>(order.reversed());
    long total = 0;
    List<String> columns = null;
    for (Path file : files) {
      try (ParquetReader<Group> reader =
          ParquetReader.builder(new GroupReadSupport(), file).withConf(conf).build()) {
        for (Group group = reader.read(); group != null; group = reader.read()) {
          Map<String, Object> row = row(group);
          if (columns == null) {
            columns = List.copyOf(row.keySet());
          }
          total++;
          kept.add(row);
          if (kept.size() > limit) {
            kept.poll();
          }
        }
      } catch (IOException | RuntimeException e) {
        throw new IOException("Cannot read '" + file + "': " + e.getMessage(), e);
      }
    }
    List<Map<String, Object>> rows = new ArrayList<>(kept);
    rows.sort(order);
    return new Top(rows, total, columns == null ? List.of() : columns);
  }

  static Map<String, Object> row(Group group) {
    GroupType type = group.getType();
    Map<String, Object> row = new LinkedHashMap<>();
    for (int i = 0; i < type.getFieldCount(); i++) {
      row.put(type.getFieldName(i), value(group, i));
    }
    return row;
  }

  private static Object value(Group group, int field) {
    if (group.getFieldRepetitionCount(field) == 0) {
      return null;
    }
    Type type = group.getType().getType(field);
    if (type.isPrimitive()) {
      return primitive(group, field, type.asPrimitiveType());
    }
    Group inner = group.getGroup(field, 0);
    if (type.getLogicalTypeAnnotation() instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
        && inner.getType().getFieldCount() == 1) {
      // Spark's arrays: group (LIST) { repeated group list { optional element } }.
      List<Object> list = new ArrayList<>();
      for (int i = 0; i < inner.getFieldRepetitionCount(0); i++) {
        Type element = inner.getType().getType(0);
        list.add(
            element.isPrimitive()
                ? primitive(inner, 0, i, element)
                : value(inner.getGroup(0, i), 0));
      }
      return list;
    }
    return inner.toString().strip();
  }

  private static Object primitive(Group group, int field, int index, Type element) {
    return primitive(group, field, index, element.asPrimitiveType());
  }

  private static Object primitive(Group group, int field, PrimitiveType type) {
    return primitive(group, field, 0, type);
  }

  private static Object primitive(Group group, int field, int index, PrimitiveType type) {
    return switch (type.getPrimitiveTypeName()) {
      case INT32 -> group.getInteger(field, index);
      case INT64 -> group.getLong(field, index);
      case FLOAT -> group.getFloat(field, index);
      case DOUBLE -> group.getDouble(field, index);
      case BOOLEAN -> group.getBoolean(field, index);
      case BINARY ->
          type.getLogicalTypeAnnotation()
                  instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
              ? group.getString(field, index)
              : group.getBinary(field, index).toStringUsingUTF8();
      default -> group.getValueToString(field, index);
    };
  }
}
