package dev.xent.kernel;

import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.io.Serializable;

/**
 * A streaming, mergeable {@code log Σ exp(x_i)}: the state is the running maximum m and the
 * compensated mass of every other value relative to it, {@code Σ exp(x_i − m)}, so the result is
 * {@code m + log1p(rest)} exactly as in {@link LogSumExp}. Spark keeps one per partition and merges
 * them at the driver.
 *
 * <p>Non-finite behaviour: no values, or only −∞, give −∞; any NaN gives NaN; otherwise any +∞
 * gives +∞. Merging is exact up to the rescaling {@code exp(m_old − m_new)}; results of different
 * splits agree to a few ulps of the sum, not bit for bit.
 */
public final class LogSumExpAccumulator implements Serializable {
  private static final long serialVersionUID = 1L;

  private double max = Double.NEGATIVE_INFINITY;
  private double rest;
  private double restCompensation;
  private boolean sawNaN;
  private long count;

  public void add(double x) {
    count++;
    if (x != x) {
      sawNaN = true;
    } else if (x == Double.NEGATIVE_INFINITY) {
      // exp(−∞) = 0: nothing to add.
    } else if (max == Double.NEGATIVE_INFINITY) {
      max = x;
    } else if (x > max) {
      moveMaxTo(x);
    } else if (max != Double.POSITIVE_INFINITY) {
      addToRest(Math.exp(x - max));
    }
  }

  public void merge(LogSumExpAccumulator other) {
    sawNaN |= other.sawNaN;
    count += other.count;
    if (other.max == Double.NEGATIVE_INFINITY) {
      return;
    }
    if (max == Double.NEGATIVE_INFINITY) {
      max = other.max;
      rest = other.rest;
      restCompensation = other.restCompensation;
      return;
    }
    if (max == Double.POSITIVE_INFINITY || other.max == Double.POSITIVE_INFINITY) {
      max = Double.POSITIVE_INFINITY;
      return;
    }
    // Both finite: bring the smaller side's (1 + rest) to the larger maximum and add.
    double otherMass;
    double otherCompensation;
    if (other.max > max) {
      double scale = Math.exp(max - other.max);
      otherMass = (1.0 + rest) * scale;
      otherCompensation = restCompensation * scale;
      max = other.max;
      rest = other.rest;
      restCompensation = other.restCompensation;
    } else {
      double scale = Math.exp(other.max - max);
      otherMass = (1.0 + other.rest) * scale;
      otherCompensation = other.restCompensation * scale;
    }
    addToRest(otherMass);
    restCompensation += otherCompensation;
  }

  /** How many values were added, NaN and −∞ included. */
  public long count() {
    return count;
  }

  /** Writes the state; {@link #readFrom} restores it exactly. */
  public void writeTo(DataOutput out) throws IOException {
    out.writeDouble(max);
    out.writeDouble(rest);
    out.writeDouble(restCompensation);
    out.writeBoolean(sawNaN);
    out.writeLong(count);
  }

  public static LogSumExpAccumulator readFrom(DataInput in) throws IOException {
    LogSumExpAccumulator state = new LogSumExpAccumulator();
    state.max = in.readDouble();
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
    return max + Math.log1p(rest + restCompensation);
  }

  /** The old maximum joins the rest: rest' = (1 + rest)·exp(m − m'). */
  private void moveMaxTo(double newMax) {
    if (newMax != Double.POSITIVE_INFINITY) {
      double scale = Math.exp(max - newMax);
      rest *= scale;
      restCompensation *= scale;
      addToRest(scale);
    }
    max = newMax;
  }

  private void addToRest(double term) {
    double next = rest + term;
    restCompensation += CompensatedSum.roundingError(rest, term, next);
    rest = next;
  }
}
