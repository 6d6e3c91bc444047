package dev.xent.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/** The version Maven stamped into {@code xent-version.properties} at build time. */
public final class XentVersion {
  private XentVersion() {}

  public static String get() {
    try (InputStream in = XentVersion.class.getResourceAsStream("/xent-version.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties properties = new Properties();
      properties.load(in);
      return properties.getProperty("version", "unknown");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
