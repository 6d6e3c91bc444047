package dev.xent.job.page;

import java.io.Serializable;
import java.util.List;

/**
 * One Spark task's share of the input: pieces of row groups of one file, each a whole row group or
 * a run of its logits pages. The plan puts every row of every row group in exactly one piece.
 *
 * @param file the file's path (any Hadoop file system)
 * @param pieces the row-group pieces, in file order
 * @param bytes compressed size of the logits and label data the pieces cover (the label's share of
 *     a partial row group estimated by rows)
 */
public record PageTask(String file, List<Piece> pieces, long bytes) implements Serializable {
  public PageTask {
    pieces = List.copyOf(pieces);
  }

  /**
   * Rows {@code [firstRow, endRow)} of row group {@code rowGroup}, and the logits pages {@code
   * [firstPage, endPage)} that hold them ({@code firstPage < 0}: the whole row group, read without
   * an offset index). {@code groupStart} is the index in the file of the row group's first row (the
   * rows of all earlier row groups of the footer), so row {@code r} of the group is row {@code
   * groupStart + r} of the file: the numbering of Spark's {@code _metadata.row_index}.
   */
  public record Piece(
      int rowGroup, int firstPage, int endPage, long firstRow, long endRow, long groupStart)
      implements Serializable {
    /** The index in the file of the piece's first row. */
    public long fileRow() {
      return groupStart + firstRow;
    }

    public boolean wholeRowGroup() {
      return firstPage < 0;
    }

    public long rows() {
      return endRow - firstRow;
    }

    @Override
    public String toString() {
      return wholeRowGroup()
          ? "row group " + rowGroup
          : "row group " + rowGroup + " rows " + firstRow + "-" + (endRow - 1);
    }
  }

  @Override
  public String toString() {
    return file + " " + pieces + " (" + bytes + " bytes)";
  }
}
