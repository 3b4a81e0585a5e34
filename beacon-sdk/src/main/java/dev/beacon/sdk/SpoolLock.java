package dev.beacon.sdk;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The uploader's lock on a spool shared by several processes (CLI runs at once): an OS file lock on
 * {@code <spool>/upload.lock}, taken without waiting. Writing to the spool needs no lock: every
 * payload is its own file, created under a unique name and renamed into place.
 */
final class SpoolLock implements AutoCloseable {
  private final FileChannel channel;
  private final FileLock lock;

  private SpoolLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** The lock, or null when another process holds it (or the spool does not exist yet). */
  static SpoolLock tryAcquire(Path spoolDir) {
    if (!Files.isDirectory(spoolDir)) {
      return null;
    }
    FileChannel ch = null;
    try {
      ch =
          FileChannel.open(
              spoolDir.resolve("upload.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock l = ch.tryLock();
      if (l == null) {
        ch.close();
        return null;
      }
      return new SpoolLock(ch, l);
    } catch (IOException | OverlappingFileLockException e) {
      try {
        if (ch != null) {
          ch.close();
        }
      } catch (IOException ignored) {
        // nothing held
      }
      return null;
    }
  }

  @Override
  public void close() {
    try {
      lock.release();
      channel.close();
    } catch (IOException ignored) {
      // released when the channel or the process goes
    }
  }
}
