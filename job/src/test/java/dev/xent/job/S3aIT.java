package dev.xent.job;

import static dev.xent.job.JobTestSupport.cli;
import static dev.xent.job.JobTestSupport.evaluate;
import static dev.xent.job.JobTestSupport.readJson;
import static dev.xent.job.JobTestSupport.spark;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.xent.job.JobTestSupport.Run;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.statistics.IOStatistics;
import org.apache.hadoop.fs.statistics.IOStatisticsSupport;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * {@code s3a://} through hadoop-aws against a real S3 protocol server on loopback (moto's {@code
 * moto_server}, a separate Python process): one data set on local disk, on HDFS (MiniDFSCluster)
 * and in a bucket gives the same metrics with both readers, and the page reader asks the object
 * store for no more than Spark's reader does. The counts are printed for docs/object-storage.md.
 */
@Tag("integration")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class S3aIT {
  private static final String BUCKET = "xent-it";
  private static final String ACCESS_KEY = "xent-it-access";
  private static final String SECRET_KEY = "xent-it-secret";
  private static final String REGION = "us-east-1";
  private static final int ROWS = 20_000;
  private static final int FILES = 4;

  /** The fields that name the run rather than the data: where, when, how long, which reader. */
  private static final List<String> RUN_FIELDS =
      List.of("reader", "reader_reason", "master", "elapsed_seconds", "input", "run");

  private static Path work;
  private static Process moto;
  private static Path motoLog;
  private static String endpoint;
  private static MiniDFSCluster hdfs;
  private static String hdfsUri;
  private static Path generated;

  /** metrics.json by reader, then by store. */
  private static final Map<String, Map<String, JsonNode>> METRICS = new TreeMap<>();

  /** What each reader asked of the object store for one evaluation. */
  private static final Map<String, Requests> REQUESTS = new TreeMap<>();

  @BeforeAll
  @Timeout(value = 3, unit = TimeUnit.MINUTES)
  static void startStoresAndUpload() throws Exception {
    work = Files.createTempDirectory("xent-s3a-it");
    Runtime.getRuntime().addShutdownHook(new Thread(S3aIT::stopMoto));
    int port = freePort();
    endpoint = "http://127.0.0.1:" + port;
    motoLog = work.resolve("moto.log");
    List<String> command = new ArrayList<>(motoCommand());
    command.addAll(List.of("-H", "127.0.0.1", "-p", Integer.toString(port)));
    moto =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(motoLog.toFile())
            .start();
    awaitListening(port);

    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("hdfs").toString());
    hdfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    hdfs.waitActive();
    hdfsUri = "hdfs://127.0.0.1:" + hdfs.getNameNodePort();

    generated = work.resolve("generated");
    Run generate =
        cli(
            "generate",
            "--output",
            generated.toString(),
            "--rows",
            Integer.toString(ROWS),
            "--classes",
            "100",
            "--partitions",
            Integer.toString(FILES),
            "--seed",
            "15");
    assertThat(generate.exitCode()).as(generate.err()).isZero();

    // The session's Hadoop configuration is what both readers open files with; under spark-submit
    // the same keys come as spark.hadoop.fs.s3a.* (conf/s3a.conf.example).
    Configuration hadoop = spark().sparkContext().hadoopConfiguration();
    s3aSettings().forEach(hadoop::set);
    // A failure should show in seconds, not after S3A's default retries with back-off.
    hadoop.set("fs.s3a.attempts.maximum", "2");
    hadoop.set("fs.s3a.retry.limit", "2");
    // S3A's optimized copyFromLocal goes through the SDK's async (Netty) client, which fails
    // against Spark 4.1's Netty 4.2 (it takes the server's "100 Continue" for the response, and
    // retries); with this off the files go through S3A's own output stream, as Spark writes do.
    hadoop.set("fs.s3a.optimized.copy.from.local.enabled", "false");
    createBucket();
    org.apache.hadoop.fs.Path local = new org.apache.hadoop.fs.Path(generated.toUri());
    s3a().copyFromLocalFile(local, new org.apache.hadoop.fs.Path("s3a://" + BUCKET + "/data"));
    hdfs.getFileSystem().copyFromLocalFile(local, new org.apache.hadoop.fs.Path("/data"));
  }

  @AfterAll
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  static void stopStores() throws IOException {
    try {
      stopMoto();
    } finally {
      try {
        if (hdfs != null) {
          hdfs.shutdown();
        }
      } finally {
        deleteRecursively(work);
      }
    }
  }

  /** The keys a user sets (as spark.hadoop.*) to reach an S3-compatible server without TLS. */
  static Map<String, String> s3aSettings() {
    Map<String, String> settings = new LinkedHashMap<>();
    settings.put("fs.s3a.endpoint", endpoint);
    settings.put("fs.s3a.endpoint.region", REGION);
    settings.put("fs.s3a.path.style.access", "true");
    settings.put("fs.s3a.connection.ssl.enabled", "false");
    settings.put(
        "fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    settings.put("fs.s3a.access.key", ACCESS_KEY);
    settings.put("fs.s3a.secret.key", SECRET_KEY);
    return settings;
  }

  @Test
  @Order(1)
  void eachReaderGivesTheSameMetricsFromLocalDiskHdfsAndS3a() throws IOException {
    Map<String, String> stores = new LinkedHashMap<>();
    stores.put("local", generated.toString());
    stores.put("hdfs", hdfsUri + "/data");
    stores.put("s3a", "s3a://" + BUCKET + "/data");
    for (String reader : List.of("page", "spark")) {
      Map<String, JsonNode> byStore = new LinkedHashMap<>();
      for (Map.Entry<String, String> store : stores.entrySet()) {
        Requests before = Requests.now();
        Path out = work.resolve("out-" + reader + "-" + store.getKey());
        Run run =
            evaluate(
                store.getValue(),
                "--label",
                "label",
                "--reader",
                reader,
                "--output",
                out.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        if (store.getKey().equals("s3a")) {
          REQUESTS.put(reader, Requests.now().minus(before));
        }
        JsonNode metrics = readJson(out.resolve("metrics.json"));
        assertThat(metrics.get("reader").asText()).as(reader).isEqualTo(reader);
        assertThat(metrics.get("rows").asLong()).isEqualTo(ROWS);
        byStore.put(store.getKey(), metrics);
      }
      METRICS.put(reader, byStore);
      JsonNode onLocal = withoutRunFields(byStore.get("local"));
      for (String store : List.of("hdfs", "s3a")) {
        // Every number to the last bit, calibration bins included: the store only moves bytes.
        assertThat(withoutRunFields(byStore.get(store)))
            .as(reader + " " + store)
            .isEqualTo(onLocal);
      }
    }
    // And the two readers agree on the exact aggregates, as on every other input.
    for (String field :
        List.of("rows", "rows_scored", "rows_invalid", "mean_loss", "accuracy", "perplexity")) {
      assertThat(METRICS.get("page").get("s3a").get(field))
          .as(field)
          .isEqualTo(METRICS.get("spark").get("s3a").get(field));
    }
  }

  @Test
  @Order(2)
  void thePageReaderMakesNoMoreGetRequestsThanSparksReader() {
    assertThat(REQUESTS).containsOnlyKeys("page", "spark");
    REQUESTS.forEach(
        (reader, requests) -> System.out.println("S3aIT " + reader + " reader: " + requests));
    Requests page = REQUESTS.get("page");
    Requests spark = REQUESTS.get("spark");
    // Both read every data file: the server saw GETs on each of the FILES objects.
    assertThat(page.objectGets()).hasSize(FILES);
    assertThat(spark.objectGets()).hasSize(FILES);
    assertThat(page.gets()).isLessThanOrEqualTo(spark.gets());
    // The client's own count of its GETs is the server's.
    assertThat(page.clientGets()).isEqualTo(page.gets());
    assertThat(spark.clientGets()).isEqualTo(spark.gets());
  }

  /**
   * A snapshot of requests so far: from moto's log (one line per request, as the server saw it) and
   * from the S3A file system's statistics (what the client read).
   */
  record Requests(
      Map<String, Integer> objectGets,
      int heads,
      int lists,
      long clientGets,
      long bytesRead,
      long bytesDiscarded) {
    private static final Pattern LINE =
        Pattern.compile("\"(GET|HEAD) (/[^ ]*) HTTP/1\\.1\" (\\d+)");

    int gets() {
      return objectGets.values().stream().mapToInt(Integer::intValue).sum();
    }

    static Requests now() {
      Map<String, Integer> gets = new TreeMap<>();
      int heads = 0;
      int lists = 0;
      try {
        for (String line : Files.readAllLines(motoLog)) {
          Matcher m = LINE.matcher(line);
          if (!m.find()) {
            continue;
          }
          String target = m.group(2);
          if (m.group(1).equals("HEAD")) {
            heads++;
          } else if (target.contains("?")) {
            // Path-style GETs with a query on the bucket are listings (list-type=2).
            lists++;
          } else {
            gets.merge(target, 1, Integer::sum);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      IOStatistics stats = s3aStatistics();
      return new Requests(
          gets,
          heads,
          lists,
          counter(stats, "action_http_get_request"),
          counter(stats, "stream_read_bytes"),
          counter(stats, "stream_read_bytes_discarded_in_abort")
              + counter(stats, "stream_read_bytes_discarded_in_close"));
    }

    Requests minus(Requests before) {
      Map<String, Integer> gets = new TreeMap<>(objectGets);
      before.objectGets.forEach((k, v) -> gets.merge(k, -v, Integer::sum));
      gets.values().removeIf(v -> v == 0);
      return new Requests(
          gets,
          heads - before.heads,
          lists - before.lists,
          clientGets - before.clientGets,
          bytesRead - before.bytesRead,
          bytesDiscarded - before.bytesDiscarded);
    }

    private static long counter(IOStatistics stats, String name) {
      Long value = stats.counters().get(name);
      return value == null ? 0 : value;
    }
  }

  private static FileSystem s3a() {
    try {
      return FileSystem.get(
          URI.create("s3a://" + BUCKET + "/"), spark().sparkContext().hadoopConfiguration());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Local mode: the driver and its tasks share the one cached S3AFileSystem, so its totals. */
  private static IOStatistics s3aStatistics() {
    return IOStatisticsSupport.retrieveIOStatistics(s3a());
  }

  private static void createBucket() {
    try (S3Client client =
        S3Client.builder()
            .endpointOverride(URI.create(endpoint))
            .region(Region.of(REGION))
            .forcePathStyle(true)
            .credentialsProvider(
                StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
            .build()) {
      client.createBucket(b -> b.bucket(BUCKET));
    }
  }

  private static JsonNode withoutRunFields(JsonNode metrics) {
    ObjectNode copy = metrics.deepCopy();
    RUN_FIELDS.forEach(copy::remove);
    return copy;
  }

  /** moto_server on the PATH (pip's entry point), else the module through python3. */
  private static List<String> motoCommand() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "moto_server"))) {
        return List.of(Path.of(dir, "moto_server").toString());
      }
    }
    return List.of("python3", "-m", "moto.server");
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void awaitListening(int port) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      if (!moto.isAlive()) {
        throw new AssertionError(
            "moto_server exited with "
                + moto.exitValue()
                + " (is moto installed? pip install 'moto[server]'):\n"
                + Files.readString(motoLog));
      }
      try (Socket ignored = new Socket(InetAddress.getLoopbackAddress(), port)) {
        return;
      } catch (IOException notYet) {
        Thread.sleep(100);
      }
    }
    throw new AssertionError(
        "moto_server did not listen on " + port + ":\n" + Files.readString(motoLog));
  }

  /** Idempotent, and run from a shutdown hook too: the server must not outlive the test JVM. */
  private static void stopMoto() {
    if (moto == null || !moto.isAlive()) {
      return;
    }
    moto.destroy();
    try {
      if (!moto.waitFor(20, TimeUnit.SECONDS)) {
        moto.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteRecursively(Path dir) throws IOException {
    if (dir == null || !Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    }
  }
}
