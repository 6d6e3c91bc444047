package dev.xent.kernel;

/**
 * The rank of a label among a row's logits: {@code #{c : z_c > z_y} + #{c < y : z_c = z_y}}, the
 * number of classes that {@link Logits#argmax} would put before y. Ties go to the lower index, as
 * in argmax, so rank 0 ⇔ y is the first maximum, and top-k accuracy is {@code rank < k}.
 *
 * <p>Comparisons are the IEEE ones of the row's own precision: −0.0 equals 0.0; −∞ is an ordinary
 * minimum (a masked label ranks after every unmasked class and after the masked classes before it);
 * +∞ is an ordinary maximum. NaN compares false with everything, so a NaN logit is never counted
 * and a NaN {@code z_y} gives rank 0; callers pass rows that {@link Validity} accepts (no NaN, no
 * +∞), for which rank 0 means y is the prediction. A label outside the row throws {@link
 * IndexOutOfBoundsException}.
 */
public final class LabelRank {
  private LabelRank() {}

  public static int of(float[] z, int y) {
    requireLabel(y, z.length);
    return ExpBlocks.simd() ? VectorRows.rank(z, y) : scalarRank(z, y);
  }

  public static int of(double[] z, int y) {
    requireLabel(y, z.length);
    return ExpBlocks.simd() ? VectorRows.rank(z, y) : scalarRank(z, y);
  }

  static int scalarRank(float[] z, int y) {
    float v = z[y];
    int rank = 0;
    // Before y a tie also ranks ahead (argmax takes the lowest index), after y only a larger value.
    for (int c = 0; c < y; c++) {
      rank += z[c] >= v ? 1 : 0;
    }
    for (int c = y + 1; c < z.length; c++) {
      rank += z[c] > v ? 1 : 0;
    }
    return rank;
  }

  static int scalarRank(double[] z, int y) {
    double v = z[y];
    int rank = 0;
    for (int c = 0; c < y; c++) {
      rank += z[c] >= v ? 1 : 0;
    }
    for (int c = y + 1; c < z.length; c++) {
      rank += z[c] > v ? 1 : 0;
    }
    return rank;
  }

  private static void requireLabel(int y, int classes) {
    if (y < 0 || y >= classes) {
      throw new IndexOutOfBoundsException(
          "Cannot rank label " + y + ": the row has " + classes + " classes");
    }
  }
}
