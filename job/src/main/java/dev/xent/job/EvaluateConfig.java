package dev.xent.job;

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
    Reader reader) {

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
  }

  /** The label or labels column, whichever was given. */
  public String targetColumn() {
    return labelColumn != null ? labelColumn : labelsColumn;
  }

  /** The options the input reader gets for this format. */
  public Map<String, String> readerOptions() {
    // JSON model outputs carry NaN/Infinity tokens; reject nothing at read time, count it later.
    return format == Format.JSON
        ? Map.of("allowNonNumericNumbers", "true", "mode", "FAILFAST")
        : Map.of();
  }
}
