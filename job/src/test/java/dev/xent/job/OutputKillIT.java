package dev.xent.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xent.job.PackagedCli.Result;
import dev.xent.job.PackagedCli.Started;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --overwrite} runs killed with SIGKILL at random moments — while scanning and while the
 * outputs are written — leave the output directory complete (the previous run's, or the new one's
 * when the kill came after the swap) or absent: never a mix, never a half file, never {@code
 * metrics.json} without {@code _SUCCESS}.
 */
class OutputKillIT {
  @TempDir Path tmp;

  @Test
  void aKilledRunLeavesACompleteOutputOrNone() throws Exception {
    Path data = tmp.resolve("data");
    Result generated =
        PackagedCli.run(
            tmp,
            "1g",
            "generate",
            "--output",
            data.toString(),
            "--rows",
            "400000",
            "--classes",
            "50",
            "--partitions",
            "4",
            "--seed",
            "5");
    assertThat(generated.exitCode()).as(generated.err()).isZero();
    Path out = tmp.resolve("out");
    Result first = PackagedCli.run(tmp, "1g", evaluate(data, out, 1));
    assertThat(first.exitCode()).as(first.err()).isZero();
    JsonNode complete = checkComplete(out);

    Random random = new Random(20261203);
    List<String> moments = new ArrayList<>();
    for (int attempt = 0; attempt < 8; attempt++) {
      // Each run differs from the last (top-k of 2, 3, ...), so old and new outputs differ.
      Started run = PackagedCli.start(tmp, "1g", evaluate(data, out, attempt + 2));
      String moment;
      if (attempt % 2 == 0) {
        long delay = 300 + random.nextInt(4000);
        Thread.sleep(delay);
        moment = delay + " ms after the start";
      } else {
        // While the outputs are written: once the staging directory appears.
        Path staging = tmp.resolve(".out.xent-staging");
        long waited = waitFor(staging, run.process());
        long delay = random.nextInt(400);
        Thread.sleep(delay);
        moment = delay + " ms after staging appeared (" + waited + " ms in)";
      }
      boolean killedAlive = run.process().isAlive();
      run.process().destroyForcibly();
      run.process().waitFor(30, TimeUnit.SECONDS);
      moments.add(moment + (killedAlive ? "" : " (had already finished)"));
      if (Files.exists(out)) {
        JsonNode now = checkComplete(out);
        assertThat(
                now.get("top_k").equals(complete.get("top_k"))
                    || now.get("top_k").size() == attempt + 2)
            .as("the previous output or this run's, after " + moment)
            .isTrue();
        complete = now;
      }
    }
    // A later run cleans up what the killed ones left beside the output.
    Result last = PackagedCli.run(tmp, "1g", evaluate(data, out, 1));
    assertThat(last.exitCode()).as(last.err()).isZero();
    checkComplete(out);
    try (Stream<Path> siblings = Files.list(tmp)) {
      assertThat(siblings.map(p -> p.getFileName().toString()))
          .as(moments.toString())
          .noneMatch(name -> name.startsWith(".out.xent-"));
    }
  }

  private static String[] evaluate(Path data, Path out, int topK) {
    StringBuilder ks = new StringBuilder("1");
    for (int k = 2; k <= topK; k++) {
      ks.append(',').append(k);
    }
    return new String[] {
      "evaluate",
      "--input",
      data.toString(),
      "--logits",
      "logits",
      "--label",
      "label",
      "--per-class",
      "--top-k",
      ks.toString(),
      "--output",
      out.toString(),
      "--overwrite",
      "--quiet"
    };
  }

  /** _SUCCESS, a whole metrics.json, and per_class.parquet with its own _SUCCESS. */
  private static JsonNode checkComplete(Path out) throws IOException {
    assertThat(out.resolve(Outputs.SUCCESS)).exists();
    JsonNode metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
    assertThat(metrics.get("rows").asLong()).isEqualTo(400_000);
    assertThat(out.resolve("per_class.parquet/_SUCCESS")).exists();
    try (Stream<Path> files = Files.list(out)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(name -> !name.endsWith(".crc")))
          .containsExactlyInAnyOrder(
              "_SUCCESS", "metrics.json", "per_class.parquet", "report.html");
    }
    return metrics;
  }

  /** Milliseconds until {@code path} exists (or the process ended). */
  private static long waitFor(Path path, Process process) throws InterruptedException {
    long start = System.nanoTime();
    while (!Files.exists(path) && process.isAlive()) {
      Thread.sleep(5);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }
}
