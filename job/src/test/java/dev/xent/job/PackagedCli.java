package dev.xent.job;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged CLI in a JVM of its own, started as scripts/xent starts it. */
final class PackagedCli {
  private PackagedCli() {}

  static final Path ROOT = projectRoot();

  record Result(int exitCode, String out, String err) {}

  /**
   * Starts {@code xent ARGS} with heap {@code heap}; stdout and stderr go to files in {@code tmp}.
   */
  static Started start(Path tmp, String heap, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    String options =
        Files.readString(ROOT.resolve("job/target/classes/xent-jvm-options.txt")).trim();
    command.addAll(Arrays.asList(options.split("\\s+")));
    command.add("-Xmx" + heap);
    command.add("-Dlog4j2.configurationFile=" + ROOT.resolve("conf/log4j2-cli.properties"));
    command.add("-cp");
    command.add(
        ROOT.resolve("job/target/xent-job.jar")
            + File.pathSeparator
            + Files.readString(ROOT.resolve("job/target/spark-classpath.txt")).trim());
    command.add("dev.xent.job.cli.XentCli");
    command.addAll(Arrays.asList(args));
    return launch(tmp, command);
  }

  /** Starts any command from the project root. */
  static Started launch(Path tmp, List<String> command) throws IOException {
    File out = Files.createTempFile(tmp, "out", ".txt").toFile();
    File err = Files.createTempFile(tmp, "err", ".txt").toFile();
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectOutput(out).redirectError(err);
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    return new Started(builder.start(), command, out.toPath(), err.toPath());
  }

  /** Runs {@code xent ARGS} to its end (at most 10 minutes). */
  static Result run(Path tmp, String heap, String... args) throws Exception {
    return start(tmp, heap, args).await(10);
  }

  /** Runs any command, failing after {@code minutes}. */
  static Result exec(Path tmp, List<String> command, int minutes) throws Exception {
    return launch(tmp, command).await(minutes);
  }

  /** A started CLI process. */
  record Started(Process process, List<String> command, Path out, Path err) {
    Result await(int minutes) throws Exception {
      if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
        process.destroyForcibly();
        throw new AssertionError(command + " timed out; stderr:\n" + Files.readString(err));
      }
      return new Result(process.exitValue(), Files.readString(out), Files.readString(err));
    }
  }

  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("scripts/xent"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException("Cannot find the project root above " + Path.of(""));
    }
    return dir;
  }
}
