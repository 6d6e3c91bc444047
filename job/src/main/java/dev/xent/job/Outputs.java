package dev.xent.job;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** Output directories on any Hadoop file system: checked before the job runs, written after. */
final class Outputs {
  private Outputs() {}

  /**
   * Fails with a usage error when {@code dir} is a file, or a non-empty directory and {@code
   * overwrite} is off, or overlaps {@code input} (when given: overwriting would destroy it).
   */
  static void requireWritable(
      Configuration conf, String dir, String flag, boolean overwrite, String input) {
    try {
      Path path = new Path(dir);
      FileSystem fs = path.getFileSystem(conf);
      Path qualified = fs.makeQualified(path);
      if (input != null) {
        Path inputPath = new Path(input);
        Path qualifiedInput = inputPath.getFileSystem(conf).makeQualified(inputPath);
        if (isSameOrInside(qualified, qualifiedInput)
            || isSameOrInside(qualifiedInput, qualified)) {
          throw new XentUsageException(
              "Cannot write " + flag + ": '" + dir + "' overlaps the input '" + input + "'");
        }
      }
      if (!fs.exists(path)) {
        return;
      }
      FileStatus status = fs.getFileStatus(path);
      if (!status.isDirectory()) {
        throw new XentUsageException(
            "Cannot write " + flag + ": '" + dir + "' exists and is not a directory");
      }
      if (!overwrite && fs.listStatus(path).length > 0) {
        throw new XentUsageException(
            "Cannot write "
                + flag
                + ": directory '"
                + dir
                + "' exists and is not empty (add --overwrite to replace it)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "Cannot check " + flag + " '" + dir + "': " + e.getMessage(), e);
    }
  }

  static boolean sameDirectory(Configuration conf, String a, String b) {
    try {
      Path pa = new Path(a);
      Path pb = new Path(b);
      return pa.getFileSystem(conf)
          .makeQualified(pa)
          .equals(pb.getFileSystem(conf).makeQualified(pb));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean isSameOrInside(Path candidate, Path parent) {
    for (Path p = candidate; p != null; p = p.getParent()) {
      if (p.equals(parent)) {
        return true;
      }
    }
    return false;
  }

  /** The marker written last: an output directory without it is incomplete. */
  static final String SUCCESS = "_SUCCESS";

  /** What {@code evaluate} writes into {@code --output} ({@code report.html} last but one). */
  static final java.util.List<String> OUTPUT_NAMES =
      java.util.List.of("metrics.json", "per_class.parquet", "slices.parquet", "report.html");

  /**
   * Starts writing an output directory: removes {@code _SUCCESS} of a previous run first, then its
   * other outputs, so that from here until {@link #commit} the directory never looks complete and
   * never mixes two runs' files (a run that dies leaves no mix that looks like a finished audit).
   */
  static void begin(Configuration conf, String dir) {
    Path path = new Path(dir);
    try {
      FileSystem fs = path.getFileSystem(conf);
      fs.delete(new Path(path, SUCCESS), false);
      for (String name : OUTPUT_NAMES) {
        fs.delete(new Path(path, name), true);
      }
      fs.mkdirs(path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare '" + dir + "': " + e.getMessage(), e);
    }
  }

  /** Marks {@code dir} complete: {@code _SUCCESS} is the last file written. */
  static void commit(Configuration conf, String dir) {
    writeText(conf, dir, SUCCESS, "");
  }

  /**
   * Writes (replacing) {@code dir/name} with UTF-8 text: to a hidden temporary file first, renamed
   * into place, so a reader never sees half a file.
   */
  static void writeText(Configuration conf, String dir, String name, String text) {
    Path path = new Path(dir, name);
    Path temporary = new Path(dir, "._" + name + ".tmp");
    try {
      FileSystem fs = path.getFileSystem(conf);
      fs.mkdirs(path.getParent());
      try (OutputStream out = fs.create(temporary, true)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
      replace(fs, temporary, path);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write '" + path + "': " + e.getMessage(), e);
    }
  }

  /**
   * Moves a finished temporary file or directory to {@code target}, replacing what is there.
   * Hadoop's rename does not replace, so the old target is deleted first; callers have removed
   * {@code _SUCCESS} before, so the moment without either is not mistaken for a complete output.
   */
  static void replace(FileSystem fs, Path temporary, Path target) throws IOException {
    if (fs.exists(target)) {
      fs.delete(target, true);
    }
    if (!fs.rename(temporary, target)) {
      throw new IOException("cannot rename " + temporary + " to " + target);
    }
  }

  /** A hidden temporary sibling of {@code dir/name} for a Spark write, later {@link #replace}d. */
  static Path temporary(String dir, String name) {
    return new Path(dir, "._" + name + ".tmp");
  }
}
