package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * {@link NormalQuantile#twoSided} against {@code reference/normal_quantile.tsv}: z =
 * √2·erfinv(level) from mpmath at 60 digits (scripts/reference/audit_reference.py), for the usual
 * levels, both sides of AS 241's range switches (level 0.85, and 1 − level = 2e^−25) and seeded
 * random ones.
 */
class NormalQuantileTest {
  /** Counted so that a truncated golden file fails instead of passing. */
  private static final int EXPECTED_LEVELS = 604;

  @Test
  void withinSixUlpsOfTheMpmathReference() throws IOException {
    int count = 0;
    double worst = 0;
    String worstAt = "";
    try (InputStream stream =
            NormalQuantileTest.class.getResourceAsStream("/reference/normal_quantile.tsv");
        BufferedReader in =
            new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("#")) {
          continue;
        }
        String[] fields = line.split("\t");
        double level = Double.parseDouble(fields[0]);
        BigDecimal exact = new BigDecimal(fields[1]);
        double actual = NormalQuantile.twoSided(level);
        double error =
            new BigDecimal(actual)
                .subtract(exact)
                .abs()
                .divide(new BigDecimal(Math.ulp(exact.doubleValue())), MathContext.DECIMAL64)
                .doubleValue();
        if (error > worst) {
          worst = error;
          worstAt = fields[0];
        }
        count++;
      }
    }
    assertThat(count).isEqualTo(EXPECTED_LEVELS);
    assertThat(worst).as("largest error in ulps, at level %s", worstAt).isLessThanOrEqualTo(6.0);
  }

  @Test
  void theUsualLevelsGiveTheTextbookZ() {
    // √2·erfinv of the doubles nearest 0.95, 0.99, 0.9 (mpmath): 1.95996398454005385560…,
    // 2.57582930354890045385…, 1.64485362695147282251….
    assertThat(NormalQuantile.twoSided(0.95)).isCloseTo(1.959963984540054, within(4e-16));
    assertThat(NormalQuantile.twoSided(0.99)).isCloseTo(2.5758293035489004, within(8e-16));
    assertThat(NormalQuantile.twoSided(0.9)).isCloseTo(1.6448536269514722, within(4e-16));
  }

  @Test
  void levelsOutsideTheOpenUnitIntervalHaveNoQuantile() {
    for (double level : new double[] {0.0, 1.0, -0.5, 2.0, Double.NaN}) {
      assertSameDouble(NormalQuantile.twoSided(level), Double.NaN, "level " + level);
    }
  }
}
