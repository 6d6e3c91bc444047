package dev.xent.job.cli;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;

/**
 * {@code --verbose}: Spark's INFO, WARN and ERROR lines back on, whatever the CLI's log file says.
 */
final class CliLogging {
  private CliLogging() {}

  static void apply(SparkOptions options) {
    if (options.verbose) {
      Configurator.setRootLevel(Level.INFO);
    }
  }
}
