package dev.xent.job;

import dev.xent.kernel.Logits;
import dev.xent.spark.XentExtensions;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;

/**
 * Starts the SparkSession for a command: under spark-submit the master and configuration come from
 * it; run directly, the master is {@code --master} or {@code local[*]}. xent's SQL functions are
 * always available (through {@link XentExtensions}).
 */
public final class Sessions {
  private Sessions() {}

  public static final String DEFAULT_MASTER = "local[*]";

  /**
   * A session for one command. {@link #close()} stops Spark only when this command started it, so a
   * command run inside an application (or a test) that already has a session leaves it running.
   */
  public record Handle(SparkSession session, boolean owned) implements AutoCloseable {
    @Override
    public void close() {
      if (owned) {
        session.stop();
      }
    }
  }

  public static Handle open(String appName, String master, Map<String, String> conf) {
    boolean existed = SparkSession.getDefaultSession().isDefined();
    return new Handle(start(appName, master, conf), !existed);
  }

  public static SparkSession start(String appName, String master, Map<String, String> conf) {
    // The kernel's vector loops compile on an idle core while Spark starts (seconds), rather than
    // at the first row; with a local master this JVM is the executor that runs the rows.
    Logits.warmUp();
    SparkConf sparkConf = new SparkConf();
    if (master != null) {
      sparkConf.setMaster(master);
    } else if (!sparkConf.contains("spark.master")) {
      sparkConf.setMaster(DEFAULT_MASTER);
    }
    sparkConf.setIfMissing("spark.app.name", appName);
    // The embedded CLI needs no web UI; spark-submit users keep theirs unless they turn it off.
    if (!sparkConf.contains("spark.ui.enabled")
        && sparkConf.get("spark.master").startsWith("local")) {
      sparkConf.set("spark.ui.enabled", "false");
    }
    conf.forEach(sparkConf::set);
    String extensions = sparkConf.get("spark.sql.extensions", "");
    if (!extensions.contains(XentExtensions.class.getName())) {
      sparkConf.set(
          "spark.sql.extensions",
          extensions.isEmpty()
              ? XentExtensions.class.getName()
              : extensions + "," + XentExtensions.class.getName());
    }
    return SparkSession.builder().config(sparkConf).getOrCreate();
  }
}
