package dev.xent.job.cli;

import dev.xent.job.EvaluateConfig.Loss;

/** softmax|sigmoid. */
final class LossConverter extends EnumConverter<Loss> {
  LossConverter() {
    super(Loss.class);
  }
}
