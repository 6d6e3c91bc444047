package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ExactSum#quotient}, the ratio of two exact sums rounded once: checked to be the correctly
 * rounded quotient by comparing distances in exact {@link BigDecimal} arithmetic, never by
 * dividing, and at ties, subnormal results and overflow.
 */
class ExactSumQuotientTest {
  private static final double INF = Double.POSITIVE_INFINITY;

  /** |a − b·actual| is at most the same distance for either neighbour; ties go to even. */
  private static void assertIsRoundedQuotient(double actual, BigInteger a, BigInteger b) {
    BigDecimal num = new BigDecimal(a);
    BigDecimal den = new BigDecimal(b);
    BigDecimal error = num.subtract(den.multiply(new BigDecimal(actual))).abs();
    for (double neighbour : new double[] {Math.nextUp(actual), Math.nextDown(actual)}) {
      if (Double.isInfinite(neighbour)) {
        continue;
      }
      BigDecimal other = num.subtract(den.multiply(new BigDecimal(neighbour))).abs();
      int cmp = error.compareTo(other);
      assertThat(cmp)
          .as("%s/%s: %s is farther than %s", a, b, actual, neighbour)
          .isLessThanOrEqualTo(0);
      if (cmp == 0) {
        assertThat(Double.doubleToRawLongBits(actual) & 1).as("tie to even").isZero();
      }
    }
  }

  private static BigInteger randomBig(SplittableRandom random) {
    return new BigInteger(random.nextInt(1, 2300), new java.util.Random(random.nextLong()))
        .multiply(BigInteger.valueOf(random.nextBoolean() ? 1 : -1));
  }

  @Test
  void theQuotientOfAnyTwoIntegersIsCorrectlyRounded() {
    forEachSeed(
        0xC0_0003L,
        2000,
        random -> {
          BigInteger a = randomBig(random);
          BigInteger b = randomBig(random);
          if (b.signum() == 0) {
            b = BigInteger.ONE;
          }
          // Quotients in the normal range; the subnormal and overflow ranges below.
          if (Math.abs(a.bitLength() - b.bitLength()) > 1000) {
            return;
          }
          assertIsRoundedQuotient(ExactSum.quotient(a, b), a, b);
        });
  }

  @Test
  void quotientsRoundCorrectlyAtTiesSubnormalsAndOverflow() {
    BigInteger one = BigInteger.ONE;
    // 1/3 and 2/3: non-terminating.
    assertSameDouble(ExactSum.quotient(one, BigInteger.valueOf(3)), 1.0 / 3, "1/3");
    // (2^53 + 1)/1 is halfway between 2^53 and 2^53 + 2: ties to even → 2^53.
    assertSameDouble(
        ExactSum.quotient(one.shiftLeft(53).add(one), one), 0x1p53, "2^53 + 1 ties to even");
    assertSameDouble(
        ExactSum.quotient(one.shiftLeft(53).add(BigInteger.valueOf(3)), one),
        0x1p53 + 4,
        "2^53 + 3 ties to even");
    // 2^−1075 is halfway between 0 and MIN_VALUE → 0; 3·2^−1075 → 2·MIN_VALUE.
    assertSameDouble(ExactSum.quotient(one, one.shiftLeft(1075)), 0.0, "2^-1075");
    assertSameDouble(
        ExactSum.quotient(BigInteger.valueOf(3), one.shiftLeft(1075)),
        2 * Double.MIN_VALUE,
        "3·2^-1075");
    // Just above half of MIN_VALUE rounds up.
    assertSameDouble(
        ExactSum.quotient(one.shiftLeft(100).add(one), one.shiftLeft(1175)),
        Double.MIN_VALUE,
        "above 2^-1075");
    // 2^1024 overflows; MAX is exact.
    assertSameDouble(ExactSum.quotient(one.shiftLeft(1024), one), INF, "2^1024");
    assertSameDouble(
        ExactSum.quotient(new BigDecimal(Double.MAX_VALUE).toBigInteger(), one),
        Double.MAX_VALUE,
        "MAX");
    assertSameDouble(ExactSum.quotient(BigInteger.valueOf(-1), BigInteger.TWO), -0.5, "−1/2");
    assertSameDouble(ExactSum.quotient(BigInteger.ZERO, BigInteger.TWO), 0.0, "0/2");
    assertThat(ExactSum.quotient(one, BigInteger.ZERO)).isNaN();
  }
}
