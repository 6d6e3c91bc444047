package dev.xent.kernel;

/**
 * Neumaier's compensated summation, kept in two local doubles by the caller: {@code sum} and {@code
 * compensation}; the result is {@code sum + compensation}.
 *
 * <p>Why: plain summation of n terms can lose up to n·eps relative (≈ 3e-11 for a 250,000-class
 * row), compensated summation keeps it near 2·eps (Higham, Accuracy and Stability of Numerical
 * Algorithms, §4.3). {@link Logits#restMass} compensates across blocks of {@link Logits#BLOCK}
 * plain-summed terms; row losses and label sums compensate every term.
 */
final class CompensatedSum {
  private CompensatedSum() {}

  /** The exact rounding error of {@code newSum = sum + term} (Neumaier's TwoSum variant). */
  static double roundingError(double sum, double term, double newSum) {
    return Math.abs(sum) >= Math.abs(term) ? (sum - newSum) + term : (term - newSum) + sum;
  }
}
