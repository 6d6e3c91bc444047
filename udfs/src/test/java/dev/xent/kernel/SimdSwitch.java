package dev.xent.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** For tests of what the kernels do once they use the vector loops. */
final class SimdSwitch {
  private SimdSwitch() {}

  /**
   * Waits (up to two minutes) for the warm-up to switch the kernels to SIMD, and fails if it does
   * not; skips the test where the vector loops cannot run.
   */
  static void awaitSimd() throws InterruptedException {
    assumeTrue(ExpBlocks.SIMD);
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (!ExpBlocks.simd() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(ExpBlocks.simd()).isTrue();
  }
}
