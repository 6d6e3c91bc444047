package dev.xent.kernel;

/**
 * Why a row cannot be scored. The codes are stable: they appear in SQL results, per-row output and
 * {@code metrics.json}. When a row has several problems the first in declaration order is reported
 * (null input, then the logits, then the labels, then the weight). {@link #IGNORED} is not a
 * problem: a row whose label is the ignore index is ignored whatever else it holds.
 */
public enum Reason {
  OK("ok"),
  NULL_INPUT("null_input"),
  EMPTY_LOGITS("empty_logits"),
  NAN_LOGIT("nan_logit"),
  POSINF_LOGIT("posinf_logit"),
  ALL_MASKED("all_masked"),
  LENGTH_MISMATCH("length_mismatch"),
  NAN_LABEL("nan_label"),
  LABEL_NOT_INTEGER("label_not_integer"),
  LABEL_OUT_OF_RANGE("label_out_of_range"),
  NEGATIVE_PROBABILITY("negative_probability"),
  NOT_A_DISTRIBUTION("not_a_distribution"),
  TARGET_OUT_OF_RANGE("target_out_of_range"),
  /** The row's weight ({@code --weight}) is NULL, NaN, negative or infinite. */
  BAD_WEIGHT("bad_weight"),
  /**
   * The label is the {@code --ignore-index}: the row is neither scored nor invalid, like PyTorch's
   * {@code ignore_index}.
   */
  IGNORED("ignored");

  private final String code;

  Reason(String code) {
    this.code = code;
  }

  /** The stable lower-case code, e.g. {@code nan_logit}. */
  public String code() {
    return code;
  }

  public boolean isOk() {
    return this == OK;
  }

  /** Neither scored nor ignored: the row counts in {@code rows_invalid}. */
  public boolean isInvalid() {
    return this != OK && this != IGNORED;
  }

  private static final Reason[] VALUES = values();

  /** The reason with this ordinal; used by adapters that carry the reason as a small integer. */
  public static Reason ofOrdinal(int ordinal) {
    return VALUES[ordinal];
  }
}
