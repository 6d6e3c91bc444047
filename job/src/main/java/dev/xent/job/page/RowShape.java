package dev.xent.job.page;

import java.io.Serializable;

/**
 * What a request reads besides a logits list: the sparse path's integer class label ({@link
 * #SPARSE}), or the target of a dense or sigmoid request. Spark's row scorer decides from the
 * columns' types alone; the page reader is told the request so that it only takes files whose
 * columns the Spark path would accept for it (anything else goes there to be refused with its usage
 * error).
 *
 * @param sigmoid sigmoid targets: the logits may also be one float or double per row
 * @param targetRows the target is a list column ({@code --labels}): probability rows or target
 *     rows; otherwise one value per row ({@code --label})
 */
public record RowShape(boolean sigmoid, boolean targetRows) implements Serializable {
  /** Softmax with an integer class label: the sparse path. */
  public static final RowShape SPARSE = new RowShape(false, false);

  public boolean sparse() {
    return !sigmoid && !targetRows;
  }
}
