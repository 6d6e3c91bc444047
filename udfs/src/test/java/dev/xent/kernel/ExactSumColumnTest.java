package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.assertSameDouble;
import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ExactSumColumn}: every cell equals the BigDecimal sum of its addends (doubles over the
 * whole range, and exact products of two doubles), whether it stays in its window or is promoted;
 * merges and serialisation keep the value.
 */
class ExactSumColumnTest {
  private static final double INF = Double.POSITIVE_INFINITY;

  /** A column and its BigDecimal model, fed the same random addends. */
  private static final class Model {
    final ExactSumColumn column;
    final BigDecimal[] exact;
    final boolean[] infinite;

    Model(int width, int n) {
      column = new ExactSumColumn(width, n);
      exact = new BigDecimal[n];
      java.util.Arrays.fill(exact, BigDecimal.ZERO);
      infinite = new boolean[n];
    }

    void add(int i, double v) {
      column.add(i, v);
      if (v == INF) {
        infinite[i] = true;
      } else {
        exact[i] = exact[i].add(new BigDecimal(v));
      }
    }

    void addProduct(int i, double a, double b) {
      column.addProduct(i, a, b);
      exact[i] = exact[i].add(new BigDecimal(a).multiply(new BigDecimal(b)));
    }

    void check(ExactSumColumn c, String what) {
      for (int i = 0; i < exact.length; i++) {
        assertThat(c.isInfinite(i)).as("%s: cell %d infinite", what, i).isEqualTo(infinite[i]);
        if (infinite[i]) {
          assertSameDouble(c.sum(i), INF, what + ": cell " + i);
        } else {
          assertThat(c.exact(i).toBigDecimal())
              .as("%s: cell %d", what, i)
              .isEqualByComparingTo(exact[i]);
          Rounding.assertIsRounded(c.sum(i), exact[i], what + ": sum of cell " + i);
        }
      }
    }
  }

  /** Mostly values of a few nearby binades (what windows are for), sometimes anything. */
  private static double addend(SplittableRandom random) {
    return random.nextInt(4) == 0
        ? ExactSumTest.randomFiniteDouble(random)
        : Math.scalb(random.nextDouble() - 0.25, random.nextInt(-8, 8));
  }

  @Test
  void everyCellIsTheExactSumOfItsAddends() {
    for (int width : new int[] {2, 3}) {
      forEachSeed(
          0xC01_0001L + width,
          200,
          random -> {
            Model model = new Model(width, random.nextInt(1, 8));
            for (int k = random.nextInt(0, 300); k > 0; k--) {
              int i = random.nextInt(model.exact.length);
              model.add(i, random.nextInt(500) == 0 ? INF : addend(random));
            }
            model.check(model.column, "width " + width);
          });
    }
  }

  @Test
  void exactProductsOfAnyTwoDoublesAreSummedExactly() {
    forEachSeed(
        0xC01_0002L,
        200,
        random -> {
          Model model = new Model(3, random.nextInt(1, 5));
          for (int k = random.nextInt(0, 200); k > 0; k--) {
            int i = random.nextInt(model.exact.length);
            double a =
                random.nextBoolean() ? addend(random) : ExactSumTest.randomFiniteDouble(random);
            double b =
                random.nextBoolean() ? addend(random) : ExactSumTest.randomFiniteDouble(random);
            model.addProduct(i, a, b);
          }
          model.check(model.column, "products");
        });
  }

  @Test
  void theProductOfTwoSubnormalsAndOfTwoHugeValuesIsKeptExactly() {
    Model model = new Model(3, 2);
    // 2^−2148: below every double; MAX·MAX ≈ 2^2048: beyond every double.
    model.addProduct(0, Double.MIN_VALUE, Double.MIN_VALUE);
    model.addProduct(1, Double.MAX_VALUE, Double.MAX_VALUE);
    model.addProduct(1, -Double.MAX_VALUE, Double.MAX_VALUE);
    model.addProduct(1, 3.0, Double.MIN_VALUE);
    model.check(model.column, "extremes");
    assertSameDouble(model.column.sum(0), 0.0, "2^−2148 rounds to 0");
    assertSameDouble(model.column.sum(1), 3 * Double.MIN_VALUE, "MAX² − MAX² + 3ε");
  }

  @Test
  void aLowerAddendRebasesTheWindowWithoutPromotion() {
    ExactSumColumn column = new ExactSumColumn(2, 1);
    column.add(0, 1.0);
    column.add(0, 0x1p-100);
    assertThat(column.isPromoted(0)).isFalse();
    assertThat(column.exact(0).toBigDecimal())
        .isEqualByComparingTo(BigDecimal.ONE.add(new BigDecimal(0x1p-100)));
  }

  @Test
  void aSumSpanningMoreBitsThanTheWindowIsPromotedAndStaysExact() {
    ExactSumColumn column = new ExactSumColumn(2, 1);
    column.add(0, 1e300);
    column.add(0, 1e-300);
    assertThat(column.isPromoted(0)).isTrue();
    assertThat(column.exact(0).toBigDecimal())
        .isEqualByComparingTo(new BigDecimal(1e300).add(new BigDecimal(1e-300)));
  }

  @Test
  void anAdditionThatOverflowsTheTopWordIsPromoted() {
    // 1 + 2^126 needs 127 bits, the most a 2-word window holds besides its sign; adding 2^126
    // again overflows the two's complement top word (the sign rule catches it).
    ExactSumColumn column = new ExactSumColumn(2, 1);
    column.add(0, 1.0);
    column.add(0, 0x1p126);
    assertThat(column.isPromoted(0)).isFalse();
    column.add(0, 0x1p126);
    assertThat(column.isPromoted(0)).isTrue();
    assertThat(column.exact(0).toBigDecimal())
        .isEqualByComparingTo(new BigDecimal(0x1p127).add(BigDecimal.ONE));
  }

  @Test
  void aCellThatCancelsToZeroForgetsItsWindow() {
    ExactSumColumn column = new ExactSumColumn(2, 1);
    column.add(0, 0x1p100);
    column.add(0, -0x1p100);
    column.add(0, 0x1p-200);
    assertThat(column.isPromoted(0)).isFalse();
    assertSameDouble(column.sum(0), 0x1p-200, "2^100 − 2^100 + 2^−200");
  }

  @Test
  void negativeSumsAreExact() {
    ExactSumColumn column = new ExactSumColumn(2, 1);
    column.add(0, -3.0);
    column.add(0, 0x1p-60);
    column.add(0, -0x1p-70);
    BigDecimal expected =
        new BigDecimal(-3.0).add(new BigDecimal(0x1p-60)).subtract(new BigDecimal(0x1p-70));
    assertThat(column.exact(0).toBigDecimal()).isEqualByComparingTo(expected);
  }

  @Test
  void infinityAbsorbsEverythingAfterAndBefore() {
    ExactSumColumn column = new ExactSumColumn(3, 1);
    column.add(0, 1e300);
    column.add(0, 1e-300);
    column.add(0, INF);
    column.add(0, 5.0);
    assertThat(column.isInfinite(0)).isTrue();
    assertSameDouble(column.sum(0), INF, "∞");
  }

  private static ExactSumColumn writeAndRead(ExactSumColumn column, int n, int width)
      throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      column.write(out, n);
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      ExactSumColumn copy = ExactSumColumn.read(in, n, width);
      assertThat(in.read()).as("bytes left after the last cell").isEqualTo(-1);
      return copy;
    }
  }

  @Test
  void anySplitMergedInAnyOrderAndSerialisedOnTheWayEqualsOnePass() {
    for (int width : new int[] {2, 3}) {
      forEachSeed(
          0xC01_0003L + width,
          150,
          random -> {
            int n = random.nextInt(1, 6);
            Model model = new Model(width, n);
            int k = random.nextInt(1, 12);
            List<ExactSumColumn> pieces = new ArrayList<>();
            for (int p = 0; p < k; p++) {
              pieces.add(new ExactSumColumn(width, n));
            }
            for (int r = random.nextInt(0, 300); r > 0; r--) {
              int i = random.nextInt(n);
              ExactSumColumn piece = pieces.get(random.nextInt(k));
              if (random.nextBoolean()) {
                double v = random.nextInt(400) == 0 ? INF : addend(random);
                model.add(i, v);
                piece.add(i, v);
              } else {
                double a = addend(random);
                double b = addend(random);
                model.addProduct(i, a, b);
                piece.addProduct(i, a, b);
              }
            }
            while (pieces.size() > 1) {
              ExactSumColumn into = pieces.remove(random.nextInt(pieces.size()));
              ExactSumColumn from = pieces.remove(random.nextInt(pieces.size()));
              if (random.nextBoolean()) {
                from = writeAndRead(from, n, width);
              }
              for (int i = 0; i < n; i++) {
                into.merge(i, from);
              }
              pieces.add(into);
            }
            model.check(pieces.get(0), "merged, width " + width);
            model.check(writeAndRead(pieces.get(0), n, width), "read back, width " + width);
          });
    }
  }

  @Test
  void aPromotedAndAnInfiniteCellSurviveSerialisation() throws IOException {
    Model model = new Model(2, 4);
    model.add(0, 1e300);
    model.add(0, -1e-300);
    model.add(1, INF);
    model.add(3, -0x1p-1000);
    ExactSumColumn copy = writeAndRead(model.column, 4, 2);
    assertThat(copy.isPromoted(0)).isTrue();
    model.check(copy, "read back");
  }

  @Test
  void varintsRoundTripEveryMagnitude() throws IOException {
    long[] values = {0, 1, 127, 128, 1L << 35, Long.MAX_VALUE, -1, Long.MIN_VALUE};
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      for (long v : values) {
        ExactSumColumn.writeVarLong(out, v);
      }
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      for (long v : values) {
        assertThat(ExactSumColumn.readVarLong(in)).isEqualTo(v);
      }
    }
  }
}
