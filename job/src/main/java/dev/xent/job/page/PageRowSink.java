package dev.xent.job.page;

/**
 * Receives the rows of a {@link PageTask} in file order. The array is reused between calls: it is
 * valid only during the call, and its length is exactly the row's (0 for an empty list). {@code
 * weight} is the row's weight, NaN when it is NULL or the run has no weight column.
 */
public interface PageRowSink {
  /**
   * The logits list is null or holds a null element, or the label is null (null_input). {@code
   * label} is the row's label, NaN when it is the label that is null.
   */
  void nullRow(double label);

  void row(float[] logits, double label, double weight);

  void row(double[] logits, double label, double weight);
}
