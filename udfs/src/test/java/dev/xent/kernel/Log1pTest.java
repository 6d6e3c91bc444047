package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;
import java.util.function.DoublePredicate;
import java.util.function.DoubleUnaryOperator;
import org.junit.jupiter.api.Test;

class Log1pTest {
  /** Counted so that a truncated golden file fails instead of passing. */
  private static final int EXPECTED_ARGUMENTS = 3224;

  @Test
  void withinThreeQuartersOfAnUlpOfTheMpmathReference() throws IOException {
    Worst worst = worstAgainstReference(Log1p::of, x -> true);
    assertThat(worst.count()).isEqualTo(EXPECTED_ARGUMENTS);
    assertThat(worst.ulps())
        .as("largest error in ulps, at x = %s", worst.at())
        .isLessThanOrEqualTo(0.75);
  }

  @Test
  void agreesWithFdlibmToAnUlpOnRandomArguments() {
    SplittableRandom random = new SplittableRandom(20261202);
    for (int i = 0; i < 2_000_000; i++) {
      double x =
          switch (i % 4) {
            case 0 -> Log1p.LOWER + (4 - Log1p.LOWER) * random.nextDouble();
            case 1 -> Math.scalb(1.0 + random.nextDouble(), random.nextInt(-70, 1024));
            case 2 -> Log1p.UPPER * random.nextDouble();
            default -> Math.scalb(1.0 + random.nextDouble(), random.nextInt(-1074, -60));
          };
      double expected = StrictMath.log1p(x);
      assertThat(Math.abs(Log1p.of(x) - expected))
          .as("log1p(%s)", Double.toHexString(x))
          .isLessThanOrEqualTo(Math.ulp(expected));
    }
  }

  /** {@link Log1p#ofUnit}, the branch-free form for [0, 1], against the same mpmath values. */
  @Test
  void ofUnitIsWithinAnUlpOfTheMpmathReferenceOnZeroToOne() throws IOException {
    Worst worst = worstAgainstReference(Log1p::ofUnit, x -> x >= 0 && x <= 1);
    assertThat(worst.count()).as("reference arguments in [0, 1]").isGreaterThan(400);
    assertThat(worst.ulps())
        .as("largest error in ulps, at x = %s", worst.at())
        .isLessThanOrEqualTo(1.0);
  }

  private record Worst(int count, double ulps, String at) {}

  /**
   * The largest error in ulps of {@code log1p} over the reference arguments {@code chosen} keeps.
   */
  private static Worst worstAgainstReference(DoubleUnaryOperator log1p, DoublePredicate chosen)
      throws IOException {
    int count = 0;
    double worst = 0;
    String worstAt = "";
    try (InputStream stream = Log1pTest.class.getResourceAsStream("/reference/log1p.tsv");
        BufferedReader in =
            new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.startsWith("#")) {
          continue;
        }
        String[] fields = line.split("\t");
        double x = Double.parseDouble(fields[0]);
        if (!chosen.test(x)) {
          continue;
        }
        BigDecimal exact = new BigDecimal(fields[1]);
        double actual = log1p.applyAsDouble(x);
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
    return new Worst(count, worst, worstAt);
  }

  @Test
  void ofUnitAgreesWithFdlibmAndWithOfAboveRootTwoMinusOne() {
    SplittableRandom random = new SplittableRandom(20261203);
    for (int i = 0; i < 2_000_000; i++) {
      double x =
          switch (i % 3) {
            case 0 -> random.nextDouble();
            case 1 -> Math.scalb(1.0 + random.nextDouble(), random.nextInt(-1074, 0));
            default -> Log1p.UPPER * random.nextDouble();
          };
      x = Math.min(x, 1.0);
      double expected = StrictMath.log1p(x);
      assertThat(Math.abs(Log1p.ofUnit(x) - expected))
          .as("log1p(%s)", Double.toHexString(x))
          .isLessThanOrEqualTo(Math.ulp(expected));
      if (x >= Log1p.UPPER) {
        // There both forms make the same reduction, so the same bits.
        assertThat(Log1p.ofUnit(x)).as("x = %s", Double.toHexString(x)).isEqualTo(Log1p.of(x));
      }
    }
    // Below 2^−54 the correctly rounded result is x itself; subnormals and 0 included.
    for (double x : new double[] {0.0, Double.MIN_VALUE, 0x1p-1060, 1e-300, 0x1p-55, 1e-17}) {
      assertThat(Log1p.ofUnit(x)).as("x = %s", x).isEqualTo(x);
    }
    assertThat(Log1p.ofUnit(1.0)).isEqualTo(Math.log(2));
    assertThat(Log1p.ofUnit(Double.NaN)).isNaN();
  }

  @Test
  void edgeValues() {
    assertThat(Log1p.of(Double.NaN)).isNaN();
    assertThat(Log1p.of(Double.POSITIVE_INFINITY)).isEqualTo(Double.POSITIVE_INFINITY);
    assertThat(Log1p.of(-1.0)).isEqualTo(Double.NEGATIVE_INFINITY);
    assertThat(Log1p.of(-2.0)).isNaN();
    assertThat(Log1p.of(Double.NEGATIVE_INFINITY)).isNaN();
    assertThat(Double.doubleToRawLongBits(Log1p.of(-0.0)))
        .isEqualTo(Double.doubleToRawLongBits(-0.0));
    assertThat(Double.doubleToRawLongBits(Log1p.of(0.0))).isZero();
    for (double tiny : new double[] {Double.MIN_VALUE, Double.MIN_NORMAL, 1e-300, 0x1.fffffp-55}) {
      assertThat(Log1p.of(tiny)).isEqualTo(tiny);
      assertThat(Log1p.of(-tiny)).isEqualTo(-tiny);
    }
    // Below √½ − 1 the answer is fdlibm's.
    assertThat(Log1p.of(-0.5)).isEqualTo(StrictMath.log1p(-0.5));
    assertThat(Log1p.of(Double.MAX_VALUE)).isEqualTo(StrictMath.log1p(Double.MAX_VALUE));
  }
}
