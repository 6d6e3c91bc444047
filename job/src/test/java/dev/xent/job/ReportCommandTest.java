package dev.xent.job;

import static dev.xent.job.JobTestSupport.cli;
import static dev.xent.job.JobTestSupport.evaluate;
import static org.assertj.core.api.Assertions.assertThat;

import dev.xent.job.JobTestSupport.Run;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.html from {@code evaluate --output} (on by default, {@code --no-report}) and {@code xent
 * report}.
 */
class ReportCommandTest {
  @TempDir Path tmp;

  @Test
  void evaluateWritesTheReportBeforeSuccessAndReportRebuildsTheSamePage() throws IOException {
    Path input = JobTestSupport.writeMixedReasons(tmp.resolve("mixed"));
    Path out = tmp.resolve("out");
    Run run = evaluate(input, "--label", "label", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(run.out()).contains("report written to " + out + "/report.html");
    Path report = out.resolve("report.html");
    assertThat(report).exists();
    assertThat(out.resolve("_SUCCESS")).exists();
    // No temporary left behind by the rename.
    assertThat(out.resolve("._report.html.tmp")).doesNotExist();
    String first = Files.readString(report);
    // The mixed rows have one infinite loss: its bin [1024, ∞] is the last bar.
    assertThat(first).contains("[1024, ∞]").contains("<td>label_out_of_range</td>");

    Files.delete(report);
    Run rebuilt = cli("report", out.toString());
    assertThat(rebuilt.exitCode()).as(rebuilt.err()).isZero();
    assertThat(rebuilt.out()).contains("report written to " + out + "/report.html");
    assertThat(Files.readString(report)).isEqualTo(first);
  }

  @Test
  void noReportLeavesItOut() {
    Path input = JobTestSupport.writeMixedReasons(tmp.resolve("mixed"));
    Path out = tmp.resolve("out");
    Run run = evaluate(input, "--label", "label", "--no-report", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(out.resolve("metrics.json")).exists();
    assertThat(out.resolve("report.html")).doesNotExist();
    assertThat(run.out()).doesNotContain("report written");
  }

  @Test
  void reportOfADirectoryWithoutMetricsIsAUsageErrorNamingTheFile() {
    Run run = cli("report", tmp.resolve("nothing").toString());
    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err())
        .contains("xent: Cannot write the report: '")
        .contains("nothing/metrics.json' does not exist")
        .contains("is not the --output directory of a finished evaluate");
  }

  @Test
  void aMetricsFileEditedAfterTheRunIsNamedWithItsChecksumFile() throws IOException {
    Path input = JobTestSupport.writeMixedReasons(tmp.resolve("mixed"));
    Path out = tmp.resolve("out");
    Run run = evaluate(input, "--label", "label", "--output", out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    Path metrics = out.resolve("metrics.json");
    Files.writeString(metrics, Files.readString(metrics).replace("\"rows\"", "\"rows\" "));
    Run rebuilt = cli("report", out.toString());
    assertThat(rebuilt.exitCode()).isEqualTo(1);
    assertThat(rebuilt.err())
        .contains("Cannot write the report: '")
        .contains("metrics.json' does not match its checksum file (.metrics.json.crc)");
  }
}
