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

  /** Writes (replacing) {@code dir/name} with UTF-8 text. */
  static void writeText(Configuration conf, String dir, String name, String text) {
    Path path = new Path(dir, name);
    try {
      FileSystem fs = path.getFileSystem(conf);
      fs.mkdirs(path.getParent());
      try (OutputStream out = fs.create(path, true)) {
        out.write(text.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write '" + path + "': " + e.getMessage(), e);
    }
  }
}
