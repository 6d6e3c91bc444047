package dev.xent.job.page;

/**
 * Receives the rows of a {@link PageTask} in file order. The array is reused between calls: it is
 * valid only during the call, and its length is exactly the row's (0 for an empty list). {@code
 * weight} is the row's weight, NaN when it is NULL or the run has no weight column.
 */
public interface PageRowSink {
  /**
   * The rows that follow begin at row {@code fileRow} of the task's file (0-based, counted over all
   * row groups of the file, as Spark's {@code _metadata.row_index}): called before each piece, for
   * sinks that need to know where a row is.
   */
  default void piece(long fileRow) {}

  /**
   * Thrown by a sink to end the task early (e.g. at the first invalid row under {@code --strict});
   * the reader lets it through unwrapped.
   */
  class Stop extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public Stop() {
      super("stopped by the row sink", null, false, false);
    }
  }

  /**
   * The logits list is null or holds a null element, or the label is null (null_input). {@code
   * label} is the row's label, NaN when it is the label that is null.
   */
  void nullRow(double label);

  void row(float[] logits, double label, double weight);

  void row(double[] logits, double label, double weight);
}
