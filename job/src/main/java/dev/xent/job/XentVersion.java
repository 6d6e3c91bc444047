package dev.xent.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version Maven stamped into {@code xent-version.properties} at build time. */
public final class XentVersion {
  private XentVersion() {}

  public static String get() {
    return property("version", "unknown");
  }

  /**
   * The git commit the jar was built from, with "-dirty" when the tree had uncommitted changes;
   * null when the build had no git repository to ask.
   */
  public static String commit() {
    String commit = property("commit", null);
    if (commit == null || commit.isEmpty() || commit.startsWith("${")) {
      return null;
    }
    return "true".equals(property("dirty", "false")) ? commit + "-dirty" : commit;
  }

  private static String property(String name, String absent) {
    try (InputStream in = XentVersion.class.getResourceAsStream("/xent-version.properties")) {
      if (in == null) {
        return absent;
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty(name, absent);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
