package dev.beacon.sdk.internal.delivery;

import dev.beacon.sdk.DeliveryStatus;
import dev.beacon.sdk.DeliveryStatus.LastOutcome;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.Properties;

/**
 * The last delivery attempt, kept beside the spool ({@value #FILE}) so that another process can
 * tell the operator what happened: {@code ./beacon status}, the next run of a CLI whose uploader
 * made the attempt. Written when the outcome changes, and otherwise at most once a minute: a server
 * delivering every few seconds does not rewrite it every time. Never a key, never a body.
 */
public final class DeliveryRecord {
  static final String FILE = "last-delivery.properties";
  private static final long REWRITE_AFTER_MILLIS = 60_000;
  private static final int MAX_DETAIL_CHARS = 300;

  private final Path spoolDir;
  private String lastKey; // guarded by this record's caller (Delivery's lock)
  private long lastWrittenMillis;

  DeliveryRecord(Path spoolDir) {
    this.spoolDir = spoolDir;
  }

  /**
   * Keeps an attempt's outcome; quiet when the file cannot be written (the spool's problem). Only
   * into a spool directory that exists: a product whose telemetry has nothing spooled creates none.
   */
  void attempted(LastOutcome outcome, String detail) {
    // Wall clock: another process reads the time.
    long now = System.currentTimeMillis();
    String key = outcome + " " + detail;
    if (key.equals(lastKey) && now - lastWrittenMillis < REWRITE_AFTER_MILLIS) {
      return;
    }
    if (!Files.isDirectory(spoolDir)) {
      return;
    }
    Properties p = new Properties();
    p.setProperty("at", Long.toString(now));
    p.setProperty("outcome", outcome.name());
    p.setProperty(
        "detail",
        detail.length() > MAX_DETAIL_CHARS ? detail.substring(0, MAX_DETAIL_CHARS) : detail);
    try {
      ByteArrayOutputStream text = new ByteArrayOutputStream(256);
      p.store(text, null); // ISO 8859-1 with \\u escapes, as load(InputStream) reads it
      Path file = spoolDir.resolve(FILE);
      if (!Files.exists(file)) {
        try {
          Files.createFile(file, UploaderSettings.ownerOnly(spoolDir));
        } catch (FileAlreadyExistsException raced) {
          // another process made it meanwhile
        }
      }
      // In place, not through a temporary file: after the first attempt the spool directory gets
      // no new entry (a reader may catch it half written and then reads no status, which is all).
      Files.write(
          file, text.toByteArray(), StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE);
      lastKey = key;
      lastWrittenMillis = now;
    } catch (IOException | UncheckedIOException | SecurityException e) {
      // the status stays unknown; delivery itself goes on
    }
  }

  /** What the spool directory says: the last attempt recorded, and the payloads waiting. */
  public static DeliveryStatus read(Path spoolDir) {
    LastOutcome outcome = LastOutcome.NONE;
    Instant at = null;
    String detail = "";
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(spoolDir.resolve(FILE))) {
      p.load(in);
      outcome = LastOutcome.valueOf(p.getProperty("outcome", "NONE"));
      at = Instant.ofEpochMilli(Long.parseLong(p.getProperty("at", "0")));
      detail = p.getProperty("detail", "");
    } catch (IOException | RuntimeException absentOrDamaged) {
      outcome = LastOutcome.NONE;
      at = null;
      detail = "";
    }
    Spool spool = new Spool(spoolDir, Long.MAX_VALUE);
    List<Path> pending = spool.pending();
    long bytes = 0;
    Instant oldest = null;
    for (Path f : pending) {
      try {
        bytes += Files.size(f);
        Instant written = Files.getLastModifiedTime(f).toInstant();
        if (oldest == null || written.isBefore(oldest)) {
          oldest = written;
        }
      } catch (IOException gone) {
        // delivered meanwhile
      }
    }
    return new DeliveryStatus(outcome, at, detail, pending.size(), bytes, oldest);
  }
}
