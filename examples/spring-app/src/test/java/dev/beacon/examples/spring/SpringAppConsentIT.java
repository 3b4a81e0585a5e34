package dev.beacon.examples.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.sdk.Endpoints;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example's jar as an operator runs it, once per way of turning telemetry off: the telemetry
 * endpoint names the setting that decided, and across the whole run, orders placed included, no
 * connection reaches the endpoint and no file is written. The same run with nothing switched off
 * connects, so the tripwire works. The runtime toggle outlives a restart.
 */
class SpringAppConsentIT {
  private static final Path JAR = Path.of("target/spring-app.jar").toAbsolutePath();
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path LOGS = Path.of("target/spring-app-it");
  private final HttpClient http = HttpClient.newHttpClient();

  @TempDir Path tmp;

  private record Run(Process process, URI base) {}

  private Run start(Path data, URI endpoint, Map<String, String> env, String... args)
      throws Exception {
    int port = BeaconServerProcess.freePort();
    Files.createDirectories(LOGS);
    Map<String, String> properties = new LinkedHashMap<>();
    properties.put("beacon.endpoint", endpoint.toString());
    properties.put("beacon.initial-delay", "0s");
    properties.put("beacon.flush-interval", "100ms");
    properties.put("beacon.log-file", data.resolve("telemetry.log").toString());
    for (String a : args) { // --name=value, over the defaults above
      int eq = a.indexOf('=');
      properties.put(a.substring(2, eq), a.substring(eq + 1));
    }
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-jar");
    command.add(JAR.toString());
    properties.forEach((k, v) -> command.add("--" + k + "=" + v));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(LOGS.resolve("app-" + port + ".log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("SHOP_") || k.equals("DO_NOT_TRACK"));
    pb.environment().put("PORT", Integer.toString(port));
    pb.environment().put("SHOP_DATA", data.toString());
    pb.environment().putAll(env);
    Run run = new Run(pb.start(), URI.create("http://127.0.0.1:" + port));
    await()
        .atMost(Duration.ofSeconds(90))
        .ignoreExceptions()
        .until(() -> get(run, "/actuator/health").contains("UP"));
    return run;
  }

  private String get(Run run, String path) throws Exception {
    return http.send(
            HttpRequest.newBuilder(run.base().resolve(path)).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private JsonNode telemetry(Run run) throws Exception {
    return JSON.readTree(get(run, "/actuator/telemetry"));
  }

  private void placeOrder(Run run) throws Exception {
    int status =
        http.send(
                HttpRequest.newBuilder(run.base().resolve("/orders"))
                    .POST(HttpRequest.BodyPublishers.ofString("tea"))
                    .build(),
                HttpResponse.BodyHandlers.discarding())
            .statusCode();
    assertThat(status).isEqualTo(201);
  }

  /** A graceful stop (SIGTERM): the context closes, Beacon with it. */
  private static void stop(Run run) throws InterruptedException {
    run.process().destroy();
    assertThat(run.process().waitFor(60, TimeUnit.SECONDS)).isTrue();
  }

  private void staysOff(String expectedReason, Map<String, String> env, String... args)
      throws Exception {
    Path data = tmp.resolve("data");
    try (Endpoints.BlackHole tripwire = new Endpoints.BlackHole()) {
      Run run = start(data, tripwire.uri(), env, args);
      try {
        JsonNode t = telemetry(run);
        assertThat(t.get("mode").asText()).isEqualTo("off");
        assertThat(t.get("reason").asText()).contains(expectedReason);
        placeOrder(run);
      } finally {
        stop(run);
      }
      assertThat(tripwire.connections()).as("connections to the endpoint").isZero();
    }
    assertThat(data).doesNotExist();
  }

  @Test
  void doNotTrackTurnsItOff() throws Exception {
    staysOff("DO_NOT_TRACK=1", Map.of("DO_NOT_TRACK", "1"));
  }

  @Test
  void theWerfStyleVariableTurnsItOff() throws Exception {
    staysOff("SHOP_TELEMETRY=off", Map.of("SHOP_TELEMETRY", "off"));
  }

  @Test
  void theEmqxStyleVariableTurnsItOff() throws Exception {
    staysOff("SHOP_TELEMETRY__ENABLE=false", Map.of("SHOP_TELEMETRY__ENABLE", "false"));
  }

  @Test
  void theApplicationsPropertyTurnsItOff() throws Exception {
    staysOff("beacon.enabled=false", Map.of(), "--beacon.enabled=false");
  }

  @Test
  void theProductsModeSettingTurnsItOff() throws Exception {
    staysOff("beacon.mode=off", Map.of(), "--beacon.mode=off");
  }

  @Test
  void withNothingSwitchedOffTheEndpointIsReachedSoTheTripwireWorks() throws Exception {
    Path data = tmp.resolve("on");
    try (Endpoints.BlackHole tripwire = new Endpoints.BlackHole()) {
      Run run = start(data, tripwire.uri(), Map.of());
      try {
        JsonNode t = telemetry(run);
        assertThat(t.get("mode").asText()).isEqualTo("on");
        // In Boot's packaged jar the starters are left out; the modules they brought are there.
        assertThat(t.at("/payload/batch/0/properties/spring/modules").toString())
            .contains("spring-boot-webmvc", "spring-boot-actuator", "spring-boot-tomcat");
        placeOrder(run);
        await().atMost(Duration.ofSeconds(30)).until(() -> tripwire.connections() > 0);
      } finally {
        stop(run);
      }
    }
    assertThat(data.resolve("telemetry")).isDirectory();
  }

  @Test
  void theRuntimeToggleOfTheEndpointOutlivesARestart() throws Exception {
    Path data = tmp.resolve("toggle");
    try (Endpoints.BlackHole tripwire = new Endpoints.BlackHole()) {
      Run first = start(data, tripwire.uri(), Map.of(), "--beacon.initial-delay=1h");
      try {
        HttpResponse<String> off =
            http.send(
                HttpRequest.newBuilder(first.base().resolve("/actuator/telemetry"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"enabled\": false}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(off.statusCode()).as(off.body()).isEqualTo(200);
        assertThat(JSON.readTree(off.body()).get("mode").asText()).isEqualTo("off");
      } finally {
        stop(first);
      }
      int before = tripwire.connections();
      Run second = start(data, tripwire.uri(), Map.of());
      try {
        JsonNode t = telemetry(second);
        assertThat(t.get("mode").asText()).isEqualTo("off");
        assertThat(t.get("reason").asText()).contains("at runtime");
        placeOrder(second);
      } finally {
        stop(second);
      }
      assertThat(tripwire.connections()).isEqualTo(before);
    }
    assertThat(Files.exists(data.resolve("telemetry.log"))).isFalse();
  }
}
