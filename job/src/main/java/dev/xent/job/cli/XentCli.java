package dev.xent.job.cli;

import dev.xent.job.XentUsageException;
import dev.xent.job.XentVersion;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code xent} command line. Exit codes: 0 success, 2 a usage or input-schema problem found
 * before any data was scanned (or an output that would be overwritten), 1 a failure while running.
 */
@Command(
    name = "xent",
    mixinStandardHelpOptions = true,
    versionProvider = XentCli.Version.class,
    description = "Exact cross-entropy evaluation of logits on Spark.",
    subcommands = {EvaluateCommand.class, GenerateCommand.class, SqlCommand.class})
public final class XentCli implements Runnable {
  public static final int EXIT_USAGE = 2;
  public static final int EXIT_FAILURE = 1;

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
    cli.setExecutionExceptionHandler(XentCli::handle);
    return cli;
  }

  private static int handle(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
    PrintWriter err = cli.getErr();
    if (e instanceof XentUsageException) {
      err.println(e.getMessage());
      err.flush();
      return EXIT_USAGE;
    }
    err.println("xent: " + e);
    e.printStackTrace(err);
    err.flush();
    return EXIT_FAILURE;
  }

  /** The version from the build. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"xent " + XentVersion.get()};
    }
  }
}
