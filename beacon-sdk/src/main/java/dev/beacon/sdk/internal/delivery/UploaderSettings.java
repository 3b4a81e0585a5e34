package dev.beacon.sdk.internal.delivery;

import dev.beacon.sdk.internal.config.Checks;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.state.StateStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * The {@link DetachedUploader}'s settings, as a run hands them over: {@code
 * <spool>/uploader.properties}, owner-only, written atomically and only when they change, so a
 * running uploader can tell a new endpoint or key from the same ones. Resolved already: the child
 * reads no environment.
 */
final class UploaderSettings {
  static final String FILE = "uploader.properties";
  private static final int MAX_BYTES = 64 * 1024;

  private UploaderSettings() {}

  /** The settings the child needs, as the same bytes for the same settings (sorted, no date). */
  static byte[] encode(Settings s) {
    Map<String, String> p = new TreeMap<>();
    p.put("product", s.product);
    p.put("endpoint", s.endpoint.toString());
    p.put("state.directory", s.stateDirectory.toAbsolutePath().toString());
    if (s.writeKey != null) {
      p.put("write.key", s.writeKey);
    }
    if (s.logFile != null) {
      p.put("log.file", s.logFile.toAbsolutePath().toString());
    }
    if (s.trustedCertificates != null) {
      p.put("trusted.certificates", s.trustedCertificates.toAbsolutePath().toString());
    }
    p.put("connect.timeout.millis", Long.toString(s.connectTimeout.toMillis()));
    p.put("request.timeout.millis", Long.toString(s.requestTimeout.toMillis()));
    p.put("retry.base.millis", Long.toString(s.retryBase.toMillis()));
    p.put("retry.max.millis", Long.toString(s.retryMax.toMillis()));
    p.put("max.spool.bytes", Long.toString(s.maxSpoolBytes));
    // Not Properties.store: its date line loads the time zone and locale data, ~20 ms of a
    // command's exit in a fresh JVM (issue 20).
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : p.entrySet()) {
      out.append(e.getKey()).append('=');
      escape(e.getValue(), out);
      out.append('\n');
    }
    return out.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /** A value as {@link Properties#load(java.io.Reader)} reads it back, in printable ASCII. */
  private static void escape(String value, StringBuilder out) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        case '\f':
          out.append("\\f");
          break;
        case ' ':
        case '=':
        case ':':
        case '#':
        case '!':
          out.append('\\').append(c);
          break;
        default:
          if (c < 0x20 || c > 0x7e) {
            out.append("\\u");
            for (int shift = 12; shift >= 0; shift -= 4) {
              out.append(Character.forDigit((c >> shift) & 0xf, 16));
            }
          } else {
            out.append(c);
          }
      }
    }
  }

  /**
   * Writes the settings unless they are there already: owner-only, atomically.
   *
   * @return whether they changed
   */
  static boolean write(Path spoolDir, byte[] encoded) throws IOException {
    byte[] current = read(spoolDir);
    if (current != null && Arrays.equals(current, encoded)) {
      return false;
    }
    Path tmp = spoolDir.resolve(FILE + "." + System.nanoTime() + ".tmp");
    try {
      Files.createFile(tmp, ownerOnly(spoolDir));
      Files.write(tmp, encoded);
      StateStore.moveAtomically(tmp, spoolDir.resolve(FILE));
      return true;
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** The file's bytes, or null when absent, unreadable or too large. */
  static byte[] read(Path spoolDir) {
    try (InputStream in = Files.newInputStream(spoolDir.resolve(FILE))) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      return bytes.length > MAX_BYTES ? null : bytes;
    } catch (IOException absent) {
      return null;
    }
  }

  /** The settings of the file's bytes. */
  static Settings decode(byte[] encoded) throws IOException {
    Properties p = new Properties();
    p.load(new InputStreamReader(new ByteArrayInputStream(encoded), StandardCharsets.ISO_8859_1));
    Settings.Draft d = new Settings.Draft(required(p, "product"));
    d.environment = Map.of();
    d.commandLine = true; // the uploader of a command-line product
    d.systemProperties = new Properties();
    d.endpoint = Checks.requireEndpoint(URI.create(required(p, "endpoint")));
    d.stateDirectory = Path.of(required(p, "state.directory"));
    d.connectTimeout = millis(p, "connect.timeout.millis");
    d.requestTimeout = millis(p, "request.timeout.millis");
    d.retryBase = millis(p, "retry.base.millis");
    d.retryMax = millis(p, "retry.max.millis");
    d.maxSpoolBytes = Checks.requireSpoolBytes(Long.parseLong(required(p, "max.spool.bytes")));
    if (p.getProperty("write.key") != null) {
      d.writeKey = Checks.requireText(p.getProperty("write.key"), "write.key");
    }
    if (p.getProperty("log.file") != null) {
      d.logFile = Path.of(p.getProperty("log.file"));
    }
    if (p.getProperty("trusted.certificates") != null) {
      d.trustedCertificates = Path.of(p.getProperty("trusted.certificates"));
    }
    return Settings.resolve(d);
  }

  /** 0600 where the file system has modes: what a file of the spool is created with. */
  static FileAttribute<?>[] ownerOnly(Path dir) {
    if (!dir.getFileSystem().supportedFileAttributeViews().contains("posix")) {
      return new FileAttribute<?>[0];
    }
    return new FileAttribute<?>[] {
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))
    };
  }

  private static String required(Properties p, String name) {
    String v = p.getProperty(name);
    if (v == null) {
      throw new IllegalArgumentException("the uploader's settings lack " + name);
    }
    return v;
  }

  private static Duration millis(Properties p, String name) {
    return Checks.requirePositive(Duration.ofMillis(Long.parseLong(required(p, name))), name);
  }
}
