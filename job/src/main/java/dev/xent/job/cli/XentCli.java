package dev.xent.job.cli;

import dev.xent.job.XentGateException;
import dev.xent.job.XentRunException;
import dev.xent.job.XentUsageException;
import dev.xent.job.XentVersion;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code xent} command line. Exit codes: 0 success, 2 a usage or input-schema problem found
 * before any data was scanned (or an output that would be overwritten), 1 a failure while running,
 * 3 a quality gate failed ({@code --max-invalid-fraction}, {@code --strict}).
 */
@Command(
    name = "xent",
    mixinStandardHelpOptions = true,
    versionProvider = XentCli.Version.class,
    description = "Exact cross-entropy evaluation of logits on Spark.",
    subcommands = {
      EvaluateCommand.class,
      GenerateCommand.class,
      SqlCommand.class,
      ReportCommand.class
    })
public final class XentCli implements Runnable {
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_FAILURE = 1;
  public static final int EXIT_GATE = 3;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "Missing command");
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code. */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** Runs the command line with its output and errors going to the given writers. */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cli = commandLine();
    cli.setOut(out);
    cli.setErr(err);
    return cli.execute(args);
  }

  private static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new XentCli());
    // "@FILE" is a value of --class-weights, not a file of arguments to expand.
    cli.setExpandAtFiles(false);
    cli.setExecutionExceptionHandler(XentCli::handle);
    return cli;
  }

  private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    if (e instanceof XentUsageException) {
      err.println("xent: " + e.getMessage());
      err.flush();
      return EXIT_USAGE;
    }
    if (e instanceof XentGateException) {
      err.println("xent: " + e.getMessage());
      err.flush();
      return EXIT_GATE;
    }
    boolean verbose = parsed != null && parsed.hasMatchedOption("--verbose");
    if (parsed != null && parsed.subcommand() != null) {
      verbose |= parsed.subcommand().hasMatchedOption("--verbose");
    }
    String log = writeTrace(e);
    err.println(
        "xent: "
            + failureMessage(e)
            + (log == null ? "" : " (full trace: " + log + "; --verbose prints it)"));
    if (verbose) {
      e.printStackTrace(err);
    }
    err.flush();
    return EXIT_FAILURE;
  }

  /**
   * The line a person can act on: the innermost "Cannot ..." message of the cause chain (xent's
   * own, wrapped by Spark's task failure), else the root cause's.
   */
  static String failureMessage(Throwable e) {
    String cannot = null;
    Throwable root = e;
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof XentRunException) {
        cannot = t.getMessage();
        break;
      }
      String message = t.getMessage();
      if (message != null && message.startsWith("Cannot ")) {
        cannot = message;
      }
      root = t;
      if (t.getCause() == t) {
        break;
      }
    }
    String message = cannot != null ? cannot : String.valueOf(root.getMessage());
    if (cannot == null) {
      message = "Cannot run: " + root.getClass().getSimpleName() + ": " + message;
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }

  /** The full stack trace into a file of its own; its path, or null when it cannot be written. */
  private static String writeTrace(Throwable e) {
    try {
      java.nio.file.Path file = java.nio.file.Files.createTempFile("xent-failure-", ".log");
      try (PrintWriter out = new PrintWriter(java.nio.file.Files.newBufferedWriter(file), true)) {
        e.printStackTrace(out);
      }
      return file.toString();
    } catch (java.io.IOException | RuntimeException ignored) {
      return null;
    }
  }

  /** The version from the build. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"xent " + XentVersion.get()};
    }
  }
}
