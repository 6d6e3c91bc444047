package dev.xent.job;

import static dev.xent.job.JobTestSupport.assertMatchesGolden;
import static dev.xent.job.JobTestSupport.cli;
import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xent.job.JobTestSupport.Run;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;

/**
 * xent on real components started on this machine: a Spark standalone Master and two Workers
 * (scripts/cluster.sh, separate JVMs), jobs submitted through SparkSubmit with the shaded jar
 * (scripts/submit.sh), and HDFS from an in-process MiniDFSCluster (a real NameNode and DataNode).
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class ClusterIT {
  private static final Path ROOT = projectRoot();
  private static Path work;
  private static Path runDir;
  private static MiniDFSCluster hdfs;
  private static FileSystem hdfsFs;
  private static String hdfsUri;
  private static String master;
  private static Path generated;
  private static long finishedBefore;

  @BeforeAll
  @Timeout(value = 5, unit = TimeUnit.MINUTES)
  static void startClusterAndHdfs() throws Exception {
    work = Files.createTempDirectory("xent-cluster-it");
    runDir = work.resolve("cluster");
    // Should the JVM die before @AfterAll, the daemons must not outlive it.
    Runtime.getRuntime().addShutdownHook(new Thread(ClusterIT::stopCluster));
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("hdfs").toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
    hdfsFs = hdfs.getFileSystem();
    hdfsUri = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();
    Result started =
        run(
            List.of(
                "scripts/cluster.sh", "start", "--workers", "2", "--run-dir", runDir.toString()),
            180);
    assertThat(started.exitCode()).as(started.err()).isZero();
    master = started.out().strip().lines().reduce((a, b) -> b).orElseThrow();
    assertThat(master).startsWith("spark://127.0.0.1:");

    generated = work.resolve("generated");
    Run generate =
        cli(
            "generate",
            "--output",
            generated.toString(),
            "--rows",
            "600000",
            "--classes",
            "50",
            "--partitions",
            "6",
            "--seed",
            "11");
    assertThat(generate.exitCode()).as(generate.err()).isZero();
    hdfsFs.copyFromLocalFile(
        new org.apache.hadoop.fs.Path(generated.toUri()),
        new org.apache.hadoop.fs.Path("/data/generated"));
  }

  @AfterAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  static void stopEverything() {
    try {
      stopCluster();
    } finally {
      if (hdfs != null) {
        hdfs.shutdown();
      }
      deleteRecursively(work);
    }
  }

  /** The datasets, HDFS blocks and executor logs come to hundreds of MB: leave nothing behind. */
  private static void deleteRecursively(Path dir) {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("Cannot delete " + dir, e);
    }
  }

  /** Idempotent: cluster.sh stop ends the pids in the run directory and removes the pid files. */
  private static void stopCluster() {
    if (runDir == null || !Files.exists(runDir.resolve("master.pid"))) {
      return;
    }
    try {
      run(List.of("scripts/cluster.sh", "stop", "--run-dir", runDir.toString()), 120);
    } catch (Exception e) {
      throw new IllegalStateException("Cannot stop the test cluster in " + runDir, e);
    }
  }

  @Test
  @Order(1)
  void theSameInputGivesTheSameMetricsLocallyOnTheClusterAndFromHdfs() throws IOException {
    Path localOut = work.resolve("local-out");
    Run local = evaluate(generated.toString(), "--label", "label", "--output", localOut.toString());
    assertThat(local.exitCode()).as(local.err()).isZero();
    JsonNode onLocal = readJson(localOut.resolve("metrics.json"));

    Path clusterOut = work.resolve("cluster-out");
    Result cluster =
        submit(
            "evaluate",
            "--input",
            generated.toString(),
            "--logits",
            "logits",
            "--label",
            "label",
            "--output",
            clusterOut.toString());
    assertThat(cluster.exitCode()).as(cluster.err()).isZero();
    JsonNode onCluster = readJson(clusterOut.resolve("metrics.json"));
    assertThat(onCluster.get("master").asText()).isEqualTo(master);

    Result fromHdfs =
        submit(
            "evaluate",
            "--input",
            hdfsUri + "/data/generated",
            "--logits",
            "logits",
            "--label",
            "label",
            "--output",
            hdfsUri + "/out/metrics",
            "--per-row",
            hdfsUri + "/out/per-row");
    assertThat(fromHdfs.exitCode()).as(fromHdfs.err()).isZero();
    JsonNode onHdfs = readHdfsJson("/out/metrics/metrics.json");
    assertThat(spark().read().parquet(hdfsUri + "/out/per-row").count()).isEqualTo(600_000);

    // The page reader from HDFS on the cluster without per-row output, too.
    Result pagesFromHdfs =
        submit(
            "evaluate",
            "--input",
            hdfsUri + "/data/generated",
            "--logits",
            "logits",
            "--label",
            "label",
            "--reader",
            "page",
            "--output",
            hdfsUri + "/out/page-metrics");
    assertThat(pagesFromHdfs.exitCode()).as(pagesFromHdfs.err()).isZero();
    JsonNode onHdfsPages = readHdfsJson("/out/page-metrics/metrics.json");

    // --overwrite on HDFS: the new output is swapped in whole, nothing left beside it.
    Result overwritten =
        submit(
            "evaluate",
            "--input",
            hdfsUri + "/data/generated",
            "--logits",
            "logits",
            "--label",
            "label",
            "--top-k",
            "1,3",
            "--output",
            hdfsUri + "/out/page-metrics",
            "--overwrite");
    assertThat(overwritten.exitCode()).as(overwritten.err()).isZero();
    assertThat(readHdfsJson("/out/page-metrics/metrics.json").get("top_k").size()).isEqualTo(2);
    assertThat(hdfsFs.exists(new org.apache.hadoop.fs.Path("/out/page-metrics/_SUCCESS"))).isTrue();
    for (org.apache.hadoop.fs.FileStatus status :
        hdfsFs.listStatus(new org.apache.hadoop.fs.Path("/out"))) {
      assertThat(status.getPath().getName()).doesNotStartWith(".page-metrics.xent-");
    }
    assertThat(onLocal.get("reader").asText()).isEqualTo("page");
    assertThat(onCluster.get("reader").asText()).isEqualTo("page");
    // The per-row run: scored page by page, its other columns read by Spark's reader on HDFS.
    assertThat(onHdfs.get("reader").asText()).isEqualTo("page");
    assertThat(onHdfsPages.get("reader").asText()).isEqualTo("page");

    for (JsonNode other : List.of(onCluster, onHdfs, onHdfsPages)) {
      // Exact aggregates: equal to the last bit whatever the deployment.
      for (String field :
          List.of(
              "rows",
              "rows_scored",
              "rows_invalid",
              "invalid_by_reason",
              "rows_infinite_loss",
              "mean_loss",
              "accuracy",
              "perplexity",
              "log_mean_true_prob")) {
        assertThat(other.get(field)).as(field).isEqualTo(onLocal.get(field));
      }
    }
  }

  @Test
  @Order(2)
  void sqlFunctionsLoadOnExecutorsThroughTheExtension() throws IOException {
    String query =
        "SELECT count(*) AS n, sum(CAST(xent_status(logits, label) = 'ok' AS int)) AS ok,"
            + " max(logits_argmax(logits)) AS top, min(softmax_cross_entropy(logits, label)) AS lo"
            + " FROM parquet.`"
            + hdfsUri
            + "/data/generated`";
    Result onCluster =
        submit(
            "--conf", "spark.sql.extensions=dev.xent.spark.XentExtensions", "sql", "--json", query);
    assertThat(onCluster.exitCode()).as(onCluster.err()).isZero();
    JsonNode clusterRow =
        new ObjectMapper()
            .readTree(onCluster.out().strip().lines().reduce((a, b) -> b).orElseThrow());
    JsonNode localRow = new ObjectMapper().readTree(spark().sql(query).toJSON().first());
    assertThat(clusterRow.get("n").asLong()).isEqualTo(600_000);
    assertThat(clusterRow.get("ok").asLong()).isEqualTo(600_000);
    assertThat(clusterRow.get("top").asInt()).isEqualTo(localRow.get("top").asInt());
    assertThat(clusterRow.get("lo").doubleValue()).isEqualTo(localRow.get("lo").doubleValue());
  }

  @Test
  @Order(3)
  void badInputIsAccountedForOnTheClusterAsLocally() {
    Path input = JobTestSupport.writeMixedReasons(work.resolve("mixed"));
    Path out = work.resolve("mixed-out");
    Result result =
        submit(
            "evaluate",
            "--input",
            input.toString(),
            "--logits",
            "logits",
            "--label",
            "label",
            "--output",
            out.toString());
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertMatchesGolden(out.resolve("metrics.json"), "mixed-reasons");
  }

  @Test
  @Order(4)
  void aKilledExecutorIsRetriedAndTheResultIsTheSame() throws Exception {
    Path expectedOut = work.resolve("fault-expected");
    Run local =
        evaluate(generated.toString(), "--label", "label", "--output", expectedOut.toString());
    assertThat(local.exitCode()).as(local.err()).isZero();

    Path out = work.resolve("fault-out");
    Path jobErr = work.resolve("fault-job.err");
    // Many small tasks (about 120), so the job is still running when an executor dies.
    Process job =
        start(
            submitCommand(
                "--conf",
                "spark.sql.files.maxPartitionBytes=1m",
                "evaluate",
                "--input",
                generated.toString(),
                "--logits",
                "logits",
                "--label",
                "label",
                "--output",
                out.toString(),
                // Spark's own log lines (the lost executor) show only with --verbose.
                "--verbose"),
            jobErr);
    ProcessHandle victim = awaitExecutorRunningTasks(job, 3);
    assertThat(job.isAlive())
        .as("the job must still be running when its executor is killed")
        .isTrue();
    victim.destroyForcibly();
    assertThat(job.waitFor(4, TimeUnit.MINUTES)).isTrue();
    String err = Files.readString(jobErr);
    assertThat(job.exitValue()).as(err).isZero();
    assertThat(err).contains("Lost executor");
    JsonNode expected = readJson(expectedOut.resolve("metrics.json"));
    JsonNode actual = readJson(out.resolve("metrics.json"));
    for (String field : List.of("rows", "rows_scored", "mean_loss", "accuracy", "perplexity")) {
      assertThat(actual.get(field)).as(field).isEqualTo(expected.get(field));
    }
  }

  /**
   * Waits until an executor JVM that one of this test's Workers launched has finished {@code tasks}
   * tasks (read from its log in the Worker's work directory), and returns it.
   */
  private static ProcessHandle awaitExecutorRunningTasks(Process job, int tasks) throws Exception {
    List<Long> workers = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      workers.add(Long.parseLong(Files.readString(runDir.resolve("worker-" + i + ".pid")).strip()));
    }
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
    while (System.nanoTime() < deadline && job.isAlive()) {
      Optional<ProcessHandle> executor =
          ProcessHandle.allProcesses()
              .filter(p -> p.parent().map(parent -> workers.contains(parent.pid())).orElse(false))
              .filter(
                  p -> p.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
              .findFirst();
      if (executor.isPresent() && finishedTasks() >= tasks) {
        return executor.get();
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no busy executor appeared; job alive=" + job.isAlive());
  }

  /** "Finished task" lines in the executor logs of the newest application. */
  private static long finishedTasks() throws IOException {
    long count = 0;
    try (var files = Files.walk(runDir)) {
      for (Path log : files.filter(p -> p.getFileName().toString().equals("stderr")).toList()) {
        count += Files.readAllLines(log).stream().filter(l -> l.contains("Finished task")).count();
      }
    }
    return count - finishedBefore;
  }

  private static JsonNode readHdfsJson(String path) throws IOException {
    try (InputStream in = hdfsFs.open(new org.apache.hadoop.fs.Path(path))) {
      return new ObjectMapper().readTree(in);
    }
  }

  /** The outcome of a finished process. */
  record Result(int exitCode, String out, String err) {}

  private static Result submit(String... args) {
    try {
      return run(submitCommand(args), 240);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<String> submitCommand(String... args) {
    List<String> command = new ArrayList<>(List.of("scripts/submit.sh", "--master", master));
    command.addAll(List.of(args));
    return command;
  }

  private static Process start(List<String> command, Path err) throws IOException {
    finishedBefore = 0;
    finishedBefore = finishedTasks();
    return new ProcessBuilder(command)
        .directory(ROOT.toFile())
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(err.toFile())
        .start();
  }

  private static Result run(List<String> command, int timeoutSeconds) throws Exception {
    File out = Files.createTempFile(work, "out", ".txt").toFile();
    File err = Files.createTempFile(work, "err", ".txt").toFile();
    Process process =
        new ProcessBuilder(command)
            .directory(ROOT.toFile())
            .redirectOutput(out)
            .redirectError(err)
            .start();
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
      throw new AssertionError(command + " timed out; stderr:\n" + Files.readString(err.toPath()));
    }
    return new Result(
        process.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
  }

  private static Path projectRoot() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null && !Files.exists(dir.resolve("scripts/cluster.sh"))) {
      dir = dir.getParent();
    }
    if (dir == null) {
      throw new IllegalStateException(
          "Cannot find the project root above " + Path.of("").toAbsolutePath());
    }
    return dir;
  }
}
