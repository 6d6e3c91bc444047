package dev.xent.kernel;

import java.io.Serializable;

/**
 * The partition-local state of one evaluation: the {@link AuditAccumulator} of the whole run and,
 * with {@link AuditOptions#perClass()}, a {@link ClassTally}. Rows come from a {@link RowAuditor};
 * partitions merge in any order with the same bits, and {@link #result()} is immutable.
 */
public final class Evaluation implements Serializable {
  private static final long serialVersionUID = 1L;

  private final AuditAccumulator audit;
  private final ClassTally classes;
  private long rows;
  private int coveredClasses;

  public Evaluation(AuditOptions options) {
    this.audit = new AuditAccumulator(options.spec());
    this.classes = options.perClass() ? new ClassTally(options.weightsRows(), 16) : null;
  }

  /** A row that is not scored: invalid, or ignored. */
  public void unscored(Reason reason) {
    rows++;
    audit.addUnscored(reason);
  }

  /** Rows added to this evaluation (not counting merged ones): for progress reports. */
  public long rowsAdded() {
    return rows;
  }

  void softmax(
      int classes,
      int label,
      int predicted,
      double loss,
      double weight,
      boolean correct,
      int rank,
      double confidence) {
    rows++;
    audit.addSoftmax(loss, weight, correct, rank, confidence);
    if (this.classes != null) {
      // Every class of the rows gets an entry, seen or not.
      if (classes > coveredClasses) {
        this.classes.coverClasses(classes);
        coveredClasses = classes;
      }
      this.classes.add(label, predicted, loss, weight);
    }
  }

  void sigmoid(double loss, double weight) {
    rows++;
    audit.addSigmoid(loss, weight);
  }

  /**
   * Elements {@code from … from + n − 1} of a sigmoid row: σ(z) in {@code probability[0 … n − 1]},
   * targets at {@code targets[from …]}, each of weight {@code weight·classWeights[c]} (or {@code
   * weight} without class weights), all valid: σ(z) of a kernel, targets and weights of a row that
   * {@link Validity} passed.
   */
  void sigmoidElements(
      double[] probability,
      double[] targets,
      int from,
      int n,
      double weight,
      double[] classWeights) {
    if (classWeights == null) {
      audit.addValidSigmoidElements(probability, targets, from, n, weight);
    } else {
      for (int i = 0; i < n; i++) {
        audit.addSigmoidElement(probability[i], targets[from + i], weight * classWeights[from + i]);
      }
    }
  }

  public Evaluation merge(Evaluation other) {
    audit.merge(other.audit);
    if (classes != null) {
      classes.merge(other.classes);
    }
    return this;
  }

  /**
   * The compact binary form of an evaluation without a per-class tally (the SQL aggregate's
   * buffer); {@link #readFrom} reads it back under the same options.
   */
  public void writeTo(java.io.DataOutput out) throws java.io.IOException {
    if (classes != null) {
      throw new IllegalStateException("Cannot write an evaluation with a per-class tally");
    }
    audit.writeTo(out);
  }

  public static Evaluation readFrom(java.io.DataInput in) throws java.io.IOException {
    return new Evaluation(AuditAccumulator.readFrom(in), null);
  }

  private Evaluation(AuditAccumulator audit, ClassTally classes) {
    this.audit = audit;
    this.classes = classes;
  }

  public Result result() {
    return new Result(audit.result(), classes == null ? null : classes.result());
  }

  /**
   * The immutable numbers of an evaluation.
   *
   * @param audit the whole run's metrics
   * @param classes the per-class breakdown, or null when it was not asked for
   */
  public record Result(AuditStats audit, ClassStats classes) {}
}
