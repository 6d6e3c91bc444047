package dev.xent.job;

import static dev.xent.job.JobTestSupport.evaluate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.xent.job.JobTestSupport.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --output} is complete (with {@code _SUCCESS}, written last) or visibly incomplete. */
class OutputCommitTest {
  @TempDir Path tmp;

  @Test
  void aFinishedRunEndsWithSuccessAndLeavesNoTemporaryFile() throws IOException {
    Path input = AuditEvaluateTest.writeAuditRows(tmp.resolve("audit"));
    Path out = tmp.resolve("out");
    Run run = evaluate(input, "--label", "label", "--per-class", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    // The audit rows hold invalid rows: their quarantine is one of the outputs.
    assertThat(names(out))
        .containsExactlyInAnyOrder(
            "_SUCCESS", "metrics.json", "per_class.parquet", "invalid", "report.html");
    assertThat(names(out.resolve("invalid")))
        .contains("_SUCCESS")
        .noneMatch(n -> n.startsWith("._"));
    // _SUCCESS is the last file written, the report the last but one.
    assertThat(Files.getLastModifiedTime(out.resolve("_SUCCESS")))
        .isGreaterThanOrEqualTo(Files.getLastModifiedTime(out.resolve("report.html")));
    assertThat(Files.getLastModifiedTime(out.resolve("report.html")))
        .isGreaterThanOrEqualTo(Files.getLastModifiedTime(out.resolve("metrics.json")))
        .isGreaterThanOrEqualTo(Files.getLastModifiedTime(out.resolve("invalid/_SUCCESS")));
  }

  @Test
  void overwritingRemovesThePreviousRunsOutputsSoNothingMixes() throws IOException {
    Path input = AuditEvaluateTest.writeAuditRows(tmp.resolve("audit"));
    Path out = tmp.resolve("out");
    Run first =
        evaluate(
            input,
            "--label",
            "label",
            "--per-class",
            "--group-by",
            "g",
            "--output",
            out.toString());
    assertThat(first.exitCode()).as(first.err()).isZero();
    assertThat(names(out)).contains("per_class.parquet", "slices.parquet", "report.html");
    // Without a report this time: the first run's report.html must not survive as if it were
    // this run's.
    Run second =
        evaluate(
            input, "--label", "label", "--no-report", "--output", out.toString(), "--overwrite");
    assertThat(second.exitCode()).as(second.err()).isZero();
    assertThat(names(out)).containsExactlyInAnyOrder("_SUCCESS", "metrics.json", "invalid");
  }

  private static List<String> names(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> !n.startsWith(".") || n.startsWith("._"))
          .filter(n -> !n.endsWith(".crc"))
          .toList();
    }
  }
}
