package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** {@link AuditSpec}: validation with the offending value in the message, and immutability. */
class AuditSpecTest {
  @Test
  void aValidSpecKeepsItsOptions() {
    AuditSpec spec = new AuditSpec(true, new int[] {1, 3, 10}, 15, 0.9);
    assertThat(spec.weighted()).isTrue();
    assertThat(spec.topK()).containsExactly(1, 3, 10);
    assertThat(spec.maxK()).isEqualTo(10);
    assertThat(spec.calibrationBins()).isEqualTo(15);
    assertThat(spec.confidenceLevel()).isEqualTo(0.9);
    assertThat(new AuditSpec(false, new int[0], 1, 0.5).maxK()).isZero();
  }

  @Test
  void theDefaultsAreUnweightedTopOneAndFiveFifteenBinsAndNinetyFivePercent() {
    assertThat(AuditSpec.defaults()).isEqualTo(new AuditSpec(false, new int[] {1, 5}, 15, 0.95));
  }

  @Test
  void theKsCannotBeChangedFromOutside() {
    int[] ks = {1, 5};
    AuditSpec spec = new AuditSpec(false, ks, 10, 0.95);
    ks[0] = 7;
    spec.topK()[1] = 9;
    assertThat(spec.topK()).containsExactly(1, 5);
  }

  @Test
  void specsWithEqualOptionsAreEqual() {
    AuditSpec a = new AuditSpec(true, new int[] {1, 5}, 10, 0.95);
    AuditSpec b = new AuditSpec(true, new int[] {1, 5}, 10, 0.95);
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(new AuditSpec(true, new int[] {1, 4}, 10, 0.95));
    assertThat(a).isNotEqualTo(new AuditSpec(false, new int[] {1, 5}, 10, 0.95));
    assertThat(a).isNotEqualTo(new AuditSpec(true, new int[] {1, 5}, 11, 0.95));
    assertThat(a).isNotEqualTo(new AuditSpec(true, new int[] {1, 5}, 10, 0.9));
  }

  @Test
  void aKBelowOneIsRejected() {
    assertThatThrownBy(() -> new AuditSpec(false, new int[] {0, 5}, 10, 0.95))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot")
        .hasMessageContaining("k = 0");
  }

  @Test
  void unsortedOrRepeatedKsAreRejected() {
    assertThatThrownBy(() -> new AuditSpec(false, new int[] {5, 1}, 10, 0.95))
        .hasMessageContaining("[5, 1]")
        .hasMessageContaining("sorted and distinct");
    assertThatThrownBy(() -> new AuditSpec(false, new int[] {1, 1}, 10, 0.95))
        .hasMessageContaining("[1, 1]");
    assertThatThrownBy(() -> new AuditSpec(false, null, 10, 0.95))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("null");
  }

  @Test
  void fewerThanOneBinIsRejected() {
    assertThatThrownBy(() -> new AuditSpec(false, new int[] {1}, 0, 0.95))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 bins");
  }

  @Test
  void aLevelOutsideTheOpenUnitIntervalIsRejected() {
    for (double level : new double[] {0.0, 1.0, -0.1, 95.0, Double.NaN}) {
      assertThatThrownBy(() -> new AuditSpec(false, new int[] {1}, 10, level))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("Cannot")
          .hasMessageContaining("level " + level);
    }
  }

  @Test
  void zIsTheTwoSidedNormalQuantile() {
    // √2·erfinv(0.95) = 1.95996398454005385560… (mpmath); the double nearest is 1.959963984540054.
    assertThat(new AuditSpec(false, new int[0], 1, 0.95).z())
        .isCloseTo(1.959963984540054, org.assertj.core.data.Offset.offset(8e-16));
  }
}
