package dev.xent.kernel;

import static dev.xent.kernel.KernelTestSupport.forEachSeed;
import static dev.xent.kernel.KernelTestSupport.randomLogits;
import static dev.xent.kernel.KernelTestSupport.toFloats;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LabelRank}: rank = #{c : z_c > z_y} + #{c < y : z_c = z_y}, the edge matrix of its
 * Javadoc, closed forms on wide rows, and agreement with an independent definition (the label's
 * position in the row sorted by descending logit, ties by index) for the SIMD and the scalar loop.
 */
class LabelRankTest {
  private static final double INF = Double.POSITIVE_INFINITY;
  private static final float FINF = Float.POSITIVE_INFINITY;

  private static int both(double[] z, int y) {
    int rank = LabelRank.of(z, y);
    assertThat(LabelRank.of(toFloats(z), y)).as("float rank of %d", y).isEqualTo(rank);
    assertThat(LabelRank.scalarRank(z, y)).as("scalar rank of %d", y).isEqualTo(rank);
    return rank;
  }

  @Test
  void tiesGoToTheLowerIndexAsInArgmax() {
    double[] z = {1, 3, 3};
    assertThat(both(z, 1)).isZero();
    assertThat(both(z, 2)).isEqualTo(1);
    assertThat(both(z, 0)).isEqualTo(2);
  }

  @Test
  void minusZeroEqualsZero() {
    assertThat(both(new double[] {0.0, -0.0}, 1)).isEqualTo(1);
    assertThat(both(new double[] {-0.0, 0.0}, 1)).isEqualTo(1);
    assertThat(both(new double[] {-0.0, 0.0}, 0)).isZero();
  }

  @Test
  void minusInfinityIsAnOrdinaryMinimum() {
    double[] z = {-INF, -INF, 1};
    assertThat(both(z, 2)).isZero();
    assertThat(both(z, 0)).isEqualTo(1);
    assertThat(both(z, 1)).isEqualTo(2);
  }

  @Test
  void plusInfinityIsAnOrdinaryMaximum() {
    assertThat(both(new double[] {1, INF, INF}, 0)).isEqualTo(2);
    assertThat(both(new double[] {1, INF, INF}, 2)).isEqualTo(1);
    assertThat(LabelRank.of(new float[] {FINF, 1}, 0)).isZero();
  }

  @Test
  void aNaNLogitIsNeverCountedAndANaNLabelRanksZero() {
    // Documented, though Validity rejects such rows before they are ranked.
    double[] z = {Double.NaN, 1, 2};
    assertThat(both(z, 1)).isEqualTo(1);
    assertThat(both(z, 0)).isZero();
  }

  @Test
  void subnormalsAndTheLargestFloatsCompareExactly() {
    assertThat(both(new double[] {Double.MIN_VALUE, 0, -Double.MIN_VALUE}, 2)).isEqualTo(2);
    assertThat(LabelRank.of(new double[] {Double.MIN_VALUE, 0, -Double.MIN_VALUE}, 1)).isEqualTo(1);
    // Float.MIN_VALUE survives the float conversion; a double subnormal would not.
    assertThat(LabelRank.of(new float[] {0, Float.MIN_VALUE}, 0)).isEqualTo(1);
    float max = Float.MAX_VALUE;
    assertThat(LabelRank.of(new float[] {max, max, -max}, 1)).isEqualTo(1);
    assertThat(LabelRank.of(new float[] {max, max, -max}, 2)).isEqualTo(2);
  }

  @Test
  void aSingleClassHasRankZero() {
    assertThat(both(new double[] {-7.5}, 0)).isZero();
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 17, 124_999, 249_998, 249_999})
  void onAnAscendingRowOf250000ClassesTheRankCountsTheClassesAbove(int y) {
    // z_i = i: exactly the 249,999 − y classes after y are larger.
    double[] z = IntStream.range(0, 250_000).asDoubleStream().toArray();
    assertThat(both(z, y)).isEqualTo(249_999 - y);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 17, 124_999, 249_999})
  void onAConstantRowOf250000ClassesTheRankIsTheIndex(int y) {
    // All tied: the y classes before y rank ahead of it.
    double[] z = new double[250_000];
    Arrays.fill(z, 0.25);
    assertThat(both(z, y)).isEqualTo(y);
  }

  @Test
  void rankZeroMeansTheLabelIsTheArgmax() {
    forEachSeed(
        0x4A_0001L,
        500,
        random -> {
          double[] z = randomLogits(random);
          float[] f = toFloats(z);
          int y = random.nextInt(z.length);
          assertThat(LabelRank.of(z, y) == 0).isEqualTo(Logits.argmax(z) == y);
          assertThat(LabelRank.of(f, y) == 0).isEqualTo(Logits.argmax(f) == y);
        });
  }

  @Test
  void theRankIsThePositionInTheStableDescendingOrder() {
    forEachSeed(
        0x4A_0002L,
        500,
        random -> {
          double[] z = randomLogits(random);
          float[] f = toFloats(z);
          int y = random.nextInt(z.length);
          // Double.compare would order −0.0 before 0.0; == does not, and neither does the rank.
          Integer[] order = IntStream.range(0, z.length).boxed().toArray(Integer[]::new);
          Arrays.sort(
              order,
              Comparator.comparingDouble((Integer i) -> -(z[i] + 0.0)).thenComparingInt(i -> i));
          int position = Arrays.asList(order).indexOf(y);
          assertThat(LabelRank.of(z, y)).isEqualTo(position);
          assertThat(LabelRank.scalarRank(z, y)).isEqualTo(position);
          assertThat(LabelRank.of(f, y)).isEqualTo(LabelRank.scalarRank(f, y));
        });
  }

  @ParameterizedTest
  @ValueSource(ints = {-1, 3, Integer.MAX_VALUE})
  void aLabelOutsideTheRowIsRejectedWithTheLabelAndTheWidth(int y) {
    assertThatThrownBy(() -> LabelRank.of(new double[] {1, 2, 3}, y))
        .isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessage("Cannot rank label " + y + ": the row has 3 classes");
    assertThatThrownBy(() -> LabelRank.of(new float[] {1, 2, 3}, y))
        .hasMessage("Cannot rank label " + y + ": the row has 3 classes");
  }
}
