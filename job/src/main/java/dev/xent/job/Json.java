package dev.xent.job;

import java.util.List;
import java.util.Map;

/**
 * A small JSON writer for metrics and {@code sql --json}: doubles are written with {@link
 * Double#toString} (round-trip exact, locale independent), ±∞ as the strings "Infinity" and
 * "-Infinity", NaN as null.
 */
public final class Json {
  private Json() {}

  public static String write(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, -1, 0);
    return out.toString();
  }

  /** Pretty-printed with two-space indentation. */
  public static String pretty(Object value) {
    StringBuilder out = new StringBuilder();
    write(out, value, 2, 0);
    return out.append('\n').toString();
  }

  private static void write(StringBuilder out, Object value, int indent, int depth) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Double || value instanceof Float) {
      writeDouble(out, ((Number) value).doubleValue());
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else if (value instanceof Map<?, ?> map) {
      writeObject(out, map, indent, depth);
    } else if (value instanceof List<?> list) {
      writeArray(out, list, indent, depth);
    } else {
      writeString(out, value.toString());
    }
  }

  private static void writeDouble(StringBuilder out, double v) {
    if (Double.isNaN(v)) {
      out.append("null");
    } else if (Double.isInfinite(v)) {
      out.append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
    } else {
      out.append(v);
    }
  }

  private static void writeObject(StringBuilder out, Map<?, ?> map, int indent, int depth) {
    out.append('{');
    boolean first = true;
    for (Map.Entry<?, ?> entry : map.entrySet()) {
      out.append(first ? "" : ",");
      newline(out, indent, depth + 1);
      writeString(out, String.valueOf(entry.getKey()));
      out.append(indent >= 0 ? ": " : ":");
      write(out, entry.getValue(), indent, depth + 1);
      first = false;
    }
    if (!map.isEmpty()) {
      newline(out, indent, depth);
    }
    out.append('}');
  }

  private static void writeArray(StringBuilder out, List<?> list, int indent, int depth) {
    out.append('[');
    for (int i = 0; i < list.size(); i++) {
      out.append(i == 0 ? "" : indent >= 0 ? ", " : ",");
      write(out, list.get(i), indent, depth + 1);
    }
    out.append(']');
  }

  private static void newline(StringBuilder out, int indent, int depth) {
    if (indent >= 0) {
      out.append('\n').append(" ".repeat(indent * depth));
    }
  }

  private static void writeString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
