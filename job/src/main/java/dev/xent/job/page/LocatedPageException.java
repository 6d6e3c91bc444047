package dev.xent.job.page;

import java.io.IOException;

/**
 * A page that could not be decoded, its column and page already named in the message, so that the
 * readers wrapping it (the logits rows around a label page) add nothing but the file and row group.
 */
final class LocatedPageException extends IOException {
  LocatedPageException(String message, Throwable cause) {
    super(message, cause);
  }

  /** "column 'label' page 3 (rows from 60000): why". */
  static LocatedPageException of(String[] columnPath, String page, Throwable cause) {
    if (cause instanceof LocatedPageException located) {
      return located;
    }
    return new LocatedPageException(
        "column '"
            + String.join(".", columnPath)
            + "'"
            + (page == null ? "" : " " + page)
            + ": "
            + cause.getMessage(),
        cause);
  }
}
