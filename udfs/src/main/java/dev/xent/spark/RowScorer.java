package dev.xent.spark;

import dev.xent.kernel.Evaluation;
import dev.xent.kernel.Reason;
import dev.xent.kernel.ReasonDetail;
import dev.xent.kernel.RowAuditor;
import dev.xent.kernel.Scored;
import dev.xent.kernel.Scoring;
import dev.xent.spark.InputTypes.LabelKind;
import dev.xent.spark.InputTypes.LogitsKind;
import java.io.Serializable;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;

/**
 * Scores one (logits, label) pair given as Spark holds them ({@code ArrayData}, a vector's {@code
 * InternalRow}, a boxed number): converts to primitive arrays and calls {@link Scoring}. Built once
 * per column pair from the (already validated) types; shared by the SQL functions and the job's
 * partition reducer, so both give the same status and loss for every row.
 */
public final class RowScorer implements Serializable {
  private static final long serialVersionUID = 1L;

  private final LogitsKind logitsKind;
  private final boolean logitElementsNullable;
  private final LabelKind labelKind;
  private final DataType labelType;
  private final boolean sigmoid;
  private final double smoothing;

  public RowScorer(DataType logitsType, DataType labelType, boolean sigmoid) {
    this(logitsType, labelType, sigmoid, 0.0);
  }

  /**
   * A softmax scorer with label smoothing E (0 ≤ E < 1, checked by the caller): the target is
   * {@code (1 − E)·label + E/C}, see {@link Scoring#sparse(float[], double, double)}. E = 0 is the
   * plain scorer, bit for bit; sigmoid rows ignore E.
   */
  public RowScorer(DataType logitsType, DataType labelType, boolean sigmoid, double smoothing) {
    this.logitsKind = InputTypes.logitsKind(logitsType, sigmoid);
    this.labelKind = InputTypes.labelKind(labelType);
    if (logitsKind == null || labelKind == null) {
      throw new IllegalArgumentException(
          "Cannot score " + logitsType.simpleString() + " logits with " + labelType.simpleString());
    }
    this.logitElementsNullable = logitsType instanceof ArrayType array && array.containsNull();
    this.labelType = labelType;
    this.sigmoid = sigmoid;
    this.smoothing = smoothing;
  }

  /**
   * The same scorer for a source known to hold no null element (e.g. a columnar batch whose element
   * vector has no nulls), which skips the per-element check.
   */
  public RowScorer withoutNullElements() {
    return new RowScorer(this, false);
  }

  private RowScorer(RowScorer other, boolean logitElementsNullable) {
    this.logitsKind = other.logitsKind;
    this.logitElementsNullable = logitElementsNullable;
    this.labelKind = other.labelKind;
    this.labelType = other.labelType;
    this.sigmoid = other.sigmoid;
    this.smoothing = other.smoothing;
  }

  /**
   * The label smoothing this scorer applies to softmax rows (0 for none): a caller with its own
   * fast path (e.g. a columnar reduction calling {@link Scoring} directly) must pass it on.
   */
  public double smoothing() {
    return smoothing;
  }

  /**
   * Validates and scores one row under an audit's options into {@code into}, with the same
   * conversions as {@link #score}. {@code weight} is the row's weight (NaN when NULL; read only
   * when the audit is weighted). A label equal to the ignore index makes the row ignored even when
   * its logits are null. Returns the row's status, the one {@code into} counted.
   */
  public Reason audit(
      Object logitsValue, Object labelValue, double weight, RowAuditor auditor, Evaluation into) {
    if (!sigmoid && labelKind.isScalar() && labelValue != null) {
      double label = InputTypes.numericValue(labelValue);
      if (auditor.ignores(label)) {
        into.unscored(Reason.IGNORED);
        return Reason.IGNORED;
      }
      Object z =
          logitsValue == null
              ? null
              : InputTypes.logits(logitsValue, logitsKind, logitElementsNullable);
      if (z == null) {
        return auditor.nullRow(into);
      }
      return z instanceof float[] f
          ? auditor.sparse(f, label, weight, into)
          : auditor.sparse((double[]) z, label, weight, into);
    }
    if (logitsValue == null || labelValue == null) {
      return auditor.nullRow(into);
    }
    Object z = InputTypes.logits(logitsValue, logitsKind, logitElementsNullable);
    double[] row = z == null ? null : InputTypes.labelRow(labelValue, labelKind, labelType);
    if (row == null) {
      return auditor.nullRow(into);
    } else if (sigmoid) {
      return z instanceof float[] f
          ? auditor.sigmoid(f, row, weight, into)
          : auditor.sigmoid((double[]) z, row, weight, into);
    }
    return z instanceof float[] f
        ? auditor.dense(f, row, weight, into)
        : auditor.dense((double[]) z, row, weight, into);
  }

  /**
   * Why a row this scorer gave {@code reason} is invalid, with the offending value ({@link
   * ReasonDetail}), from the same values {@link #audit} read.
   */
  public String describe(Reason reason, Object logitsValue, Object labelValue, double weight) {
    Object z =
        logitsValue == null
            ? null
            : InputTypes.logits(logitsValue, logitsKind, logitElementsNullable);
    double label = Double.NaN;
    double[] labels = null;
    if (labelValue != null) {
      if (!sigmoid && labelKind.isScalar()) {
        label = InputTypes.numericValue(labelValue);
      } else {
        labels = InputTypes.labelRow(labelValue, labelKind, labelType);
      }
    }
    return ReasonDetail.describe(reason, z, label, labels, weight);
  }

  /** Validates and scores one row; a null value (or null element) gives {@code null_input}. */
  public Scored score(Object logitsValue, Object labelValue) {
    if (logitsValue == null || labelValue == null) {
      return Scored.invalid(Reason.NULL_INPUT);
    }
    Object z = InputTypes.logits(logitsValue, logitsKind, logitElementsNullable);
    if (z == null) {
      return Scored.invalid(Reason.NULL_INPUT);
    }
    if (!sigmoid && labelKind.isScalar()) {
      double label = InputTypes.numericValue(labelValue);
      return z instanceof float[] f
          ? Scoring.sparse(f, label, smoothing)
          : Scoring.sparse((double[]) z, label, smoothing);
    }
    double[] row = InputTypes.labelRow(labelValue, labelKind, labelType);
    if (row == null) {
      return Scored.invalid(Reason.NULL_INPUT);
    }
    if (sigmoid) {
      return z instanceof float[] f ? Scoring.sigmoid(f, row) : Scoring.sigmoid((double[]) z, row);
    }
    return z instanceof float[] f
        ? Scoring.dense(f, row, smoothing)
        : Scoring.dense((double[]) z, row, smoothing);
  }
}
