package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.SplittableRandom;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

/**
 * The vector row checks ({@link VectorRows#allFinite}, {@link VectorRows#allUnit}) against their
 * closed form (every value finite; every value in [0, 1]), and {@link Validity}'s verdicts with
 * them against its scalar loops: rows of 0 to 70 values (shorter than a vector, whole vectors and
 * tails at either width) with each edge value at each position, two at once, and none.
 */
class VectorValidityTest {

  private static final double[] EDGES = {
    Double.NaN,
    Double.POSITIVE_INFINITY,
    Double.NEGATIVE_INFINITY,
    -0.0,
    0.0,
    1.0,
    Math.nextUp(1.0),
    -Double.MIN_VALUE,
    Double.MIN_VALUE,
    Double.MIN_NORMAL,
    Float.MAX_VALUE,
    -Float.MAX_VALUE,
    Double.MAX_VALUE,
    -Double.MAX_VALUE,
    Float.MIN_VALUE,
    Double.longBitsToDouble(0x7ff0_0000_0000_0001L),
    Double.longBitsToDouble(0xfff8_0000_0000_0000L)
  };

  private static final int MAX_WIDTH = 70;

  @Test
  void vectorChecksEqualTheirClosedFormAndValidityItsScalarLoops() throws InterruptedException {
    assumeTrue(ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent());
    assumeTrue(VectorRows.supported());
    SplittableRandom random = new SplittableRandom(2026_12_06);
    int vectorVerdicts = 0;
    for (int n = 0; n <= MAX_WIDTH; n++) {
      for (int first = -1; first < n; first++) {
        for (int e = 0; e < EDGES.length; e++) {
          // A second edge value elsewhere in every fourth row, so that two problems meet.
          int second = n > 1 && random.nextInt(4) == 0 ? random.nextInt(n) : -1;
          double[] row = new double[n];
          for (int i = 0; i < n; i++) {
            row[i] = random.nextDouble();
          }
          if (second >= 0) {
            row[second] = EDGES[random.nextInt(EDGES.length)];
          }
          if (first >= 0) {
            row[first] = EDGES[e];
          }
          vectorVerdicts += assertChecks(row, "n " + n + ", edge " + EDGES[e] + " at " + first);
          if (first < 0) {
            break;
          }
        }
      }
    }
    // Most of the rows reached the vector checks' OK.
    assertThat(vectorVerdicts).isGreaterThan(1000);
  }

  /** The checks of one row (as doubles, floats and targets); 1 when the vector passes said OK. */
  private static int assertChecks(double[] row, String where) {
    float[] floats = new float[row.length];
    boolean allFinite = true;
    boolean allFloatsFinite = true;
    boolean allUnit = true;
    for (int i = 0; i < row.length; i++) {
      floats[i] = (float) row[i];
      allFinite &= Double.isFinite(row[i]);
      allFloatsFinite &= Float.isFinite(floats[i]);
      // −0.0 is in range, but the vector check leaves it to the scalar loop.
      allUnit &= row[i] >= 0.0 && row[i] <= 1.0 && Double.doubleToRawLongBits(row[i]) >= 0;
    }
    boolean wholeFloatVector = row.length >= FloatVector.SPECIES_PREFERRED.length();
    boolean wholeDoubleVector = row.length >= DoubleVector.SPECIES_PREFERRED.length();
    assertThat(VectorRows.allFinite(row)).as(where).isEqualTo(allFinite && wholeDoubleVector);
    assertThat(VectorRows.allFinite(floats))
        .as(where)
        .isEqualTo(allFloatsFinite && wholeFloatVector);
    assertThat(VectorRows.allUnit(row)).as(where).isEqualTo(allUnit && wholeDoubleVector);
    for (boolean softmax : new boolean[] {true, false}) {
      assertThat(Validity.logits(row, softmax))
          .as(where)
          .isEqualTo(Validity.scalarLogits(row, softmax));
      assertThat(Validity.logits(floats, softmax))
          .as(where)
          .isEqualTo(Validity.scalarLogits(floats, softmax));
    }
    assertThat(Validity.sigmoidTargets(row, row.length))
        .as(where)
        .isEqualTo(Validity.scalarSigmoidTargets(row));
    return VectorRows.allFinite(row) ? 1 : 0;
  }

  /** Validity's verdicts once the kernels have switched to SIMD: through the vector checks. */
  @Test
  void validityGivesTheScalarVerdictsOnceTheVectorChecksAreOn() throws InterruptedException {
    SimdSwitch.awaitSimd();
    vectorChecksEqualTheirClosedFormAndValidityItsScalarLoops();
  }
}
