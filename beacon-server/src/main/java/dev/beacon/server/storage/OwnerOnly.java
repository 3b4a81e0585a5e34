package dev.beacon.server.storage;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory holds every event, the write keys' hashes and the admin password's hash: it is
 * the operator's alone, 0700, and its files 0600. A file is created with those permissions, never
 * created wider and narrowed afterwards. Where the file system has no POSIX permissions, these
 * calls do nothing.
 */
public final class OwnerOnly {
  private static final Logger LOG = LoggerFactory.getLogger(OwnerOnly.class);
  private static final Set<PosixFilePermission> DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");

  private OwnerOnly() {}

  /** Creates the directory 0700 (its parents as usual), or narrows an existing one to 0700. */
  public static void directory(Path dir) throws IOException {
    Path absolute = dir.toAbsolutePath();
    if (!posix(absolute)) {
      Files.createDirectories(absolute);
      return;
    }
    if (!Files.isDirectory(absolute)) {
      Files.createDirectories(absolute.getParent());
      try {
        Files.createDirectory(absolute, PosixFilePermissions.asFileAttribute(DIRECTORY));
      } catch (FileAlreadyExistsException raced) {
        // created meanwhile: narrowed below
      }
    }
    if (!Files.getPosixFilePermissions(absolute).equals(DIRECTORY)) {
      LOG.warn("data directory {} was open to other users; it is now 0700", absolute);
      Files.setPosixFilePermissions(absolute, DIRECTORY);
    }
  }

  /** Narrows an existing file (one that another program creates, or an older Beacon) to 0600. */
  public static void restrict(Path file) throws IOException {
    if (Files.exists(file) && posix(file) && !Files.getPosixFilePermissions(file).equals(FILE)) {
      Files.setPosixFilePermissions(file, FILE);
    }
  }

  /** What a file created in {@code dir} is created with: 0600 where the file system has modes. */
  public static FileAttribute<?>[] fileAttributes(Path dir) {
    return posix(dir)
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
  }

  /**
   * Replaces the file's content at once: a temporary file in the same directory, created 0600, is
   * written and then moved over it, so a reader never sees half a file or a wider permission.
   */
  public static void write(Path file, String content) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    FileAttribute<?>[] attrs = fileAttributes(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp", attrs);
    try {
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  private static boolean posix(Path p) {
    return p.getFileSystem().supportedFileAttributeViews().contains("posix");
  }
}
