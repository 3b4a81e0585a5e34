package dev.beacon.server.web;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.zip.GZIPInputStream;

/**
 * A browser library's npm package, as published: its tarball from the npm registry, checked against
 * the integrity the registry lists for it (so a test runs the exact bytes vendors ship), cached
 * under {@code target/npm}, unpacked to a directory.
 */
final class NpmPackage {
  private NpmPackage() {}

  /**
   * @param name the package, e.g. {@code @segment/analytics-next}
   * @param integrity the registry's {@code dist.integrity} ({@code sha512-...})
   * @return the unpacked {@code package/} directory
   * @throws IOException when the registry cannot be reached (the caller decides to skip)
   */
  static Path fetch(String name, String version, String integrity) throws Exception {
    String base = name.substring(name.lastIndexOf('/') + 1);
    Path cache = Path.of("target", "npm");
    Path tarball = cache.resolve(base + "-" + version + ".tgz");
    if (!Files.exists(tarball) || !integrity.equals(integrityOf(Files.readAllBytes(tarball)))) {
      Files.createDirectories(cache);
      HttpResponse<byte[]> r =
          HttpClient.newBuilder()
              .connectTimeout(Duration.ofSeconds(20))
              .followRedirects(HttpClient.Redirect.NORMAL)
              .build()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "https://registry.npmjs.org/"
                                  + name
                                  + "/-/"
                                  + base
                                  + "-"
                                  + version
                                  + ".tgz"))
                      .timeout(Duration.ofMinutes(3))
                      .build(),
                  HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw new IOException("the npm registry answered " + r.statusCode() + " for " + name);
      }
      String got = integrityOf(r.body());
      if (!integrity.equals(got)) {
        throw new IllegalStateException(
            name + "@" + version + " is not the published package: " + got);
      }
      Files.write(tarball, r.body());
    }
    Path out = cache.resolve(base + "-" + version);
    if (!Files.isDirectory(out)) {
      untar(Files.readAllBytes(tarball), out);
    }
    return out.resolve("package");
  }

  private static String integrityOf(byte[] bytes) throws Exception {
    return "sha512-"
        + Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-512").digest(bytes));
  }

  /** A gzipped ustar archive into {@code dir} (regular files only; PAX headers skipped). */
  private static void untar(byte[] tgz, Path dir) throws IOException {
    Path tmp = dir.resolveSibling(dir.getFileName() + ".partial");
    try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(tgz))) {
      byte[] header = new byte[512];
      while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
        String name = field(header, 0, 100);
        String prefix = field(header, 345, 155);
        long size =
            Long.parseLong(
                field(header, 124, 12).strip().isEmpty() ? "0" : field(header, 124, 12).strip(), 8);
        byte type = header[156];
        byte[] content = in.readNBytes((int) size);
        in.skipNBytes((512 - size % 512) % 512);
        String path = prefix.isEmpty() ? name : prefix + "/" + name;
        if ((type == '0' || type == 0) && !path.contains("..")) {
          Path target = tmp.resolve(path).normalize();
          if (!target.startsWith(tmp)) {
            continue;
          }
          Files.createDirectories(target.getParent());
          Files.write(target, content);
        }
      }
    }
    Files.move(tmp, dir);
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
  }
}
