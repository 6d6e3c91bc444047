package dev.xent.job.cli;

import dev.xent.job.EvaluateConfig.Loss;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** softmax|sigmoid, case-insensitive. */
final class LossConverter implements ITypeConverter<Loss> {
  @Override
  public Loss convert(String value) {
    try {
      return Loss.valueOf(value.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException("expected softmax or sigmoid, got '" + value + "'");
    }
  }
}
