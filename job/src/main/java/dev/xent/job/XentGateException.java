package dev.xent.job;

/**
 * A quality gate failed ({@code --max-invalid-fraction}, {@code --strict}): the run itself worked,
 * but the data did not pass. Reported with its message alone and exit code 3. {@link #metrics()}
 * holds the run's metrics when they were computed and written (the fraction gate), else null (the
 * strict gate stops before anything is written).
 */
public final class XentGateException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Metrics metrics;

  public XentGateException(String message, Metrics metrics) {
    super(message);
    this.metrics = metrics;
  }

  public Metrics metrics() {
    return metrics;
  }
}
