package dev.xent.job;

import java.io.Serializable;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/**
 * The quality gates of {@code evaluate}: {@code --max-invalid-fraction F}, checked after every
 * output is written, and {@code --strict}, which stops at the first invalid row before anything is
 * written. Both fail with a {@link XentGateException} (exit code 3).
 */
final class Gates {
  private Gates() {}

  /**
   * One invalid row: its file (in the form of Spark's {@code _metadata.file_path}, a URI string),
   * its 0-based row index in that file ({@code -1} when the reader cannot tell, e.g. inside a split
   * JSON file) and what is wrong with it. Ordered by file, then row index: the "first" invalid row
   * is the least in this order, whichever task found it first.
   */
  record InvalidRow(String file, long row, String detail)
      implements Serializable, Comparable<InvalidRow> {
    @Override
    public int compareTo(InvalidRow other) {
      int byFile = file.compareTo(other.file);
      return byFile != 0 ? byFile : Long.compare(row, other.row);
    }

    static InvalidRow first(InvalidRow a, InvalidRow b) {
      if (a == null) {
        return b;
      }
      return b == null || a.compareTo(b) <= 0 ? a : b;
    }
  }

  static XentGateException strict(InvalidRow row) {
    String where = row.row() >= 0 ? "row " + row.row() + " of " : "a row of ";
    return new XentGateException(
        "Gate failed (--strict): " + where + row.file() + " is invalid: " + row.detail(), null);
  }

  /**
   * Fails when {@code invalid / rows > max}, compared exactly with {@code max} as the shortest
   * decimal of its double (what the user typed: 0.3 is 3/10, not 0.29999...).
   */
  static void checkInvalidFraction(Double max, long invalid, long rows, Metrics metrics) {
    if (max == null || rows == 0) {
      return;
    }
    BigDecimal limit = BigDecimal.valueOf(max);
    if (BigDecimal.valueOf(invalid).compareTo(limit.multiply(BigDecimal.valueOf(rows))) <= 0) {
      return;
    }
    String percent =
        BigDecimal.valueOf(invalid)
            .multiply(BigDecimal.valueOf(100))
            .divide(BigDecimal.valueOf(rows), MathContext.DECIMAL64)
            .round(new MathContext(3))
            .stripTrailingZeros()
            .toPlainString();
    throw new XentGateException(
        String.format(
            Locale.ROOT,
            "Gate failed: %,d of %,d rows invalid (%s%%), above --max-invalid-fraction %s (%s%%)",
            invalid,
            rows,
            percent,
            limit.stripTrailingZeros().toPlainString(),
            limit.multiply(BigDecimal.valueOf(100)).stripTrailingZeros().toPlainString()),
        metrics);
  }
}
