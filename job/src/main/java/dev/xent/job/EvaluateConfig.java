package dev.xent.job;

import dev.xent.kernel.AuditOptions;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Everything {@code evaluate} needs, validated by the CLI and immutable from then on.
 *
 * @param input the dataset path (any Hadoop file system)
 * @param format parquet, orc or json
 * @param logitsColumn the logits column
 * @param labelColumn the column of integer labels, or null when {@code labelsColumn} is given
 * @param labelsColumn the column of probability / target rows, or null
 * @param loss softmax or sigmoid
 * @param output the directory for metrics.json, or null
 * @param perRow the directory for per-row output, or null
 * @param perRowFormat parquet or json
 * @param overwrite whether existing non-empty output directories may be replaced
 * @param reader which Parquet reader scans the input: auto (the page reader where it can, else
 *     Spark's), page (fail if it cannot) or spark
 * @param weightColumn the per-row weight column ({@code --weight}), or null
 * @param audit the loss definition and what is tallied besides it
 * @param groupBy the slice columns ({@code --group-by}), empty for none
 * @param filter a SQL predicate selecting the audited rows ({@code --filter}), or null
 * @param minSliceRows scored rows a slice needs to be an outlier candidate
 * @param skipCorruptFiles leave out (and list) input files whose footer cannot be read, instead of
 *     failing
 * @param quarantine where the invalid rows are written ({@code DIR/invalid} by default with {@code
 *     --output DIR}, {@code --quarantine PATH}), or null for none ({@code --no-quarantine})
 * @param maxInvalidFraction the gate {@code --max-invalid-fraction}: the run fails (exit 3, after
 *     writing everything) when {@code rows_invalid / rows} is above it; null for none
 * @param strict the gate {@code --strict}: stop at the first invalid row (exit 3, nothing written)
 * @param report write {@code report.html} into {@code output} (when given)
 */
public record EvaluateConfig(
    String input,
    Format format,
    String logitsColumn,
    String labelColumn,
    String labelsColumn,
    Loss loss,
    String output,
    String perRow,
    Format perRowFormat,
    boolean overwrite,
    Reader reader,
    String weightColumn,
    AuditOptions audit,
    List<String> groupBy,
    String filter,
    int minSliceRows,
    boolean skipCorruptFiles,
    String quarantine,
    Double maxInvalidFraction,
    boolean strict,
    boolean report) {

  public static final int MIN_SLICE_ROWS_DEFAULT = 30;

  /** Whether {@code --output} gets report.html ({@code --report}, off with {@code --no-report}). */
  public static final boolean REPORT_DEFAULT = true;

  /** A plain evaluation: no weights, slices or filter, default audit options. */
  public EvaluateConfig(
      String input,
      Format format,
      String logitsColumn,
      String labelColumn,
      String labelsColumn,
      Loss loss,
      String output,
      String perRow,
      Format perRowFormat,
      boolean overwrite,
      Reader reader) {
    this(
        input,
        format,
        logitsColumn,
        labelColumn,
        labelsColumn,
        loss,
        output,
        perRow,
        perRowFormat,
        overwrite,
        reader,
        null,
        AuditOptions.plain(),
        List.of(),
        null,
        MIN_SLICE_ROWS_DEFAULT,
        false,
        null,
        null,
        false,
        REPORT_DEFAULT);
  }

  /** The directory under {@code --output} that holds the quarantine unless told otherwise. */
  public static final String QUARANTINE_DEFAULT = "invalid";

  /**
   * Where the quarantine goes: {@code --quarantine PATH} when given, else {@code DIR/invalid} with
   * {@code --output DIR}, else nowhere; {@code --no-quarantine} turns it off.
   */
  public static String quarantinePath(String output, String quarantine, boolean noQuarantine) {
    if (noQuarantine) {
      if (quarantine != null) {
        throw new XentUsageException(
            "Cannot evaluate: give --quarantine PATH or --no-quarantine, not both");
      }
      return null;
    }
    if (quarantine != null) {
      return quarantine;
    }
    return output == null ? null : output.replaceAll("/+$", "") + "/" + QUARANTINE_DEFAULT;
  }

  /** The input and per-row file formats. */
  public enum Format {
    PARQUET,
    ORC,
    JSON;

    public String sparkName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The input reader: {@code --reader auto|page|spark}. */
  public enum Reader {
    AUTO,
    PAGE,
    SPARK;

    public String cliName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The loss family. */
  public enum Loss {
    SOFTMAX,
    SIGMOID;

    public String sqlName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public EvaluateConfig {
    if (reader == null) {
      reader = Reader.AUTO;
    }
    if ((labelColumn == null) == (labelsColumn == null)) {
      throw new XentUsageException("Cannot evaluate: give exactly one of --label and --labels");
    }
    if (perRowFormat == Format.ORC) {
      throw new XentUsageException("Cannot evaluate: --per-row-format must be parquet or json");
    }
    audit = audit == null ? AuditOptions.plain() : audit;
    groupBy = groupBy == null ? List.of() : List.copyOf(groupBy);
    if (audit.weighted() != (weightColumn != null)) {
      throw new IllegalArgumentException(
          "Cannot evaluate: the audit's weighting and --weight differ");
    }
    if (loss == Loss.SIGMOID) {
      if (audit.perClass()) {
        throw new XentUsageException(
            "Cannot evaluate: --per-class needs softmax rows (sigmoid rows have no single class)");
      }
      if (audit.topK().length > 0) {
        throw new XentUsageException(
            "Cannot evaluate: --top-k needs softmax rows (sigmoid rows have no single class)");
      }
    }
    if (audit.ignoreIndex() != null && labelColumn == null) {
      throw new XentUsageException(
          "Cannot evaluate: --ignore-index needs integer labels (--label), not --labels");
    }
    if (audit.ignoreIndex() != null && loss == Loss.SIGMOID) {
      throw new XentUsageException(
          "Cannot evaluate: --ignore-index needs softmax class labels, not sigmoid targets");
    }
    if (perRow != null
        && (audit.labelSmoothing() != 0.0
            || audit.classWeights() != null
            || audit.ignoreIndex() != null)) {
      throw new XentUsageException(
          "Cannot write --per-row with --label-smoothing, --class-weights or --ignore-index:"
              + " per-row output holds the plain loss of every row; audit without --per-row");
    }
    if (maxInvalidFraction != null && !(maxInvalidFraction >= 0.0 && maxInvalidFraction <= 1.0)) {
      throw new XentUsageException(
          "Cannot evaluate: --max-invalid-fraction must be in [0, 1], got " + maxInvalidFraction);
    }
    if (minSliceRows < 1) {
      throw new XentUsageException(
          "Cannot evaluate: --min-slice-rows must be at least 1, got " + minSliceRows);
    }
  }

  /** Whether rows carry a weight ({@code --weight}). */
  public boolean weighted() {
    return weightColumn != null;
  }

  /** The label or labels column, whichever was given. */
  public String targetColumn() {
    return labelColumn != null ? labelColumn : labelsColumn;
  }

  /** The options the input reader gets for this format. */
  /**
   * parquet-java's switch for checking each page's CRC32 when the page header has one: on in both
   * readers unless the Hadoop conf sets it to false (for measuring what the check costs).
   */
  public static final String VERIFY_PAGE_CHECKSUMS = "parquet.page.verify-checksum.enabled";

  /** Whether pages' checksums are verified under this Hadoop conf. */
  public static boolean verifyPageChecksums(org.apache.hadoop.conf.Configuration hadoop) {
    return hadoop.getBoolean(VERIFY_PAGE_CHECKSUMS, true);
  }

  public Map<String, String> readerOptions() {
    // JSON model outputs carry NaN/Infinity tokens; reject nothing at read time, count it later.
    return format == Format.JSON
        ? Map.of("allowNonNumericNumbers", "true", "mode", "FAILFAST")
        : Map.of();
  }
}
