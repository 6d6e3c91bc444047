package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;

/**
 * The test side's independent check that a double is an exact quotient rounded once, without
 * dividing: {@code actual} is {@code num / den} rounded to nearest, ties to even, iff |num −
 * den·actual| is no larger than the same distance for either neighbour of actual (and, on a tie,
 * actual is even). {@code new BigDecimal(double)} is exact, so every step is exact arithmetic.
 */
final class Rounding {
  /** MAX + ulp(MAX)/2 = 2^1024 − 2^970: from here on (ties to even) a value rounds to ∞. */
  private static final BigDecimal OVERFLOW_THRESHOLD =
      new BigDecimal(Double.MAX_VALUE).add(new BigDecimal(0x1p970));

  private static final BigDecimal TWO_TO_1024 =
      new BigDecimal(Double.MAX_VALUE).add(new BigDecimal(Math.ulp(Double.MAX_VALUE)));

  private Rounding() {}

  static void assertIsRoundedQuotient(double actual, BigDecimal num, BigDecimal den, String what) {
    assertThat(den.signum()).as("%s: divisor %s", what, den).isPositive();
    assertThat(Double.isNaN(actual)).as("%s: %s/%s gave NaN", what, num, den).isFalse();
    if (Double.isInfinite(actual)) {
      assertThat(num.signum()).as("%s: sign of %s", what, actual).isEqualTo(actual > 0 ? 1 : -1);
      assertThat(num.abs())
          .as("%s: %s/%s rounded to %s", what, num, den, actual)
          .isGreaterThanOrEqualTo(OVERFLOW_THRESHOLD.multiply(den));
      return;
    }
    if (num.signum() != 0 && actual == 0.0) {
      assertThat(Double.compare(actual, num.signum() > 0 ? 0.0 : -0.0))
          .as("%s: sign of the zero for %s", what, num)
          .isZero();
    }
    BigDecimal error = num.subtract(new BigDecimal(actual).multiply(den)).abs();
    for (double neighbour : new double[] {Math.nextUp(actual), Math.nextDown(actual)}) {
      BigDecimal n =
          Double.isInfinite(neighbour)
              ? TWO_TO_1024.multiply(BigDecimal.valueOf((long) Math.signum(neighbour)))
              : new BigDecimal(neighbour);
      int cmp = error.compareTo(num.subtract(n.multiply(den)).abs());
      assertThat(cmp)
          .as("%s: %s is farther than %s from %s/%s", what, actual, neighbour, num, den)
          .isLessThanOrEqualTo(0);
      if (cmp == 0) {
        assertThat(Double.doubleToRawLongBits(actual) & 1)
            .as("%s: tie between %s and %s must go to even", what, actual, neighbour)
            .isZero();
      }
    }
  }

  static void assertIsRounded(double actual, BigDecimal exact, String what) {
    assertIsRoundedQuotient(actual, exact, BigDecimal.ONE, what);
  }

  /** Java serialisation there and back, as a Spark task result travels to the driver. */
  @SuppressWarnings("unchecked")
  static <T> T roundTrip(T value) {
    byte[] bytes = serialize(value);
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
      return (T) in.readObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] serialize(Object value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }
}
