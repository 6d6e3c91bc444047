package dev.xent.job.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;

/** Numbers as the report prints them: locale independent, undefined as a dash. */
final class Fmt {
  private Fmt() {}

  static final String UNDEFINED = "—";

  /** A metrics.json number: a JSON number, "Infinity"/"-Infinity", or null (undefined). */
  static double number(JsonNode node) {
    if (node == null || node.isNull() || node.isMissingNode()) {
      return Double.NaN;
    }
    if (node.isTextual()) {
      return switch (node.asText()) {
        case "Infinity" -> Double.POSITIVE_INFINITY;
        case "-Infinity" -> Double.NEGATIVE_INFINITY;
        default -> Double.NaN;
      };
    }
    return node.isNumber() ? node.doubleValue() : Double.NaN;
  }

  /**
   * Six significant digits (enough to compare runs by eye; metrics.json has every bit); whole
   * numbers from 1,000 on with thousands separators, as counts are.
   */
  static String real(double v) {
    // Whole numbers (weights of unweighted rows, sums of weights) read like the counts beside them.
    if (v == Math.rint(v) && Math.abs(v) >= 1000 && Math.abs(v) < 1e15) {
      return count((long) v);
    }
    return digits(v);
  }

  /** Six significant digits, no thousands separators (bin edges are constants, not amounts). */
  private static String digits(double v) {
    if (Double.isNaN(v)) {
      return UNDEFINED;
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "∞" : "−∞";
    }
    if (v == 0) {
      return "0";
    }
    double magnitude = Math.abs(v);
    if (magnitude >= 1e-4 && magnitude < 1e9) {
      String s = String.format(Locale.ROOT, "%.6g", v);
      if (s.contains(".") && !s.contains("e")) {
        s = s.replaceAll("0+$", "").replaceAll("\\.$", "");
      }
      return s;
    }
    return String.format(Locale.ROOT, "%.5e", v).replaceAll("\\.?0+e", "e");
  }

  static String count(long n) {
    return String.format(Locale.ROOT, "%,d", n);
  }

  static String percent(double fraction) {
    return Double.isNaN(fraction)
        ? UNDEFINED
        : String.format(Locale.ROOT, "%.2f %%", 100 * fraction);
  }

  /** An SVG coordinate: one decimal, a dot whatever the locale. */
  static String px(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }

  /** Four significant digits, for bin edges such as 1/15. */
  static String brief(double v) {
    if (!Double.isFinite(v) || v == 0) {
      return real(v);
    }
    String s = String.format(Locale.ROOT, "%.4g", v);
    return s.contains(".") && !s.contains("e") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }

  private static final String SUPERSCRIPTS = "⁰¹²³⁴⁵⁶⁷⁸⁹";

  /**
   * The exponent k of a loss bin edge 2^k written as a power (k < −3: 2⁻⁴⁰ is shorter than its
   * decimal), or null for an edge written as a number (0, 0.125 … 1024, ∞).
   */
  static Integer powerOfTwo(double v) {
    if (v == 0 || !Double.isFinite(v)) {
      return null;
    }
    int exponent = Math.getExponent(v);
    return v == Math.scalb(1.0, exponent) && exponent < -3 ? exponent : null;
  }

  /** A loss bin edge as text: 0, ∞, 0.125 … 1024, or 2 with a superscript exponent (2⁻⁴⁰). */
  static String edge(double v) {
    if (Double.isInfinite(v)) {
      return "∞";
    }
    Integer exponent = powerOfTwo(v);
    if (exponent == null) {
      return digits(v);
    }
    StringBuilder s = new StringBuilder("2⁻");
    for (char c : Integer.toString(-exponent).toCharArray()) {
      s.append(SUPERSCRIPTS.charAt(c - '0'));
    }
    return s.toString();
  }

  /** The axis-label form of a bin edge: base and exponent, the exponent "" when it has none. */
  static String[] edgeLabel(double v) {
    Integer exponent = powerOfTwo(v);
    return exponent == null ? new String[] {edge(v), ""} : new String[] {"2", "−" + (-exponent)};
  }
}
