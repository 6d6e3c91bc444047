package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link ExpBlocks}: its exp against fdlibm's {@link StrictMath#exp} (an independent
 * implementation), and the SIMD sums against the scalar definition, bit for bit, interpreted and
 * after the JIT has compiled both (enough calls for C2), over widths, offsets, skipped lanes and
 * non-finite or near-subnormal terms.
 */
class ExpBlocksTest {

  @Test
  void expIsWithinTwoUlpsOfFdlibmFromZeroToTheSubnormalRange() {
    SplittableRandom random = new SplittableRandom(7);
    long worst = 0;
    for (int i = 0; i < 2_000_000; i++) {
      double x = i < 1_000_000 ? -random.nextDouble() * 40 : -random.nextDouble() * 745.2;
      worst = Math.max(worst, ulpDistance(ExpBlocks.exp(x), StrictMath.exp(x)));
    }
    assertThat(worst).isLessThanOrEqualTo(2);
  }

  @Test
  void expm1IsWithinTwoUlpsOfFdlibmFromMinusLn2ToZero() {
    SplittableRandom random = new SplittableRandom(17);
    long worst = 0;
    for (int i = 0; i < 1_000_000; i++) {
      // Uniform on [−ln 2, 0], and log-uniform down to 1e-300 for the digits near 0.
      double x =
          i % 2 == 0 ? -random.nextDouble() * Math.log(2) : -Math.exp(-random.nextDouble() * 690);
      worst = Math.max(worst, ulpDistance(ExpBlocks.expm1(x), StrictMath.expm1(x)));
    }
    assertThat(worst).isLessThanOrEqualTo(2);
    assertThat(ExpBlocks.expm1(-1e-20)).isEqualTo(-1e-20);
    assertThat(ExpBlocks.expm1(0.0)).isZero();
    assertThat(ExpBlocks.expm1(-Double.MIN_VALUE)).isEqualTo(-Double.MIN_VALUE);
  }

  @Test
  void expOfSpecialArguments() {
    assertThat(ExpBlocks.exp(0.0)).isEqualTo(1.0);
    assertThat(ExpBlocks.exp(-0.0)).isEqualTo(1.0);
    assertThat(ExpBlocks.exp(Double.NaN)).isNaN();
    assertThat(Double.doubleToRawLongBits(ExpBlocks.exp(Double.NEGATIVE_INFINITY))).isZero();
    assertThat(ExpBlocks.exp(-746.0)).isZero();
    // Around the switch to fdlibm and in the subnormal range the results are fdlibm's.
    for (double x : new double[] {-708.0, Math.nextDown(-708.0), -720.5, -744.4, -1e300}) {
      assertThat(ulpDistance(ExpBlocks.exp(x), StrictMath.exp(x))).as("x=%s", x).isLessThan(3);
    }
    assertThat(ExpBlocks.exp(-720.5)).isEqualTo(StrictMath.exp(-720.5));
    // A tiny argument must not lose its first-order term: e^-1e-20 rounds to 1, e^-1.2e-16 to the
    // double below it.
    assertThat(ExpBlocks.exp(-1e-20)).isEqualTo(1.0);
    assertThat(ExpBlocks.exp(-1.2e-16)).isEqualTo(Math.nextDown(1.0));
  }

  @Test
  void simdIsInUseWhereTheModuleAndTheHardwareAllowIt() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    assumeTrue(VectorRows.supported());
    assertThat(ExpBlocks.SIMD).isTrue();
  }

  /**
   * The build runs the kernel tests a second time with {@code -XX:UseAVX=2} and this property:
   * there the 256-bit sums must be the ones in use, or that run would test the 512-bit ones again.
   */
  @Test
  void theVectorWidthTheBuildAskedForIsTheOneInUse() {
    String expected = System.getProperty("xent.expect.vector.bits");
    assumeTrue(expected != null);
    assertThat(ExpBlocks.SIMD).isTrue();
    assertThat(VectorRows.WIDE ? 512 : 256).isEqualTo(Integer.parseInt(expected));
  }

  /**
   * The kernels start on the scalar definition and switch once the warm-up thread has measured the
   * vector loops compiled: that must happen, or SIMD would never be used.
   */
  @Test
  void theWarmupSwitchesTheKernelsToTheVectorLoops() throws InterruptedException {
    SimdSwitch.awaitSimd();
  }

  @Test
  void simdSumsEqualTheScalarDefinitionBitForBit() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    assumeTrue(VectorRows.supported());
    SplittableRandom random = new SplittableRandom(11);
    int checked = 0;
    // Enough rounds that both implementations are compiled by C2 well before the end.
    for (int round = 0; round < 40_000; round++) {
      int width = round % 50 == 0 ? 100 + random.nextInt(1200) : random.nextInt(41);
      float[] floats = new float[width];
      double[] doubles = new double[width];
      fill(random, floats, doubles);
      // A block holds at most Logits.BLOCK terms.
      int from = width == 0 ? 0 : random.nextInt(width + 1);
      int to =
          Math.min(
              from + Logits.BLOCK,
              from + (width - from == 0 ? 0 : random.nextInt(width - from + 1)));
      int skip = width == 0 ? -1 : random.nextInt(width + 2) - 1;
      double maxFloat = max(floats);
      double maxDouble = max(doubles);
      long scalarFloat = bits(ExpBlocks.scalarBlockSum(floats, from, to, skip, maxFloat));
      long scalarDouble = bits(ExpBlocks.scalarBlockSum(doubles, from, to, skip, maxDouble));
      assertThat(bits(VectorRows.blockSum(floats, from, to, skip, maxFloat)))
          .as("float, round %d", round)
          .isEqualTo(scalarFloat);
      assertThat(bits(VectorRows.blockSum(doubles, from, to, skip, maxDouble)))
          .as("double, round %d", round)
          .isEqualTo(scalarDouble);
      // Both register widths wherever the hardware runs them natively (256-bit ones on AVX-512
      // too), whichever of them blockSum picked.
      assertThat(bits(VectorRows.blockSum256(floats, from, to, skip, maxFloat)))
          .as("float, 256-bit, round %d", round)
          .isEqualTo(scalarFloat);
      assertThat(bits(VectorRows.blockSum256(doubles, from, to, skip, maxDouble)))
          .as("double, 256-bit, round %d", round)
          .isEqualTo(scalarDouble);
      if (VectorRows.WIDE) {
        assertThat(bits(VectorRows.blockSum512(floats, from, to, skip, maxFloat)))
            .as("float, 512-bit, round %d", round)
            .isEqualTo(scalarFloat);
        assertThat(bits(VectorRows.blockSum512(doubles, from, to, skip, maxDouble)))
            .as("double, 512-bit, round %d", round)
            .isEqualTo(scalarDouble);
      }
      checked++;
    }
    assertThat(checked).isEqualTo(40_000);
  }

  @Test
  void simdArgmaxFindsTheScalarIndex() {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    assumeTrue(VectorRows.supported());
    SplittableRandom random = new SplittableRandom(13);
    for (int round = 0; round < 40_000; round++) {
      int width = round % 50 == 0 ? 100 + random.nextInt(1200) : random.nextInt(80);
      float[] floats = new float[width];
      double[] doubles = new double[width];
      fill(random, floats, doubles);
      if (width > 0 && random.nextInt(3) == 0) {
        // Ties between 0.0 and −0.0 and repeated maxima: the first one wins.
        int a = random.nextInt(width);
        floats[a] = 1e38f;
        doubles[a] = 1e300;
        int b = random.nextInt(width);
        floats[b] = 1e38f;
        doubles[b] = 1e300;
      }
      assertThat(VectorRows.argmax(floats))
          .as("float round %d", round)
          .isEqualTo(Logits.scalarArgmax(floats));
      assertThat(VectorRows.argmax(doubles))
          .as("double round %d", round)
          .isEqualTo(Logits.scalarArgmax(doubles));
    }
    assertThat(
            VectorRows.argmax(
                new float[] {
                  -0.0f, 0.0f, -0.0f, 0.0f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
                }))
        .isZero();
  }

  @Test
  void restMassWithAndWithoutSimdAgreesOnAWideRow() {
    SplittableRandom random = new SplittableRandom(3);
    float[] z = new float[131_072];
    for (int i = 0; i < z.length; i++) {
      z[i] = (float) (random.nextGaussian() * 4);
    }
    int k = Logits.argmax(z);
    double expected = 0.0;
    double compensation = 0.0;
    for (int start = 0; start < z.length; start += Logits.BLOCK) {
      double block =
          ExpBlocks.scalarBlockSum(z, start, Math.min(z.length, start + Logits.BLOCK), k, z[k]);
      double next = expected + block;
      compensation += CompensatedSum.roundingError(expected, block, next);
      expected = next;
    }
    assertThat(bits(Logits.restMass(z, k))).isEqualTo(bits(expected + compensation));
  }

  /**
   * Mostly ordinary logits, with NaN, ±∞, −0.0, subnormals, far-below-the-max values and values
   * near the edge of the fast exp range mixed in.
   */
  private static void fill(SplittableRandom random, float[] floats, double[] doubles) {
    boolean spread = random.nextInt(4) == 0;
    for (int i = 0; i < floats.length; i++) {
      double v = random.nextGaussian() * (spread ? 400 : 5);
      switch (random.nextInt(60)) {
        case 0 -> v = Double.NaN;
        case 1 -> v = Double.NEGATIVE_INFINITY;
        case 2 -> v = -0.0;
        case 3 -> v = Double.MIN_VALUE;
        case 4 -> v = -750;
        case 5 -> v = 1e30;
        // About max − 708: where the fast formula hands over to fdlibm (k = −1021 / −1022).
        case 6 -> v = -697.0 - 2 * random.nextDouble();
        default -> {}
      }
      floats[i] = (float) v;
      doubles[i] = v;
    }
  }

  private static double max(float[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = v > max ? v : max;
    }
    return max == Double.NEGATIVE_INFINITY ? 0.0 : max;
  }

  private static double max(double[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      max = v > max ? v : max;
    }
    return max == Double.NEGATIVE_INFINITY ? 0.0 : max;
  }

  private static long bits(double v) {
    return Double.doubleToRawLongBits(v);
  }

  private static long ulpDistance(double a, double b) {
    return Math.abs(Double.doubleToLongBits(a) - Double.doubleToLongBits(b));
  }
}
