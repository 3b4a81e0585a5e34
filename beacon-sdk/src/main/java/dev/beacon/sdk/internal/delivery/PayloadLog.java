package dev.beacon.sdk.internal.delivery;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * The operator's local copy: every payload exactly as sent, one JSON document per line. Written
 * with a single append per payload, so lines of concurrent writers never interleave. Rolled over to
 * {@code <file>.1} at {@value #MAX_BYTES} bytes so it cannot fill a disk.
 */
final class PayloadLog {
  static final long MAX_BYTES = 16L * 1024 * 1024;

  private final Path file;
  private final Object lock = new Object();

  PayloadLog(Path file) {
    this.file = file;
  }

  Path file() {
    return file;
  }

  void append(byte[] payload) throws IOException {
    synchronized (lock) {
      Path parent = file.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      if (Files.exists(file) && Files.size(file) + payload.length > MAX_BYTES) {
        Files.move(
            file,
            file.resolveSibling(file.getFileName() + ".1"),
            StandardCopyOption.REPLACE_EXISTING);
      }
      ByteBuffer line = ByteBuffer.allocate(payload.length + 1).put(payload).put((byte) '\n');
      line.flip();
      try (FileChannel ch =
          FileChannel.open(
              file,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.APPEND)) {
        while (line.hasRemaining()) {
          ch.write(line);
        }
      }
    }
  }
}
