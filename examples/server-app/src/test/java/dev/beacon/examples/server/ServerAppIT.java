package dev.beacon.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.TestCollector;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example as a user runs it: its jar, in a JVM of its own, reporting to a collector. */
class ServerAppIT {
  @Test
  void theExampleServiceSendsItsReportAndAnswersTheTelemetryApi(@TempDir Path data)
      throws Exception {
    int port;
    try (var s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (TestCollector collector = TestCollector.start()) {
      ProcessBuilder pb =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-jar",
                  Path.of("target", "server-app.jar").toString(),
                  String.valueOf(port))
              .redirectErrorStream(true)
              .redirectOutput(data.resolve("out.log").toFile());
      pb.environment().keySet().removeIf(k -> k.startsWith("DEMO_") || k.equals("DO_NOT_TRACK"));
      pb.environment().put("DEMO_TELEMETRY_ENDPOINT", collector.uri().toString());
      pb.environment().put("DEMO_DATA", data.toString());
      Process app = pb.start();
      try {
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + port);
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> get(http, base.resolve("/telemetry/status")).startsWith("on"));
        http.send(
            HttpRequest.newBuilder(base.resolve("/kv/a"))
                .PUT(HttpRequest.BodyPublishers.ofString("1"))
                .build(),
            HttpResponse.BodyHandlers.discarding());
        assertThat(get(http, base.resolve("/telemetry/data"))).contains("\"kv_store\"");

        // The first report comes 10-15 s after start (the SDK's default, jittered).
        await().atMost(Duration.ofSeconds(40)).until(() -> hasReport(collector.messages()));
        JsonNode report =
            collector.messages().stream()
                .filter(m -> m.get("type").asText().equals("report"))
                .findFirst()
                .orElseThrow();
        assertThat(report.at("/properties/version").asText()).isEqualTo("1.4.2");
        assertThat(report.at("/properties/kv_store/num_keys").asInt()).isEqualTo(1);
        assertThat(report.at("/properties/rates/requests_rate").isNumber()).isTrue();
        assertThat(report.at("/properties/config_keys").toString())
            .isEqualTo("[\"data_dir\",\"port\"]");
      } finally {
        app.destroy();
        app.waitFor();
      }
    }
  }

  private static boolean hasReport(List<JsonNode> messages) {
    return messages.stream().anyMatch(m -> m.get("type").asText().equals("report"));
  }

  private static String get(HttpClient http, URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
