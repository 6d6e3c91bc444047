package dev.xent.kernel;

/**
 * One scored row: why it is (in)valid, its loss and, for softmax rows, the predicted class.
 *
 * @param reason {@link Reason#OK} or why the row cannot be scored
 * @param loss the loss of a valid row (finite or +∞); NaN for an invalid row
 * @param predicted the first maximum of the logits for a valid softmax row, else -1
 * @param correct whether {@code predicted} is the label (the first maximum of a dense label row)
 */
public record Scored(Reason reason, double loss, int predicted, boolean correct) {
  public static Scored invalid(Reason reason) {
    return new Scored(reason, Double.NaN, -1, false);
  }

  public boolean isOk() {
    return reason.isOk();
  }

  public boolean hasPrediction() {
    return predicted >= 0;
  }
}
