package dev.xent.job;

/**
 * A failure while running (a damaged file found by a task, ...) already put in words a person can
 * act on; exit code 1, and its message is the line printed.
 */
public final class XentRunException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public XentRunException(String message, Throwable cause) {
    super(message, cause);
  }
}
