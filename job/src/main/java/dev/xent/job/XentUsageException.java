package dev.xent.job;

/**
 * A problem with what the user asked for (a missing column, a wrong type, an output that exists):
 * reported with its message alone and exit code 2, before any data is scanned.
 */
public final class XentUsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public XentUsageException(String message) {
    super(message);
  }
}
