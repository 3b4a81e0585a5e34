package dev.beacon.sdk.internal.delivery;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** A spool as the SDK's tests see it: its payload files, their messages and their bytes. */
public final class SpoolProbe {
  private final Spool spool;

  private SpoolProbe(Spool spool) {
    this.spool = spool;
  }

  /** The spool of a running Beacon's outbox. */
  public static SpoolProbe of(Outbox outbox) {
    return new SpoolProbe(outbox.spool());
  }

  /** The spool in a folder ({@code <state>/spool}), as another process sees it. */
  public static SpoolProbe at(Path spoolDirectory) {
    return new SpoolProbe(new Spool(spoolDirectory, Long.MAX_VALUE));
  }

  /** Spooled payloads, oldest first. */
  public List<Path> pending() {
    return spool.pending();
  }

  /** The bytes the spooled payloads take. */
  public long bytes() {
    return spool.bytes();
  }

  /** A payload's bytes, or null if it was taken meanwhile. */
  public byte[] read(Path file) throws IOException {
    return spool.read(file);
  }

  /** The messages a spooled payload holds, from its name. */
  public static int messagesIn(Path file) {
    return Spool.messagesIn(file);
  }
}
