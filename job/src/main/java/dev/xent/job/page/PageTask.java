package dev.xent.job.page;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One Spark task's share of the input: whole row groups of one file. The plan puts every row group
 * of every file in exactly one task.
 *
 * @param file the file's path (any Hadoop file system)
 * @param rowGroups indexes of the file's row groups, ascending
 * @param bytes compressed size of the two column chunks in those row groups
 */
public record PageTask(String file, int[] rowGroups, long bytes) implements Serializable {
  @Override
  public boolean equals(Object o) {
    return o instanceof PageTask other
        && file.equals(other.file)
        && Arrays.equals(rowGroups, other.rowGroups)
        && bytes == other.bytes;
  }

  @Override
  public int hashCode() {
    return file.hashCode() * 31 + Arrays.hashCode(rowGroups);
  }

  @Override
  public String toString() {
    return file + " row groups " + Arrays.toString(rowGroups) + " (" + bytes + " bytes)";
  }
}
