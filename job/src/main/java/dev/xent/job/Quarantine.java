package dev.xent.job;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import dev.xent.kernel.AuditOptions;
import dev.xent.kernel.Evaluation;
import dev.xent.kernel.Reason;
import dev.xent.kernel.RowAuditor;
import dev.xent.spark.InputTypes;
import dev.xent.spark.RowScorer;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.GenericInternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.apache.spark.util.LongAccumulator;

/**
 * The quarantine: every invalid row of a run, whole and unchanged (every input column with its
 * original type, read again through Spark's reader) plus a {@code status} column holding its reason
 * code, as Parquet. It is written only when the run found invalid rows, under a hidden temporary
 * name renamed into place, so it is complete or absent.
 *
 * <p>Which rows are invalid is decided by the audit's own verdicts: after a page-reader run, by the
 * positions (file, row index) its tasks kept, matched against Spark's {@code _metadata.file_path}
 * and {@code _metadata.row_index}; otherwise (Spark's reader, or more than {@link #MAX_POSITIONS}
 * positions) by scoring every row again with the same {@link RowAuditor} call the aggregate used.
 * Either way the rows found are counted and must equal {@code rows_invalid}.
 */
final class Quarantine {
  private Quarantine() {}

  /** The column xent adds to each quarantined row: the reason's code, as in metrics.json. */
  static final String STATUS = "status";

  /**
   * Positions the page reader keeps over a run (about 9 bytes each at the driver); beyond them it
   * falls back to scoring the input again.
   */
  static final int MAX_POSITIONS = 1 << 20;

  /**
   * {@link #MAX_POSITIONS}, lowered by tests to exercise the fallback; {@code
   * -Dxent.quarantinePositions=0} makes a page-reader run re-score instead, for benchmarks that
   * compare the two.
   */
  static volatile int maxPositions = Integer.getInteger("xent.quarantinePositions", MAX_POSITIONS);

  /**
   * The invalid rows of one file found by the page reader: ascending 0-based row indexes and their
   * reasons' ordinals.
   */
  record Positions(long[] rows, byte[] reasons) implements Serializable {
    /** The reason of row {@code row}, or null when it is not listed. */
    Reason of(long row) {
      int at = Arrays.binarySearch(rows, row);
      return at < 0 ? null : Reason.ofOrdinal(reasons[at]);
    }

    static Positions concat(Positions a, Positions b) {
      int n = a.rows.length + b.rows.length;
      long[] rows = Arrays.copyOf(a.rows, n);
      byte[] reasons = Arrays.copyOf(a.reasons, n);
      System.arraycopy(b.rows, 0, rows, a.rows.length, b.rows.length);
      System.arraycopy(b.reasons, 0, reasons, a.reasons.length, b.reasons.length);
      // Tasks of one file come in any order; each task's rows are already ascending.
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      Arrays.sort(order, (i, j) -> Long.compare(rows[i], rows[j]));
      long[] sortedRows = new long[n];
      byte[] sortedReasons = new byte[n];
      for (int i = 0; i < n; i++) {
        sortedRows[i] = rows[order[i]];
        sortedReasons[i] = reasons[order[i]];
      }
      return new Positions(sortedRows, sortedReasons);
    }
  }

  /** The file form Spark's {@code _metadata.file_path} gives a Hadoop path: its URI, encoded. */
  static String sparkFilePath(String file) {
    return new Path(file).toUri().toString();
  }

  /**
   * Fails before anything is read or written when an input column is named like the status column
   * (the page path checks its first file's footer, Spark's path the schema, the quarantine pass
   * again).
   */
  static void checkColumns(List<String> names) {
    for (String name : names) {
      if (name.equals(STATUS)) {
        throw new XentUsageException(
            "Cannot write the quarantine: input column '"
                + name
                + "' has the name of the column xent adds; rename it, or add --no-quarantine");
      }
    }
  }

  /**
   * Writes the invalid rows to {@code target} (config.quarantine(), or its place in the output's
   * staging directory); {@code positions} are the page reader's (file in {@link #sparkFilePath}
   * form → positions), or null to score the rows again. Fails when the rows found are not exactly
   * {@code rowsInvalid}.
   */
  static void write(
      SparkSession spark,
      Configuration hadoop,
      EvaluateConfig config,
      InputFiles files,
      Map<String, Positions> positions,
      long rowsInvalid,
      String target) {
    JavaSparkContext context = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Broadcast<Map<String, Positions>> listed =
        positions == null ? null : context.broadcast(positions);
    LongAccumulator found = spark.sparkContext().longAccumulator("xent quarantined rows");
    try {
      Scan scan = scan(spark, config, files, listed, false, found);
      Path path = new Path(target);
      Path temporary = new Path(path.getParent(), "._" + path.getName() + ".tmp");
      scan.rows()
          .select(scan.quarantineColumns())
          .write()
          .mode(SaveMode.Overwrite)
          .parquet(temporary.toString());
      if (found.value() != rowsInvalid) {
        path.getFileSystem(hadoop).delete(temporary, true);
        throw new IllegalStateException(
            "Cannot write the quarantine '"
                + config.quarantine()
                + "': the input holds "
                + found.value()
                + " invalid rows, the audit counted "
                + rowsInvalid
                + " (did the input change during the run?)");
      }
      Outputs.replace(path.getFileSystem(hadoop), temporary, path);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot write the quarantine '" + config.quarantine() + "': " + e.getMessage(), e);
    } finally {
      if (listed != null) {
        listed.destroy();
      }
    }
  }

  /**
   * The first invalid row of the input (least file path, then row index), scored again with the
   * audit's verdicts: the strict gate of a Spark-reader run that found invalid rows.
   */
  static Gates.InvalidRow firstInvalid(
      SparkSession spark, EvaluateConfig config, InputFiles files) {
    LongAccumulator found = spark.sparkContext().longAccumulator("xent invalid rows located");
    Scan scan = scan(spark, config, files, null, true, found);
    int n = scan.inputColumns();
    JavaRDD<Gates.InvalidRow> located =
        scan.internal()
            .mapPartitions(
                it -> {
                  Gates.InvalidRow first = null;
                  while (it.hasNext()) {
                    InternalRow row = it.next();
                    first =
                        Gates.InvalidRow.first(
                            first,
                            new Gates.InvalidRow(
                                row.getUTF8String(n + 1).toString(),
                                row.getLong(n + 2),
                                row.getUTF8String(n + 3).toString()));
                  }
                  return first == null
                      ? List.<Gates.InvalidRow>of().iterator()
                      : List.of(first).iterator();
                });
    List<Gates.InvalidRow> firsts = located.collect();
    Gates.InvalidRow first = null;
    for (Gates.InvalidRow row : firsts) {
      first = Gates.InvalidRow.first(first, row);
    }
    return first;
  }

  /**
   * The invalid rows as internal rows: the input's columns, then status, file path, row index and
   * (with {@code detail}) what is wrong, and the same as a DataFrame.
   */
  private record Scan(JavaRDD<InternalRow> internal, Dataset<Row> rows, StructType inputSchema) {
    int inputColumns() {
      return inputSchema.size();
    }

    Column[] quarantineColumns() {
      List<Column> columns = new ArrayList<>();
      for (String name : inputSchema.fieldNames()) {
        columns.add(quoted(name));
      }
      columns.add(col(STATUS));
      return columns.toArray(new Column[0]);
    }
  }

  private static Scan scan(
      SparkSession spark,
      EvaluateConfig config,
      InputFiles files,
      Broadcast<Map<String, Positions>> listed,
      boolean detail,
      LongAccumulator found) {
    Dataset<Row> input = EvaluateJob.load(spark, config, files);
    if (config.filter() != null) {
      input = Slices.filter(input, config.filter());
    }
    StructType schema = input.schema();
    checkColumns(Arrays.asList(schema.fieldNames()));
    boolean parquet = config.format() == EvaluateConfig.Format.PARQUET;
    if (listed != null) {
      // Only the files that hold invalid rows are read again (Spark prunes files by file_path).
      input =
          input.filter(
              col("_metadata.file_path").isin(listed.value().keySet().toArray(new Object[0])));
    }
    List<Column> selected = new ArrayList<>();
    for (String name : schema.fieldNames()) {
      selected.add(quoted(name));
    }
    Column logits = quoted(config.logitsColumn());
    if (InputSchema.needsIntegralLogitsCast(schema, config)) {
      logits = logits.cast(DataTypes.createArrayType(DataTypes.DoubleType));
    }
    selected.add(logits);
    selected.add(quoted(config.targetColumn()));
    selected.add(config.weighted() ? quoted(config.weightColumn()) : lit(null));
    selected.add(col("_metadata.file_path"));
    // Spark numbers Parquet rows itself; other formats are counted per file below.
    selected.add(parquet ? col("_metadata.row_index") : col("_metadata.file_block_start"));
    Dataset<Row> scored = input.select(selected.toArray(new Column[0]));
    StructType scoredSchema = scored.schema();
    int n = schema.size();
    DataType logitsType = scoredSchema.fields()[n].dataType();
    DataType targetType = scoredSchema.fields()[n + 1].dataType();
    DataType weightType = config.weighted() ? scoredSchema.fields()[n + 2].dataType() : null;
    boolean sigmoid = config.loss() == EvaluateConfig.Loss.SIGMOID;
    RowScorer scorer = listed == null ? new RowScorer(logitsType, targetType, sigmoid) : null;
    DataType[] types = new DataType[n];
    for (int i = 0; i < n; i++) {
      types[i] = schema.fields()[i].dataType();
    }
    Filter filter =
        new Filter(
            n,
            types,
            logitsType,
            targetType,
            weightType,
            scorer,
            config.audit(),
            listed,
            parquet,
            detail,
            found);
    var internal =
        ((org.apache.spark.sql.classic.Dataset<Row>) scored)
            .queryExecution()
            .toRdd()
            .toJavaRDD()
            .mapPartitions(filter::apply);
    StructType out = schema.add(STATUS, DataTypes.StringType, false);
    out = out.add("_xent_file", DataTypes.StringType, false);
    out = out.add("_xent_row", DataTypes.LongType, false);
    out = out.add("_xent_detail", DataTypes.StringType, true);
    var classic = (org.apache.spark.sql.classic.SparkSession) spark;
    Dataset<Row> rows = classic.internalCreateDataFrame(internal.rdd(), out, false);
    return new Scan(internal, rows, schema);
  }

  private static Column quoted(String name) {
    return col("`" + name.replace("`", "``") + "`");
  }

  /**
   * Keeps the invalid rows of a partition: listed by the page reader, or scored again. Rows are
   * copied only when kept, so the pass over valid rows allocates nothing per row.
   */
  private record Filter(
      int n,
      DataType[] types,
      DataType logitsType,
      DataType targetType,
      DataType weightType,
      RowScorer scorer,
      AuditOptions options,
      Broadcast<Map<String, Positions>> listed,
      boolean parquet,
      boolean detail,
      LongAccumulator found)
      implements Serializable {

    Iterator<InternalRow> apply(Iterator<InternalRow> rows) {
      RowAuditor auditor = scorer == null ? null : new RowAuditor(options);
      // A scratch evaluation: only the verdict of each row is used here.
      Evaluation scratch = scorer == null ? null : new Evaluation(options);
      Map<String, Positions> positions = listed == null ? null : listed.value();
      return new Iterator<>() {
        private InternalRow next;
        private UTF8String file;
        private Positions filePositions;
        private long counted;

        @Override
        public boolean hasNext() {
          while (next == null && rows.hasNext()) {
            next = keep(rows.next());
          }
          return next != null;
        }

        @Override
        public InternalRow next() {
          if (!hasNext()) {
            throw new NoSuchElementException();
          }
          InternalRow row = next;
          next = null;
          return row;
        }

        private InternalRow keep(InternalRow row) {
          UTF8String path = row.getUTF8String(n + 3);
          if (!path.equals(file)) {
            file = path.clone();
            filePositions = positions == null ? null : positions.get(file.toString());
            counted = 0;
          }
          long index;
          if (parquet) {
            index = row.getLong(n + 4);
          } else {
            // Rows of a file split that starts at byte 0 are counted from the file's first row.
            index = row.getLong(n + 4) == 0 ? counted : -1;
            counted++;
          }
          Reason reason;
          if (positions != null) {
            reason = filePositions == null ? null : filePositions.of(index);
          } else {
            reason = audit(row);
            reason = reason.isInvalid() ? reason : null;
          }
          if (reason == null) {
            return null;
          }
          found.add(1);
          Object[] values = new Object[n + 4];
          InternalRow copy = row.copy();
          for (int i = 0; i < n; i++) {
            values[i] = copy.isNullAt(i) ? null : copy.get(i, types[i]);
          }
          values[n] = UTF8String.fromString(reason.code());
          values[n + 1] = file;
          values[n + 2] = index;
          values[n + 3] = detail ? UTF8String.fromString(describe(row, reason)) : null;
          return new GenericInternalRow(values);
        }

        private Reason audit(InternalRow row) {
          return scorer.audit(logits(row), label(row), weight(row), auditor, scratch);
        }

        private Object logits(InternalRow row) {
          return row.isNullAt(n) ? null : row.get(n, logitsType);
        }

        private Object label(InternalRow row) {
          return row.isNullAt(n + 1) ? null : row.get(n + 1, targetType);
        }

        private double weight(InternalRow row) {
          return weightType == null || row.isNullAt(n + 2)
              ? Double.NaN
              : InputTypes.numericValue(row.get(n + 2, weightType));
        }

        private String describe(InternalRow row, Reason reason) {
          return scorer.describe(reason, logits(row), label(row), weight(row));
        }
      };
    }
  }
}
