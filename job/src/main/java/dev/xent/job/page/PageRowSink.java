package dev.xent.job.page;

/**
 * Receives the rows of a {@link PageTask} in file order. The array is reused between calls: it is
 * valid only during the call, and its length is exactly the row's (0 for an empty list).
 */
public interface PageRowSink {
  /** The logits list is null, holds a null element, or the label is null (null_input). */
  void nullRow();

  void row(float[] logits, double label);

  void row(double[] logits, double label);
}
