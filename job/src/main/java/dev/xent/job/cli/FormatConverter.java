package dev.xent.job.cli;

import dev.xent.job.EvaluateConfig.Format;

/** parquet|orc|json. */
final class FormatConverter extends EnumConverter<Format> {
  FormatConverter() {
    super(Format.class);
  }
}
