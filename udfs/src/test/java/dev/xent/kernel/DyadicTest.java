package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static dev.xent.kernel.Rounding.assertIsRoundedQuotient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Dyadic#quotient}: the exact quotient of two binary fractions rounded once, checked against
 * BigDecimal without dividing ({@link Rounding}), across normal, subnormal and overflowing results.
 */
class DyadicTest {
  private static Dyadic random(SplittableRandom random, int exponentLow, int exponentHigh) {
    int bits = random.nextInt(1, 200);
    BigInteger u = new BigInteger(bits, new java.util.Random(random.nextLong())).setBit(0);
    if (random.nextInt(4) == 0) {
      // Few significant bits make exact quotients and ties likely.
      u = BigInteger.valueOf(random.nextInt(1, 16));
    }
    return new Dyadic(u, random.nextInt(exponentLow, exponentHigh));
  }

  @Test
  void aQuotientIsTheExactQuotientRoundedOnceAcrossTheWholeRange() {
    forEachSeed(
        0xD1AD_0001L,
        3000,
        random -> {
          Dyadic x = random(random, -1300, 1100);
          Dyadic y = random(random, -200, 200);
          if (random.nextBoolean()) {
            x = new Dyadic(x.unscaled().negate(), x.exponent());
          }
          double q = Dyadic.quotient(x, y);
          assertIsRoundedQuotient(q, x.toBigDecimal(), y.toBigDecimal(), x + " / " + y);
        });
  }

  @Test
  void quotientsNearTheSubnormalBoundaryRoundAtTheRightBit() {
    forEachSeed(
        0xD1AD_0002L,
        3000,
        random -> {
          // Results between 2^−1080 and 2^−1010: subnormal, the smallest normals, and zero.
          Dyadic x = new Dyadic(BigInteger.valueOf(random.nextLong(1, 1L << 40)), -1080 - 40);
          x = new Dyadic(x.unscaled(), x.exponent() + random.nextInt(0, 70));
          Dyadic y = new Dyadic(BigInteger.valueOf(random.nextInt(1, 1000)), 0);
          assertIsRoundedQuotient(
              Dyadic.quotient(x, y), x.toBigDecimal(), y.toBigDecimal(), x + " / " + y);
        });
  }

  @Test
  void halfTheSmallestSubnormalRoundsToEvenZeroAndThreeHalvesToTwo() {
    Dyadic two = Dyadic.of(2);
    assertSameDouble(Dyadic.quotient(new Dyadic(BigInteger.ONE, -1074), two), 0.0, "ε/2");
    assertSameDouble(
        Dyadic.quotient(new Dyadic(BigInteger.valueOf(3), -1074), two),
        2 * Double.MIN_VALUE,
        "3ε/2");
    assertSameDouble(
        Dyadic.quotient(new Dyadic(BigInteger.ONE.negate(), -1074), two), -0.0, "−ε/2");
  }

  @Test
  void aQuotientHalfAnUlpAboveTheLargestDoubleIsInfinite() {
    // (2^1024 − 2^970) is MAX + ulp/2: the tie goes to the even 2^1024, i.e. ∞.
    Dyadic tie = new Dyadic(BigInteger.ONE.shiftLeft(54).subtract(BigInteger.ONE), 970);
    assertSameDouble(tie.toDouble(), Double.POSITIVE_INFINITY, "MAX + ulp/2");
    Dyadic below = new Dyadic(BigInteger.ONE.shiftLeft(55).subtract(BigInteger.valueOf(3)), 969);
    assertSameDouble(below.toDouble(), Double.MAX_VALUE, "MAX + ulp/4");
  }

  @Test
  void oneThirdIsTheNearestDouble() {
    assertSameDouble(Dyadic.quotient(Dyadic.of(1), Dyadic.of(3)), 1.0 / 3, "1/3");
    assertSameDouble(Dyadic.quotient(Dyadic.ZERO, Dyadic.of(3)), 0.0, "0/3");
  }

  @Test
  void aDivisorThatIsNotPositiveIsRejected() {
    assertThatThrownBy(() -> Dyadic.quotient(Dyadic.of(1), Dyadic.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("divisor must be > 0");
  }

  @Test
  void toBigDecimalIsExact() {
    assertThat(new Dyadic(BigInteger.valueOf(3), -2).toBigDecimal())
        .isEqualByComparingTo(new BigDecimal("0.75"));
    assertThat(new Dyadic(BigInteger.valueOf(3), 4).toBigDecimal())
        .isEqualByComparingTo(new BigDecimal("48"));
  }
}
