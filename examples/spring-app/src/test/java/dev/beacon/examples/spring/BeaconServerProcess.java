package dev.beacon.examples.spring;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/** A real Beacon server, from the jar the build made, in a JVM of its own, on a free port. */
final class BeaconServerProcess implements AutoCloseable {
  static final String WRITE_KEY = "wk_shop_it_0123";
  private static final String PASSWORD = "spring-it-admin";
  private static final Path JAR =
      Path.of("../../beacon-server/target/beacon-server.jar").toAbsolutePath().normalize();
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final URI uri;
  private final HttpClient http = HttpClient.newHttpClient();

  private BeaconServerProcess(Process process, int port) {
    this.process = process;
    this.uri = URI.create("http://127.0.0.1:" + port);
  }

  static BeaconServerProcess start(Path data) throws IOException {
    if (!Files.isRegularFile(JAR)) {
      throw new IllegalStateException(JAR + " is missing: build beacon-server first");
    }
    int port = freePort();
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "--enable-native-access=ALL-UNNAMED",
                "-Xmx512m",
                "-jar",
                JAR.toString(),
                "serve",
                "--port",
                Integer.toString(port),
                "--data",
                data.toString())
            .redirectErrorStream(true)
            .redirectOutput(data.resolveSibling("beacon-server.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("BEACON_"));
    pb.environment().put("BEACON_PRODUCTS__SHOP__WRITE_KEY", WRITE_KEY);
    pb.environment().put("BEACON_ADMIN__PASSWORD", PASSWORD);
    BeaconServerProcess server = new BeaconServerProcess(pb.start(), port);
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .until(() -> server.status("/readyz") == 200);
    return server;
  }

  URI uri() {
    return uri;
  }

  /** An admin query of the API, as JSON. */
  JsonNode api(String pathAndQuery) throws Exception {
    String basic =
        Base64.getEncoder().encodeToString(("admin:" + PASSWORD).getBytes(StandardCharsets.UTF_8));
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(uri.resolve(pathAndQuery))
                .header("Authorization", "Basic " + basic)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(
          pathAndQuery + " answered " + r.statusCode() + ": " + r.body());
    }
    return JSON.readTree(r.body());
  }

  private int status(String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(uri.resolve(path)).build(),
            HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
