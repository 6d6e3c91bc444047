package dev.xent.kernel;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;

/**
 * A streaming, mergeable {@code log Σ exp(x_i)}. The state is the running maximum m, a reference r
 * with {@code m − STEP ≤ r ≤ m}, and the compensated mass of every value but the maximum relative
 * to r, {@code rest = Σ exp(x_i − r)}; the result is {@code m + log1p(rest·exp(r − m))}, as in
 * {@link LogSumExp}. Spark keeps one per partition and merges them at the driver.
 *
 * <p>Why a lagging reference: rescaling the rest at every new maximum costs one rounding per
 * rescale, and on an ascending stream those add up to n·eps. The rest is rescaled only when the
 * maximum has moved {@link #STEP} beyond r, and then by at most e^−STEP, so earlier rounding errors
 * shrink instead of accumulating. Results of different splits agree to a few ulps, not bit for bit.
 *
 * <p>Non-finite behaviour: no values, or only −∞, give −∞; any NaN gives NaN; otherwise any +∞
 * gives +∞.
 */
public final class LogSumExpAccumulator implements Serializable {
  private static final long serialVersionUID = 2L;

  /** e^32 ≈ 7.9e13 bounds every term, far from overflow for any count of values. */
  static final double STEP = 32.0;

  private double max = Double.NEGATIVE_INFINITY;
  private double reference = Double.NEGATIVE_INFINITY;
  private double rest;
  private double restCompensation;
  private boolean sawNaN;
  private long count;

  public void add(double x) {
    count++;
    if (x != x) {
      sawNaN = true;
    } else if (x == Double.NEGATIVE_INFINITY || max == Double.POSITIVE_INFINITY) {
      // exp(−∞) = 0 adds nothing; after a +∞ nothing finite matters.
    } else if (max == Double.NEGATIVE_INFINITY || x == Double.POSITIVE_INFINITY) {
      max = x;
      reference = x;
    } else if (x > max) {
      if (x > reference + STEP) {
        rebase(x);
      }
      // The old maximum joins the rest.
      addToRest(Math.exp(max - reference));
      max = x;
    } else {
      addToRest(Math.exp(x - reference));
    }
  }

  public void merge(LogSumExpAccumulator other) {
    sawNaN |= other.sawNaN;
    count += other.count;
    if (other.max == Double.NEGATIVE_INFINITY || max == Double.POSITIVE_INFINITY) {
      return;
    }
    if (max == Double.NEGATIVE_INFINITY || other.max == Double.POSITIVE_INFINITY) {
      max = other.max;
      reference = other.reference;
      rest = other.rest;
      restCompensation = other.restCompensation;
      return;
    }
    // Both finite: the common reference is the larger one (still within STEP of the new max),
    // and the smaller maximum joins the rest.
    double newReference = Math.max(reference, other.reference);
    rebase(newReference);
    double scale = Math.exp(other.reference - newReference);
    addToRest(other.rest * scale);
    restCompensation += other.restCompensation * scale;
    addToRest(Math.exp(Math.min(max, other.max) - newReference));
    max = Math.max(max, other.max);
  }

  /** How many values were added, NaN and −∞ included. */
  public long count() {
    return count;
  }

  /** Writes the state; {@link #readFrom} restores it exactly. */
  public void writeTo(DataOutput out) throws IOException {
    out.writeDouble(max);
    out.writeDouble(reference);
    out.writeDouble(rest);
    out.writeDouble(restCompensation);
    out.writeBoolean(sawNaN);
    out.writeLong(count);
  }

  public static LogSumExpAccumulator readFrom(DataInput in) throws IOException {
    LogSumExpAccumulator state = new LogSumExpAccumulator();
    state.max = in.readDouble();
    state.reference = in.readDouble();
    state.rest = in.readDouble();
    state.restCompensation = in.readDouble();
    state.sawNaN = in.readBoolean();
    state.count = in.readLong();
    return state;
  }

  /** {@code log Σ exp(x_i)} over everything added or merged so far. */
  public double result() {
    if (sawNaN) {
      return Double.NaN;
    }
    if (!Double.isFinite(max)) {
      return max;
    }
    // One rounding to move the rest from r to m: exp(r − m) ∈ [e^−STEP, 1].
    return max + Log1p.of((rest + restCompensation) * Math.exp(reference - max));
  }

  /** Expresses the rest relative to {@code newReference} ≥ the current reference. */
  private void rebase(double newReference) {
    if (newReference != reference) {
      double scale = Math.exp(reference - newReference);
      rest *= scale;
      restCompensation *= scale;
      reference = newReference;
    }
  }

  private void addToRest(double term) {
    double next = rest + term;
    restCompensation += CompensatedSum.roundingError(rest, term, next);
    rest = next;
  }
}
