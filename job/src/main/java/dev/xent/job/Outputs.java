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

  /** Whether one directory is the other or inside it. */
  static boolean overlap(Configuration conf, String a, String b) {
    try {
      Path pa = new Path(a);
      Path pb = new Path(b);
      Path qa = pa.getFileSystem(conf).makeQualified(pa);
      Path qb = pb.getFileSystem(conf).makeQualified(pb);
      return isSameOrInside(qa, qb) || isSameOrInside(qb, qa);
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

  /**
   * Starts writing output directory {@code dir} and returns where to write: a fresh hidden staging
   * directory beside it ({@code .NAME.xent-staging}; one left by a killed run is removed). Until
   * {@link #commit}, {@code dir} keeps the previous run's complete output, untouched; a run killed
   * at any moment leaves either that, or (during the swap) no {@code dir} at all — never a mix of
   * two runs, never a half-written file under {@code dir}.
   */
  static String begin(Configuration conf, String dir) {
    Path target = new Path(dir);
    Path staging = sibling(target, "xent-staging");
    try {
      FileSystem fs = target.getFileSystem(conf);
      fs.delete(staging, true);
      if (!fs.mkdirs(staging)) {
        throw new IOException("cannot create " + staging);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot prepare '" + dir + "': " + e.getMessage(), e);
    }
    return staging.toString();
  }

  /**
   * Writes {@code _SUCCESS} last into the staging directory, then swaps it in for {@code dir}: the
   * previous output is renamed aside, the staging directory renamed to {@code dir}, the previous
   * output deleted. Each rename is atomic on HDFS and local disks.
   */
  static void commit(Configuration conf, String staging, String dir) {
    writeText(conf, staging, SUCCESS, "");
    Path target = new Path(dir);
    Path previous = sibling(target, "xent-previous");
    try {
      FileSystem fs = target.getFileSystem(conf);
      fs.delete(previous, true);
      boolean hadPrevious = fs.exists(target);
      // Hadoop's rename moves a directory *into* an existing one: the target must not exist.
      if (hadPrevious && !fs.rename(target, previous)) {
        throw new IOException("cannot rename " + target + " to " + previous);
      }
      if (!fs.rename(new Path(staging), target)) {
        throw new IOException("cannot rename " + staging + " to " + target);
      }
      if (hadPrevious) {
        fs.delete(previous, true);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot commit '" + dir + "': " + e.getMessage(), e);
    }
  }

  /** A hidden sibling of {@code dir}: {@code .NAME.SUFFIX} in the same parent. */
  private static Path sibling(Path dir, String suffix) {
    Path parent = dir.getParent();
    if (parent == null) {
      throw new XentUsageException("Cannot write into the root directory '" + dir + "'");
    }
    return new Path(parent, "." + dir.getName() + "." + suffix);
  }

  /** Removes {@code path} (a previous run's output) if it exists. */
  static void remove(Configuration conf, String path) {
    Path target = new Path(path);
    try {
      target.getFileSystem(conf).delete(target, true);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot remove '" + path + "': " + e.getMessage(), e);
    }
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
   * Hadoop's rename does not replace, so the old target is deleted first (inside a staging
   * directory, where nothing reads).
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
