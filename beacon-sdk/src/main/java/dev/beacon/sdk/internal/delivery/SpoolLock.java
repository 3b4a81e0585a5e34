package dev.beacon.sdk.internal.delivery;

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

  /** Who holds the lock at the moment of asking. */
  enum Holder {
    NOBODY,
    THIS_PROCESS,
    ANOTHER_PROCESS
  }

  /**
   * Who holds the lock now: taken and released at once when nobody does. The answer may be stale as
   * soon as it is given; callers rely only on "whoever releases the lock looks at the spool again"
   * (see {@link DetachedUploader}).
   */
  static Holder holder(Path spoolDir) {
    try (FileChannel ch =
        FileChannel.open(
            spoolDir.resolve("upload.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileLock l = ch.tryLock();
      if (l == null) {
        return Holder.ANOTHER_PROCESS;
      }
      l.release();
      return Holder.NOBODY;
    } catch (OverlappingFileLockException ours) {
      return Holder.THIS_PROCESS; // the JVM tracks its own file locks: a thread of ours has it
    } catch (IOException e) {
      return Holder.ANOTHER_PROCESS; // cannot tell: do not start an uploader that cannot lock
    }
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
