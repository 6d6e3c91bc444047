package dev.xent.job.cli;

import dev.xent.job.EvaluateConfig.Reader;

/** {@code --reader auto|page|spark}. */
final class ReaderConverter extends EnumConverter<Reader> {
  ReaderConverter() {
    super(Reader.class);
  }
}
