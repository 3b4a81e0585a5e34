package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** L6: the data directory and its files were readable by every local user (0755 and 0644). */
class DataFilesPermissionsTest {
  @TempDir Path tmp;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void theDataDirectoryIs0700AndEveryDataFile0600_L6() throws Exception {
    Path data = tmp.resolve("beacon-data");
    // A data directory of an older Beacon, open to everyone, is narrowed at start.
    Files.createDirectory(
        data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    try (TestServer s = TestServer.start(data, Map.of("BEACON_ADMIN__PASSWORD", ""))) {
      String password = s.server.admin().generatedPassword();
      assertThat(password).isNotNull(); // so admin-password.hash was written at this start
      assertThat(
              s.post(
                      "/v1/track",
                      "{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\",\"messageId\":\"m\"}")
                  .status())
          .isEqualTo(200);
      assertThat(
              s.request(
                      "POST",
                      "/api/v1/products",
                      "{\"name\":\"werf\"}",
                      TestServer.basic("admin", password))
                  .status())
          .isEqualTo(201);

      assertThat(mode(data)).isEqualTo("rwx------");
      for (String name :
          new String[] {
            "beacon.duckdb",
            "beacon.duckdb.wal",
            "admin-password.hash",
            "products.json",
            "products.json.lock"
          }) {
        assertThat(data.resolve(name)).as(name).exists();
        assertThat(mode(data.resolve(name))).as(name).isEqualTo("rw-------");
      }
      try (Stream<Path> files = Files.list(data)) { // no temporary file left behind
        assertThat(files.map(p -> p.getFileName().toString()))
            .containsExactlyInAnyOrder(
                "beacon.duckdb",
                "beacon.duckdb.wal",
                "admin-password.hash",
                "products.json",
                "products.json.lock");
      }
    }
  }
}
