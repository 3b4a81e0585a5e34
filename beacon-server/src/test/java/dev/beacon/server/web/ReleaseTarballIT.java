package dev.beacon.server.web;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.protocol.GoldenPayloads;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: the release an operator installs. The tarball {@code ./mvnw package} made is unpacked
 * in a temporary directory and run as an operator would, with a Java runtime alone: its {@code
 * bin/beacon}, this JVM's {@code java} as JAVA_HOME, a PATH of the system's directories only (no
 * Maven, no source tree), the temporary directory as its working directory and home.
 */
class ReleaseTarballIT {
  @TempDir Path tmp;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ADMIN = "release-admin-password";

  @Test
  void theUnpackedTarballServesTheDashboardAndIngestsAnEmqxReportWithAJavaRuntimeAlone()
      throws Exception {
    Path tarball = tarball();
    assertThat(run(List.of("tar", "-xzf", tarball.toString(), "-C", tmp.toString()), null).exit)
        .isZero();
    Path home = tmp.resolve(tarball.getFileName().toString().replace(".tar.gz", ""));
    assertThat(home.resolve("bin/beacon")).isExecutable();
    assertThat(home.resolve("lib/beacon-server.jar")).isRegularFile();
    assertThat(home.resolve("conf/beacon.conf")).content().contains("products {");
    assertThat(home.resolve("systemd/beacon.service"))
        .content()
        .contains("User=beacon", "StateDirectory=beacon", "/opt/beacon/bin/beacon serve");

    Result version = run(List.of(home.resolve("bin/beacon").toString(), "--version"), home);
    assertThat(version.exit).as(version.out).isZero();
    assertThat(version.out).startsWith("beacon 0.").doesNotContain("unknown");

    ProcessBuilder pb =
        new ProcessBuilder(
                home.resolve("bin/beacon").toString(),
                "serve",
                "--config",
                home.resolve("conf/beacon.conf").toString(),
                "--port",
                "0",
                "--data",
                tmp.resolve("data").toString())
            .directory(tmp.toFile())
            .redirectErrorStream(true);
    onlyARuntime(pb.environment());
    pb.environment().put("BEACON_PRODUCTS__EMQX__WRITE_KEY", "wk_release_test_key");
    pb.environment().put("BEACON_COMPAT__EMQX__PRODUCT", "emqx");
    pb.environment().put("BEACON_ADMIN__PASSWORD", ADMIN);
    Process server = pb.start();
    try {
      // Read on a thread of its own, to the end: a silent server fails the wait below instead of
      // hanging the build, and a chatty one never blocks on a full pipe.
      List<String> lines = new CopyOnWriteArrayList<>();
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader out =
                    new BufferedReader(new InputStreamReader(server.getInputStream(), UTF_8))) {
                  for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                  }
                } catch (IOException ended) {
                  // the server ended
                }
              },
              "release-output");
      reader.setDaemon(true);
      reader.start();
      Pattern running = Pattern.compile("Beacon is running: (http://localhost:\\d+)");
      String base =
          Awaitility.await()
              .atMost(Duration.ofMinutes(2))
              .until(
                  () ->
                      lines.stream()
                          .map(running::matcher)
                          .filter(Matcher::find)
                          .map(m -> m.group(1))
                          .findFirst()
                          .orElse(null),
                  Objects::nonNull);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      HttpResponse<String> dashboard =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/dashboard/")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(dashboard.statusCode()).isEqualTo(200);
      assertThat(dashboard.body()).contains("Beacon");

      HttpResponse<String> report =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/api/telemetry"))
                  .header("Content-Type", "application/json")
                  .POST(HttpRequest.BodyPublishers.ofString(GoldenPayloads.EMQX_5_REPORT.json()))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(report.statusCode()).as(report.body()).isEqualTo(200);

      String auth =
          "Basic " + Base64.getEncoder().encodeToString(("admin:" + ADMIN).getBytes(UTF_8));
      JsonNode summary =
          JSON.readTree(
              http.send(
                      HttpRequest.newBuilder(
                              URI.create(base + "/api/v1/products/emqx/summary?days=3650"))
                          .header("Authorization", auth)
                          .build(),
                      HttpResponse.BodyHandlers.ofString())
                  .body());
      assertThat(summary.path("events").asLong()).as(summary.toString()).isEqualTo(1);
    } finally {
      server.destroy();
      if (!server.waitFor(60, TimeUnit.SECONDS)) {
        server.destroyForcibly();
      }
    }
  }

  /** This build's tarball (not one an older version left in target/). */
  private static Path tarball() throws IOException {
    Properties v = new Properties();
    try (InputStream in =
        Files.newInputStream(Path.of("target/classes/dev/beacon/server/version.properties"))) {
      v.load(in);
    }
    Path p = Path.of("target", "beacon-" + v.getProperty("version") + ".tar.gz");
    assertThat(p).as("./mvnw package makes it").isRegularFile();
    return p;
  }

  /** The environment of a machine with a Java runtime and nothing of the build. */
  private void onlyARuntime(Map<String, String> env) {
    env.clear();
    env.put("JAVA_HOME", System.getProperty("java.home"));
    env.put("PATH", "/usr/bin:/bin");
    env.put("HOME", tmp.toString());
    env.put("LANG", "C.UTF-8");
  }

  private record Result(int exit, String out) {}

  private Result run(List<String> command, Path dir) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    if (dir != null) {
      pb.directory(dir.toFile());
    }
    onlyARuntime(pb.environment());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }
}
