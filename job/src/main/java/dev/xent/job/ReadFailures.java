package dev.xent.job;

import dev.xent.job.page.PageChecksums;
import java.io.IOException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;

/**
 * Turns a failed scan into the line a person can act on: the file, and for a page whose checksum
 * does not match also the row group, column and page (parquet's own error names none of them).
 */
final class ReadFailures {
  private ReadFailures() {}

  private static final String CRC_FAILURE = "CRC checksum verification failed";

  /** The page reader's "Cannot read FILE row group N: ..." and Spark's FAILED_READ_FILE message. */
  private static final Pattern PAGE_READER_FILE = Pattern.compile("^Cannot read (\\S+) row group");

  private static final Pattern SPARK_FILE =
      Pattern.compile("Encountered error while reading file (\\S+?)\\.?(\\s|$)");

  /**
   * A clearer exception for {@code failure} when it is a read failure; else {@code failure} itself,
   * thrown as it is (a checked SparkException too, as Spark throws it).
   */
  static RuntimeException explain(
      Configuration hadoop,
      Exception failure,
      List<String> inputFiles,
      Collection<String> columns) {
    String file = null;
    boolean checksum = false;
    String root = null;
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      String message = String.valueOf(t.getMessage());
      checksum |= message.contains(CRC_FAILURE);
      if (file == null) {
        Matcher page = PAGE_READER_FILE.matcher(message);
        Matcher spark = SPARK_FILE.matcher(message);
        if (page.find()) {
          file = page.group(1);
        } else if (spark.find()) {
          file = spark.group(1);
        }
      }
      root = t.getClass().getSimpleName() + ": " + message;
    }
    if (checksum) {
      List<String> candidates = file == null ? inputFiles : List.of(file);
      for (String candidate : candidates) {
        Optional<String> page = locate(hadoop, candidate, columns);
        if (page.isPresent()) {
          return new XentRunException("Cannot read " + candidate + ": " + page.get(), failure);
        }
      }
      return new XentRunException(
          "Cannot read "
              + (file == null ? "the input" : file)
              + ": a page's CRC32 checksum does not match its bytes — the file is damaged",
          failure);
    }
    if (file != null && !hasCannot(failure)) {
      return new XentRunException("Cannot read " + file + ": " + root, failure);
    }
    throw ReadFailures.<RuntimeException>unchanged(failure);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Exception> T unchanged(Exception failure) throws T {
    throw (T) failure;
  }

  private static Optional<String> locate(
      Configuration hadoop, String file, Collection<String> columns) {
    try {
      return PageChecksums.firstMismatch(hadoop, new Path(file), columns);
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static boolean hasCannot(Throwable failure) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t.getMessage() != null && t.getMessage().startsWith("Cannot ")) {
        return true;
      }
    }
    return false;
  }
}
