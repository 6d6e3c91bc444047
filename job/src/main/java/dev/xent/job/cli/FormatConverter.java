package dev.xent.job.cli;

import dev.xent.job.EvaluateConfig.Format;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** parquet|orc|json, case-insensitive. */
final class FormatConverter implements ITypeConverter<Format> {
  @Override
  public Format convert(String value) {
    try {
      return Format.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("expected parquet, orc or json, got '" + value + "'");
    }
  }
}
