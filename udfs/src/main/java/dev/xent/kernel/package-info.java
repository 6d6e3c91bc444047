/**
 * Pure-Java cross-entropy kernels: static methods over primitive arrays, no Spark import.
 *
 * <p>Every kernel computes in double, whatever the input precision, and never forms a probability
 * on the way to a loss: the loss is {@code logsumexp(z) - z[y]} evaluated as {@code (m - z[y]) +
 * log1p(rest)}, where {@code m} is the row maximum and {@code rest} the probability mass of every
 * class but the first maximum, relative to it. That keeps tiny losses (1e-20) at full relative
 * precision and cannot overflow for any finite input.
 */
package dev.xent.kernel;
