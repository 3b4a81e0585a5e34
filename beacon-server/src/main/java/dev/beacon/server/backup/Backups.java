package dev.beacon.server.backup;

import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.OwnerOnly;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Backups of a data directory on the embedded store: a consistent copy of {@code beacon.duckdb}
 * taken while the server runs ({@link EventStore#backup}), with {@code products.json} (products
 * made in the dashboard, their hashed keys and tokens, the settings changed there) and a manifest,
 * as a ZIP stream; and their restore into a new data directory.
 */
public final class Backups {
  public static final String STORE = "beacon.duckdb";
  public static final String PRODUCTS = "products.json";
  public static final String MANIFEST = "backup.json";

  /** The only names a backup holds, and the only ones restored. */
  static final Set<String> NAMES = Set.of(STORE, PRODUCTS, MANIFEST);

  private Backups() {}

  /**
   * Writes a backup of the running store and the data directory's {@code products.json} as a ZIP to
   * {@code out} (not closed); the copy is made in {@code temp} and deleted after.
   */
  public static void write(
      EventStore store, Path dataDir, String version, OutputStream out, Path temp)
      throws IOException {
    Path dir = Files.createTempDirectory(Files.createDirectories(temp), "backup-");
    try {
      Path copy = dir.resolve(STORE);
      Instant at = Instant.now();
      store.backup(copy);
      ZipOutputStream zip = new ZipOutputStream(out);
      zip.setLevel(Deflater.BEST_SPEED);
      zip.putNextEntry(new ZipEntry(MANIFEST));
      zip.write(
          ("{\"beacon\":\""
                  + version.replace("\"", "")
                  + "\",\"taken_at\":\""
                  + at
                  + "\",\"store\":\"duckdb\"}\n")
              .getBytes(StandardCharsets.UTF_8));
      zip.closeEntry();
      Path products = dataDir.resolve(PRODUCTS);
      if (Files.exists(products)) {
        zip.putNextEntry(new ZipEntry(PRODUCTS));
        zip.write(Files.readAllBytes(products)); // replaced atomically when changed: whole
        zip.closeEntry();
      }
      zip.putNextEntry(new ZipEntry(STORE));
      Files.copy(copy, zip);
      zip.closeEntry();
      zip.finish();
      out.flush();
    } finally {
      try (var paths = Files.walk(dir)) {
        for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /**
   * Unpacks a backup's ZIP into {@code dir} (made owner-only): its known files, nothing else.
   *
   * @return the files written
   * @throws IOException when it is not a backup (no store in it)
   */
  public static List<String> unpack(InputStream zip, Path dir) throws IOException {
    OwnerOnly.directory(dir);
    List<String> written = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(zip)) {
      ZipEntry e;
      while ((e = in.getNextEntry()) != null) {
        if (!NAMES.contains(e.getName())) {
          continue; // never a path of the archive's choosing
        }
        Path target = dir.resolve(e.getName());
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        OwnerOnly.restrict(target);
        written.add(e.getName());
      }
    }
    if (!written.contains(STORE)) {
      throw new IOException("not a Beacon backup: it holds no " + STORE);
    }
    return written;
  }

  /**
   * Restores a backup directory into a data directory that has no store yet.
   *
   * @throws IllegalStateException when {@code dataDir} has a store already, or {@code from} is not
   *     a backup
   */
  public static void restore(Path from, Path dataDir) throws IOException {
    if (!Files.isRegularFile(from.resolve(STORE))) {
      throw new IllegalStateException(from + " is not a Beacon backup: it holds no " + STORE);
    }
    if (Files.exists(dataDir.resolve(STORE))) {
      throw new IllegalStateException(
          dataDir + " has a store already: restore into a new data directory");
    }
    OwnerOnly.directory(dataDir);
    for (String name : List.of(STORE, PRODUCTS)) {
      Path source = from.resolve(name);
      if (Files.exists(source)) {
        Path target = dataDir.resolve(name);
        Files.copy(source, target);
        OwnerOnly.restrict(target);
      }
    }
  }
}
