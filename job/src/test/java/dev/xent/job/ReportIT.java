package dev.xent.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.xent.job.PackagedCli.Result;
import java.awt.image.BufferedImage;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.html as a reader's browser shows it: the packaged CLI evaluates a dataset whose slice
 * column holds markup, then headless Chromium loads the page from disk, dumps the DOM it built and
 * takes a 1280 px wide screenshot. Chromium is required (.ci/run installs it): without it this test
 * fails, it does not skip.
 */
class ReportIT {
  private static final String SCRIPT = "<script>alert(1)</script>";
  private static final String IMG = "\"><img src=x onerror=alert(1)>";

  @TempDir static Path tmp;

  private static Path out;
  private static JsonNode metrics;
  private static String chromium;

  @BeforeAll
  static void evaluateWithSlicesThatHoldMarkup() throws Exception {
    chromium = findChromium();
    Path generated = tmp.resolve("generated");
    Result gen =
        PackagedCli.run(
            tmp,
            "1g",
            "generate",
            "--output",
            generated.toString(),
            "--rows",
            "3000",
            "--classes",
            "9",
            "--partitions",
            "2",
            "--seed",
            "14",
            "--quiet");
    assertThat(gen.exitCode()).as(gen.err()).isZero();
    // The slice column: both injection strings, a plain value and NULL.
    Path input = tmp.resolve("input");
    Result sql =
        PackagedCli.run(
            tmp,
            "1g",
            "sql",
            "--quiet",
            "INSERT OVERWRITE DIRECTORY '"
                + input
                + "' USING parquet SELECT logits, label, CASE label % 4 WHEN 0 THEN '"
                + SCRIPT
                + "' WHEN 1 THEN '"
                + IMG
                + "' WHEN 2 THEN 'plain' END AS g FROM parquet.`"
                + generated
                + "`");
    assertThat(sql.exitCode()).as(sql.err()).isZero();
    out = tmp.resolve("out");
    Result run =
        PackagedCli.run(
            tmp,
            "1g",
            "evaluate",
            "--input",
            input.toString(),
            "--logits",
            "logits",
            "--label",
            "label",
            "--per-class",
            "--top-k",
            "1,3",
            "--group-by",
            "g",
            "--min-slice-rows",
            "10",
            "--quiet",
            "--output",
            out.toString());
    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(out.resolve("report.html")).exists();
    metrics = new ObjectMapper().readTree(out.resolve("metrics.json").toFile());
  }

  /** chromium on the PATH (Debian's package), or a clear failure saying how to get it. */
  private static String findChromium() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String name : List.of("chromium", "chromium-browser")) {
        File candidate = new File(dir, name);
        if (candidate.canExecute()) {
          return candidate.getAbsolutePath();
        }
      }
    }
    throw new AssertionError(
        "Cannot test report.html in a browser: no chromium on the PATH ("
            + System.getenv("PATH")
            + "); install it with 'apt-get install -y chromium' (.ci/run does)");
  }

  private static Result browser(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(chromium);
    command.add("--headless");
    command.add("--no-sandbox");
    command.add("--disable-gpu");
    command.add("--no-first-run");
    command.add("--user-data-dir=" + Files.createTempDirectory(tmp, "profile"));
    command.addAll(List.of(args));
    command.add(out.resolve("report.html").toUri().toString());
    Result result = PackagedCli.exec(tmp, command, 3);
    assertThat(result.exitCode())
        .as("chromium " + String.join(" ", args) + ": " + result.err())
        .isZero();
    return result;
  }

  @Test
  void theBrowsersDomHasEverySectionOneBarPerBinAndTheMarkupOnlyAsText() throws Exception {
    String dom = browser("--dump-dom").out();
    for (String id :
        List.of(
            "summary", "loss-histogram", "reliability", "per-class", "slices", "invalid", "run")) {
      assertThat(dom).as("section " + id).contains("<section id=\"" + id + "\">");
    }
    int bins = metrics.get("loss_histogram").size();
    assertThat(bins).isGreaterThan(3);
    assertThat(count(dom, "<rect class=\"hist\"")).as("histogram bars").isEqualTo(bins);
    // One accuracy bar and one point per calibration bin with weight.
    int filled = 0;
    for (JsonNode bin : metrics.get("calibration")) {
      filled += bin.get("weight").asDouble() > 0 ? 1 : 0;
    }
    assertThat(count(dom, "<circle class=\"conf\"")).as("reliability points").isEqualTo(filled);
    // A serialized DOM writes '<' of text as &lt;, so a literal "<script" or "<img" can only be
    // an element the page created from the data.
    String lower = dom.toLowerCase(Locale.ROOT);
    assertThat(lower).doesNotContain("<script").doesNotContain("<img");
    assertThat(dom).contains("<td>&lt;script&gt;alert(1)&lt;/script&gt;</td>");
    assertThat(dom).contains("<td>\"&gt;&lt;img src=x onerror=alert(1)&gt;</td>");
    // The per-class table lists every class (9), worst first.
    assertThat(count(dom, "<rect class=\"classbar\"")).isEqualTo(9);
    String worst = metrics.get("worst_classes").get(0).get("class").asText();
    assertThat(dom).contains(">class " + worst + "<");
  }

  @Test
  void theScreenshotAt1280PixelsShowsThePlotsInThePalette() throws Exception {
    Path png = tmp.resolve("report.png");
    browser("--screenshot=" + png, "--window-size=1280,2400", "--hide-scrollbars");
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as("a PNG at " + png).isNotNull();
    assertThat(image.getWidth()).isEqualTo(1280);
    long nonWhite = 0;
    long histogramBlue = 0;
    Set<Integer> colours = new HashSet<>();
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int rgb = image.getRGB(x, y) & 0xFFFFFF;
        colours.add(rgb);
        nonWhite += rgb != 0xFFFFFF ? 1 : 0;
        histogramBlue += rgb == 0x0072B2 ? 1 : 0;
      }
    }
    long pixels = (long) image.getWidth() * image.getHeight();
    assertThat(nonWhite).as("non-white pixels of " + pixels).isGreaterThan(pixels / 20);
    assertThat(colours.size()).as("distinct colours").isGreaterThan(100);
    // The histogram's bars are filled with Okabe–Ito blue: at least a bar's worth of it.
    assertThat(histogramBlue).as("pixels of #0072B2").isGreaterThan(2000);
  }

  @Test
  void xentReportRebuildsTheSamePageWithoutSpark() throws Exception {
    String first = Files.readString(out.resolve("report.html"));
    Result rebuilt = PackagedCli.run(tmp, "512m", "report", out.toString());
    assertThat(rebuilt.exitCode()).as(rebuilt.err()).isZero();
    assertThat(Files.readString(out.resolve("report.html"))).isEqualTo(first);
    // No Spark session: no Spark log lines and no SparkContext in what it printed.
    assertThat(rebuilt.err()).doesNotContain("SparkContext");
  }

  private static int count(String text, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
