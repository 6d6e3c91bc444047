package dev.xent.job.page;

import java.io.IOException;
import org.apache.parquet.column.page.PageReadStore;

/**
 * Assembles the rows of a dense or sigmoid request from a piece's pages: the logits (a list, or one
 * value per row for sigmoid), the target (a list with {@code --labels}, else one value per row) and
 * the weight, each column pulled one row at a time so that their page boundaries need not agree.
 * Every row is handed to the sink as Spark's row scorer would score it: NULL logits, target or
 * element → {@link PageRowSink#nullRow}; scalars as arrays of one; float logits as floats; every
 * target widened to double.
 */
final class TargetRows {
  private final ColumnLayout layout;
  private final TargetRowSink sink;
  private final ReusedHeapBuffer buffer = new ReusedHeapBuffer();
  private final double[] scalarLogit = new double[1];
  private final double[] scalarTarget = new double[1];

  TargetRows(ColumnLayout layout, TargetRowSink sink) {
    this.layout = layout;
    this.sink = sink;
  }

  /**
   * Reads the piece's {@code rows} rows, from row {@code firstRow} of a group of {@code groupRows}.
   */
  void readPiece(PageReadStore store, long firstRow, long groupRows, int rows) throws IOException {
    boolean floats = !layout.doubleLogits;
    ListPages logitRows =
        layout.scalarLogits
            ? null
            : new ListPages(
                store.getPageReader(layout.logits),
                layout.logits,
                layout.slotLevel,
                firstRow,
                groupRows,
                floats,
                buffer);
    LabelPages logitValues =
        layout.scalarLogits
            ? new LabelPages(store.getPageReader(layout.logits), layout.logits, firstRow)
            : null;
    ListPages targetRows =
        layout.labelSlotLevel < 0
            ? null
            : new ListPages(
                store.getPageReader(layout.label),
                layout.label,
                layout.labelSlotLevel,
                firstRow,
                groupRows,
                false,
                buffer);
    LabelPages targetValues =
        layout.labelSlotLevel < 0
            ? new LabelPages(store.getPageReader(layout.label), layout.label, firstRow)
            : null;
    LabelPages weights =
        layout.weight == null
            ? null
            : new LabelPages(store.getPageReader(layout.weight), layout.weight, firstRow);
    for (int r = 0; r < rows; r++) {
      // Every column moves on a row, whatever the others hold.
      boolean logitsPresent = logitRows != null ? logitRows.next() : logitValues.next();
      boolean targetPresent = targetRows != null ? targetRows.next() : targetValues.next();
      double weight = weights == null || !weights.next() ? Double.NaN : weights.value();
      if (!logitsPresent || !targetPresent) {
        sink.nullRow(Double.NaN);
        continue;
      }
      double[] targets;
      if (targetRows != null) {
        targets = targetRows.doubleRow();
      } else {
        scalarTarget[0] = targetValues.value();
        targets = scalarTarget;
      }
      if (logitRows == null) {
        scalarLogit[0] = logitValues.value();
        sink.row(scalarLogit, targets, weight);
      } else if (floats) {
        sink.row(logitRows.floatRow(), targets, weight);
      } else {
        sink.row(logitRows.doubleRow(), targets, weight);
      }
    }
    if (logitRows != null && !logitRows.exhausted()) {
      throw new IOException("the logits hold more rows than the piece's " + rows);
    }
  }
}
