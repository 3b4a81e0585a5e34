package dev.beacon.sdk.internal.state;

import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.internal.config.ModeNames;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * The state directory: small text files an operator can read. Reads never create anything, so a
 * store may be consulted while telemetry is off; writes happen only when telemetry is on or local
 * (and for the runtime toggle, which the operator asked for). Every write is atomic (temp file and
 * rename), so a crash leaves the old value or the new one, never half of one.
 */
public final class StateStore {
  public static final String INSTALLATION_ID = "installation-id";
  public static final String MODE = "mode";
  public static final String LAST_REPORT = "last-report";

  private final Path dir;

  public StateStore(Path dir) {
    this.dir = dir;
  }

  public Path directory() {
    return dir;
  }

  /** The installation id if one was created, else null. Never writes. */
  public UUID existingInstallationId() {
    String text = read(INSTALLATION_ID);
    if (text == null) {
      return null;
    }
    try {
      return UUID.fromString(text.strip());
    } catch (IllegalArgumentException corrupt) {
      return null;
    }
  }

  /**
   * The installation id, creating a random one on first use. A missing or corrupt file is replaced,
   * not fatal.
   *
   * @return the id, and whether it was created now
   */
  public InstallationId installationId() throws IOException {
    UUID existing = existingInstallationId();
    if (existing != null) {
      return new InstallationId(existing, false);
    }
    UUID fresh = UUID.randomUUID();
    if (createOnce(INSTALLATION_ID, fresh + "\n")) {
      return new InstallationId(fresh, true);
    }
    // Another process (a CLI run at the same moment) created it first: use that one.
    UUID theirs = existingInstallationId();
    if (theirs != null) {
      return new InstallationId(theirs, false);
    }
    write(INSTALLATION_ID, fresh + "\n"); // the existing file was corrupt: replace it
    return new InstallationId(fresh, true);
  }

  /**
   * Deletes everything this directory holds but the runtime toggle: the id, the spool, the local
   * copy of sent payloads, delivery records. The next id is a new one.
   */
  public void forgetInstallation() throws IOException {
    if (!Files.isDirectory(dir)) {
      return;
    }
    List<Path> paths = new ArrayList<>();
    try (Stream<Path> all = Files.walk(dir)) {
      all.forEach(paths::add);
    }
    Collections.reverse(paths); // children before their directory
    for (Path p : paths) {
      if (!p.equals(dir) && !dir.relativize(p).toString().equals(MODE)) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The runtime toggle, or null when the operator never used it (or the file is unreadable). */
  public TelemetryMode persistedMode() {
    return ModeNames.parse(read(MODE));
  }

  public void persistMode(TelemetryMode mode) throws IOException {
    write(MODE, ModeNames.label(mode) + "\n");
  }

  /**
   * Wall-clock time of the last report, epoch millis; 0 when none. Wall clock because the process
   * that reads it is a later one: the only time processes share.
   */
  public long lastReportMillis() {
    String text = read(LAST_REPORT);
    if (text == null) {
      return 0;
    }
    try {
      return Long.parseLong(text.strip());
    } catch (NumberFormatException corrupt) {
      return 0;
    }
  }

  public void recordReport(long epochMillis) throws IOException {
    write(LAST_REPORT, epochMillis + "\n");
  }

  private String read(String name) {
    try {
      return Files.readString(dir.resolve(name), StandardCharsets.UTF_8);
    } catch (NoSuchFileException absent) {
      return null;
    } catch (IOException | RuntimeException unreadable) {
      return null;
    }
  }

  private void write(String name, String content) throws IOException {
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, name, ".tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      moveAtomically(tmp, dir.resolve(name));
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /**
   * Creates a file with its whole content at once, unless it exists: a hard link of a complete
   * temporary file, which fails if the name is taken (where links are not supported, a move).
   *
   * @return false when the file existed
   */
  private boolean createOnce(String name, String content) throws IOException {
    Files.createDirectories(dir);
    Path target = dir.resolve(name);
    if (Files.exists(target)) {
      return false;
    }
    Path tmp = Files.createTempFile(dir, name, ".tmp");
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      try {
        Files.createLink(target, tmp);
        return true;
      } catch (FileAlreadyExistsException taken) {
        return false;
      } catch (UnsupportedOperationException | IOException noLinks) {
        if (Files.exists(target)) {
          return false;
        }
        moveAtomically(tmp, target);
        return true;
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  public static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  public static final class InstallationId {
    public final UUID id;
    public final boolean createdNow;

    InstallationId(UUID id, boolean createdNow) {
      this.id = id;
      this.createdNow = createdNow;
    }
  }
}
