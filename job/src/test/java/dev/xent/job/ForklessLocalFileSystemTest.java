package dev.xent.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ForklessLocalFileSystemTest {
  @TempDir java.nio.file.Path dir;

  private static final byte[] DATA = new byte[5000];

  static {
    for (int i = 0; i < DATA.length; i++) {
      DATA[i] = (byte) (i * 31 + 7);
    }
  }

  /** Writes DATA to {@code sub/deeper/part} through {@code conf}'s {@code file:} file system. */
  private java.nio.file.Path write(Configuration conf, String root) throws IOException {
    Path file = new Path(dir.resolve(root).resolve("sub/deeper/part").toUri());
    FileSystem fs = file.getFileSystem(conf);
    try (FSDataOutputStream out = fs.create(file, false)) {
      out.write(DATA);
    }
    return dir.resolve(root);
  }

  /** The command lines of the processes the JVM started while {@code body} ran. */
  private static List<String> processesStartedBy(Callable<?> body) throws Exception {
    java.nio.file.Path dump = Files.createTempFile("xent-forkless", ".jfr");
    try (Recording recording = new Recording()) {
      recording.enable("jdk.ProcessStart");
      recording.start();
      body.call();
      recording.stop();
      recording.dump(dump);
    }
    try {
      return RecordingFile.readAllEvents(dump).stream()
          .filter(e -> e.getEventType().getName().equals("jdk.ProcessStart"))
          .map((RecordedEvent e) -> e.getString("command"))
          .toList();
    } finally {
      Files.delete(dump);
    }
  }

  private static Set<PosixFilePermission> mode(java.nio.file.Path path) throws IOException {
    return Files.getPosixFilePermissions(path);
  }

  @ParameterizedTest
  @CsvSource({
    "022, rw-r--r--, rwxr-xr-x",
    "027, rw-r-----, rwxr-x---",
    "077, rw-------, rwx------",
    "002, rw-rw-r--, rwxrwxr-x"
  })
  void writesHadoopsBytesAndModesWithoutStartingAProcess(
      String umask, String fileMode, String directoryMode) throws Exception {
    assumeTrue(!NativeIO.isAvailable(), "Hadoop's native library forks nothing anyway");
    Configuration stock = new Configuration(false);
    stock.set("fs.permissions.umask-mode", umask);
    stock.setBoolean("fs.file.impl.disable.cache", true);
    Configuration forkless = new Configuration(stock);
    assertThat(ForklessLocalFileSystem.useFor(forkless)).isTrue();
    assertThat(new Path(dir.toUri()).getFileSystem(forkless))
        .isInstanceOf(ForklessLocalFileSystem.class);

    List<String> stockProcesses = processesStartedBy(() -> write(stock, "stock"));
    List<String> forklessProcesses = processesStartedBy(() -> write(forkless, "forkless"));

    // The stock file system runs chmod for three directories, the file and its checksum: the
    // control that this test sees the processes it is about.
    assertThat(stockProcesses).hasSize(5).allMatch(c -> c.startsWith("chmod "));
    assertThat(forklessProcesses).isEmpty();
    for (String relative :
        List.of("", "sub", "sub/deeper", "sub/deeper/part", "sub/deeper/.part.crc")) {
      java.nio.file.Path a = dir.resolve("stock").resolve(relative);
      java.nio.file.Path b = dir.resolve("forkless").resolve(relative);
      assertThat(mode(b)).as(relative).isEqualTo(mode(a));
      if (Files.isRegularFile(a)) {
        assertThat(Files.readAllBytes(b)).as(relative).isEqualTo(Files.readAllBytes(a));
      }
    }
    // Hadoop's defaults (0666 files, 0777 directories) under the umask, as an independent
    // expectation of what both wrote.
    assertThat(mode(dir.resolve("forkless/sub/deeper/part")))
        .isEqualTo(PosixFilePermissions.fromString(fileMode));
    assertThat(mode(dir.resolve("forkless/sub")))
        .isEqualTo(PosixFilePermissions.fromString(directoryMode));
  }

  @Test
  void setsEveryModeBitAsNiosPermission() throws IOException {
    java.nio.file.Path file = Files.createFile(dir.resolve("f"));
    var raw = new ForklessLocalFileSystem.Raw();
    raw.initialize(new Path(dir.toUri()).toUri(), new Configuration(false));
    for (String text : List.of("rwxrwxrwx", "rw-r--r--", "rwxr-x---", "---------", "r---w---x")) {
      short mode = 0;
      for (int i = 0; i < 9; i++) {
        if (text.charAt(i) != '-') {
          mode |= (short) (1 << (8 - i));
        }
      }
      raw.setPermission(new Path(file.toUri()), new FsPermission(mode));
      assertThat(mode(file)).as(text).isEqualTo(PosixFilePermissions.fromString(text));
    }
  }

  @Test
  void leavesAConfiguredLocalFileSystemAlone() {
    Configuration conf = new Configuration(false);
    conf.setClass("fs.file.impl", CustomLocal.class, FileSystem.class);
    assertThat(ForklessLocalFileSystem.useFor(conf)).isFalse();
    assertThat(conf.getClass("fs.file.impl", null)).isEqualTo(CustomLocal.class);
  }

  /** A user's own {@code file:} implementation. */
  public static final class CustomLocal extends LocalFileSystem {}
}
