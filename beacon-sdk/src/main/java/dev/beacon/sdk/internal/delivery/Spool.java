package dev.beacon.sdk.internal.delivery;

import dev.beacon.sdk.internal.state.StateStore;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Payloads waiting for delivery, one file each in {@code <state>/spool}, so nothing is lost when
 * the host is killed. Several processes may share it (CLI runs at once): names never collide, and
 * uploading takes {@link SpoolLock}. A file is written under a temporary name and renamed, so a
 * crash never leaves half a payload; its name sorts by creation time and carries its number of
 * messages and the dropped events it reports, so eviction (oldest first, when the byte cap is
 * reached) can count what it drops, the count it carried included (else a drop count that rode an
 * evicted payload would never reach the server).
 */
final class Spool {
  private static final String SUFFIX = ".json";

  /** Written by a detached uploader that gave up: "until-millis give-ups", see below. */
  private static final String RETRY_PAUSE = "retry-pause";

  private static final AtomicLong SEQUENCE = new AtomicLong();

  private final Path dir;
  private final long maxBytes;
  private final AtomicLong evicted = new AtomicLong();
  private final AtomicLong evictedMessages = new AtomicLong();

  /**
   * The payload this process is sending, if any: never evicted, since the server may be storing it
   * (counting it as dropped too would count it twice). The cap is exceeded by it meanwhile.
   */
  private Path sending; // guarded by this

  Spool(Path dir, long maxBytes) {
    this.dir = dir;
    this.maxBytes = maxBytes;
  }

  /**
   * Adds a payload, evicting the oldest ones if the cap would be exceeded; the messages evicted,
   * and the dropped events they reported, are counted in {@link #takeEvicted()}.
   *
   * @param droppedEvents the dropped events the payload reports
   * @return the payload's file, or null if it alone exceeds the cap (and was counted as evicted)
   */
  Path add(byte[] payload, int messages, long droppedEvents) throws IOException {
    if (payload.length > maxBytes) {
      evicted.addAndGet(messages + droppedEvents);
      evictedMessages.addAndGet(messages);
      return null;
    }
    Files.createDirectories(dir);
    evicted.addAndGet(evictFor(payload.length));
    // By hand, not String.format: a CLI's exit spools its last events, and a cold Formatter
    // costs it milliseconds of its 50. Wall clock: the names of every process writing to the
    // spool sort together, oldest first.
    String name =
        padded(Long.toString(System.currentTimeMillis()), 15)
            + "-"
            + padded(Long.toString(SEQUENCE.incrementAndGet()), 9)
            + "-"
            + padded(Integer.toHexString(ThreadLocalRandom.current().nextInt()), 8)
            + "-n"
            + messages
            + (droppedEvents > 0 ? "d" + droppedEvents : "")
            + SUFFIX;
    Path tmp = dir.resolve(name + ".tmp");
    Files.write(tmp, payload);
    Path file = dir.resolve(name);
    StateStore.moveAtomically(tmp, file);
    return file;
  }

  private static String padded(String digits, int width) {
    StringBuilder s = new StringBuilder(width);
    for (int i = digits.length(); i < width; i++) {
      s.append('0');
    }
    return s.append(digits).toString();
  }

  /**
   * The time (epoch millis) before which no run should start an uploader, because the last one gave
   * up on an unreachable endpoint; 0 when there is no such pause. Wall-clock time, unlike every
   * deadline within a process: the runs that read it are other processes.
   */
  long retryPausedUntilMillis() {
    long[] p = readRetryPause();
    return p[0];
  }

  /** How many uploaders in a row gave up (the pause grows with it); 0 after a delivery. */
  int giveUps() {
    return (int) readRetryPause()[1];
  }

  void pauseRetries(long untilMillis, int giveUps) throws IOException {
    Files.createDirectories(dir);
    Path tmp = dir.resolve(RETRY_PAUSE + "." + ThreadLocalRandom.current().nextInt() + ".tmp");
    Files.write(tmp, (untilMillis + " " + giveUps).getBytes(StandardCharsets.US_ASCII));
    StateStore.moveAtomically(tmp, dir.resolve(RETRY_PAUSE));
  }

  void clearRetryPause() throws IOException {
    Files.deleteIfExists(dir.resolve(RETRY_PAUSE));
  }

  private long[] readRetryPause() {
    try {
      byte[] b = Files.readAllBytes(dir.resolve(RETRY_PAUSE));
      if (b.length > 64) {
        return new long[] {0, 0};
      }
      String[] parts = new String(b, StandardCharsets.US_ASCII).trim().split(" ", -1);
      return new long[] {Long.parseLong(parts[0]), parts.length > 1 ? Long.parseLong(parts[1]) : 1};
    } catch (IOException | RuntimeException absentOrDamaged) {
      return new long[] {0, 0};
    }
  }

  Path directory() {
    return dir;
  }

  /**
   * What the next payload must report as dropped for the evictions since the last call: the
   * messages evicted and the drop counts they carried.
   */
  long takeEvicted() {
    return evicted.getAndSet(0);
  }

  /** The messages evicted since the last call: new drops (the counts they carried are not). */
  long takeEvictedMessages() {
    return evictedMessages.getAndSet(0);
  }

  /** Spooled payloads, oldest first. Temporary files of a crashed write are deleted. */
  List<Path> pending() {
    List<Path> files = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return files;
    }
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (n.endsWith(SUFFIX)) {
          files.add(p);
        } else if (n.endsWith(".tmp") && isStale(p)) {
          Files.deleteIfExists(p); // left by a crash; a fresh one is another process's write
        }
      }
    } catch (IOException e) {
      return files;
    }
    Collections.sort(files);
    return files;
  }

  private static boolean isStale(Path tmp) {
    try { // a file's time is wall-clock time
      return Files.getLastModifiedTime(tmp).toMillis() < System.currentTimeMillis() - 60_000;
    } catch (IOException gone) {
      return false;
    }
  }

  /** The payload's bytes, or null if another process took it meanwhile. */
  byte[] read(Path file) throws IOException {
    try {
      return Files.readAllBytes(file);
    } catch (NoSuchFileException gone) {
      return null;
    }
  }

  void remove(Path file) throws IOException {
    Files.deleteIfExists(file);
  }

  void clear() throws IOException {
    for (Path p : pending()) {
      Files.deleteIfExists(p);
    }
  }

  long bytes() {
    long total = 0;
    for (Path p : pending()) {
      try {
        total += Files.size(p);
      } catch (IOException gone) {
        // deleted meanwhile
      }
    }
    return total;
  }

  /**
   * Marks the payload about to be sent (null once the attempt is over). Under the lock eviction
   * holds: a payload is either evicted before it is marked (and then read as gone) or not at all.
   */
  synchronized void sending(Path file) {
    sending = file;
  }

  private long evictFor(long incoming) throws IOException {
    List<Path> files = pending();
    long total = 0;
    List<Long> sizes = new ArrayList<>();
    for (Path p : files) {
      long size;
      try {
        size = Files.size(p);
      } catch (IOException gone) {
        size = 0;
      }
      sizes.add(size);
      total += size;
    }
    long dropped = 0;
    synchronized (this) {
      for (int i = 0; i < files.size() && total + incoming > maxBytes; i++) {
        if (files.get(i).equals(sending)) {
          continue;
        }
        Files.deleteIfExists(files.get(i));
        total -= sizes.get(i);
        dropped += messagesIn(files.get(i)) + droppedIn(files.get(i));
        evictedMessages.addAndGet(messagesIn(files.get(i)));
      }
    }
    return dropped;
  }

  static int messagesIn(Path file) {
    String n = file.getFileName().toString();
    int at = n.lastIndexOf("-n");
    int d = n.indexOf('d', at + 2);
    try {
      return Integer.parseInt(n.substring(at + 2, d < 0 ? n.length() - SUFFIX.length() : d));
    } catch (RuntimeException unnamed) {
      return 1;
    }
  }

  /** The dropped events a spooled payload reports (0 in names written before it was kept). */
  static long droppedIn(Path file) {
    String n = file.getFileName().toString();
    int at = n.lastIndexOf("-n");
    int d = n.indexOf('d', at + 2);
    if (d < 0) {
      return 0;
    }
    try {
      return Long.parseLong(n.substring(d + 1, n.length() - SUFFIX.length()));
    } catch (RuntimeException unnamed) {
      return 0;
    }
  }
}
