package dev.xent.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system (data files and their {@code .crc} files, written by Hadoop's own
 * code) with one change: a permission is set by the {@code chmod} system call instead of by running
 * the {@code chmod} program. Without Hadoop's native library {@link RawLocalFileSystem} forks a
 * process for every file and directory it creates (it always sets the umask-applied default); a
 * per-row task creates three (its attempt directory, its file, the file's checksum), about 11 ms
 * each on a 2-core VM, a few percent of a whole run's CPU. The modes set are the same bits.
 *
 * <p>Used only in the per-row job's own Hadoop configuration ({@link #useFor}), which its tasks and
 * its job commit on the driver get copies of; the session's cached {@code file:} file system and
 * Spark's writer are untouched.
 */
public final class ForklessLocalFileSystem extends LocalFileSystem {
  /** Hadoop's configuration key of the {@code file:} scheme's implementation. */
  private static final String IMPL_KEY = "fs.file.impl";

  public ForklessLocalFileSystem() {
    super(new Raw());
  }

  /**
   * Makes {@code conf}'s {@code file:} paths use this class (uncached, so no other configuration
   * gets it) when Hadoop would fork for them: the scheme resolves to Hadoop's stock {@link
   * LocalFileSystem}, native IO is not loaded, and the platform has POSIX permissions. Returns
   * whether it did.
   */
  static boolean useFor(Configuration conf) {
    if (NativeIO.isAvailable() || !posix()) {
      return false;
    }
    try {
      if (FileSystem.getFileSystemClass("file", conf) != LocalFileSystem.class) {
        return false;
      }
    } catch (IOException e) {
      return false;
    }
    conf.setClass(IMPL_KEY, ForklessLocalFileSystem.class, FileSystem.class);
    conf.setBoolean("fs.file.impl.disable.cache", true);
    return true;
  }

  private static boolean posix() {
    return java.nio.file.FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** The raw local file system whose {@code setPermission} is a system call. */
  static final class Raw extends RawLocalFileSystem {
    @Override
    public void setPermission(Path p, FsPermission permission) throws IOException {
      // The sticky bit has no NIO form: Hadoop's own way for it. Without it, FsPermission's
      // text is the nine rwx characters NIO parses.
      if ((permission.toShort() & ~0777) != 0) {
        super.setPermission(p, permission);
        return;
      }
      Files.setPosixFilePermissions(
          pathToFile(p).toPath(), PosixFilePermissions.fromString(permission.toString()));
    }
  }
}
