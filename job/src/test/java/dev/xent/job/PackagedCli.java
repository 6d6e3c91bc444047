package dev.xent.job;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The packaged CLI (job/target/xent-job.jar) in a JVM of its own, as scripts/xent starts it. */
final class PackagedCli {
  private PackagedCli() {}

  static final Path ROOT = projectRoot();

  record Result(int exitCode, String out, String err) {}

  /** Runs {@code xent ARGS} with a heap of {@code heap}, its output in files under {@code tmp}. */
  static Result run(Path tmp, String heap, String... args) throws Exception {
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
    return exec(tmp, command, 10);
  }

  /** Runs any command, failing after {@code minutes}. */
  static Result exec(Path tmp, List<String> command, int minutes) throws Exception {
    File out = Files.createTempFile(tmp, "out", ".txt").toFile();
    File err = Files.createTempFile(tmp, "err", ".txt").toFile();
    ProcessBuilder builder =
        new ProcessBuilder(command).directory(ROOT.toFile()).redirectOutput(out).redirectError(err);
    builder.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = builder.start();
    if (!process.waitFor(minutes, TimeUnit.MINUTES)) {
      process.destroyForcibly();
      throw new AssertionError(command + " timed out; stderr:\n" + Files.readString(err.toPath()));
    }
    return new Result(
        process.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
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
