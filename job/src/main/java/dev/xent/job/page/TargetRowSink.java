package dev.xent.job.page;

/**
 * Receives the rows of a dense or sigmoid request ({@link RowShape} other than sparse). A row whose
 * logits or target is NULL, or holds a NULL element, comes as {@link #nullRow} with a NaN label.
 * Scalar logits and scalar targets come as arrays of one, as Spark's row scorer makes them. Arrays
 * are reused between calls, as for {@link PageRowSink}.
 */
public interface TargetRowSink extends PageRowSink {
  void row(float[] logits, double[] targets, double weight);

  void row(double[] logits, double[] targets, double weight);
}
