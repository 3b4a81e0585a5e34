package dev.beacon.sdk.dcos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.beacon.protocol.GoldenPayloads;
import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.Source;
import dev.beacon.sdk.SourceAgent;
import dev.beacon.sdk.TelemetryMode;
import dev.beacon.sdk.TestCollector;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DC/OS Signal, rebuilt: local DC/OS-shaped JSON in, seed 003's three events out. */
class DcosSignalTest {
  static final String CLUSTER = "70b28f00-e38f-41b2-a723-aab344f535b9";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;

  /** The diagnostics report that yields seed 003's health counts (nodes carry IPs and hosts). */
  static String healthReport(JsonNode expected) {
    ObjectNode units = JSON.createObjectNode();
    Iterator<String> names = expected.fieldNames();
    while (names.hasNext()) {
      String key = names.next();
      if (!key.startsWith("health-unit-") || !key.endsWith("-total")) {
        continue;
      }
      String name = key.substring("health-unit-".length(), key.length() - "-total".length());
      int dash = name.lastIndexOf('-');
      String unit = name.substring(0, dash) + "." + name.substring(dash + 1);
      long total = expected.get(key).asLong();
      long unhealthy = expected.get("health-unit-" + name + "-unhealthy").asLong();
      ArrayNode nodes = JSON.createArrayNode();
      for (int i = 0; i < total; i++) {
        nodes
            .addObject()
            .put("Role", "master")
            .put("IP", "10.0.7." + i)
            .put("Host", "ip-10-0-7-" + i + ".secret.internal")
            .put("Health", i < unhealthy ? 1 : 0);
      }
      units.putObject(unit).put("UnitName", unit).set("Nodes", nodes);
    }
    ObjectNode report = JSON.createObjectNode();
    report.set("Units", units);
    return report.toString();
  }

  static final String STATE_SUMMARY =
      "{\"hostname\":\"leader.secret.internal\",\"slaves\":["
          + "{\"hostname\":\"a1.secret.internal\",\"active\":true,\"resources\":{\"cpus\":4,\"mem\":14018,\"disk\":35577},"
          + "\"used_resources\":{\"cpus\":0,\"mem\":0,\"disk\":0}},"
          + "{\"hostname\":\"a2.secret.internal\",\"active\":true,\"resources\":{\"cpus\":4.0,\"mem\":14018,\"disk\":35577},"
          + "\"used_resources\":{\"cpus\":0,\"mem\":0,\"disk\":0}}],"
          + "\"frameworks\":[{\"name\":\"marathon\",\"TASK_RUNNING\":0},"
          + "{\"name\":\"metronome\",\"TASK_RUNNING\":0}]}";

  static final String PACKAGES =
      "{\"packages\":[{\"appId\":\"/kafka\",\"packageInformation\":{\"packageDefinition\":"
          + "{\"name\":\"kafka\",\"version\":\"2.0.0\"}}},{\"appId\":\"/spark\",\"packageInformation\":"
          + "{\"packageDefinition\":{\"name\":\"spark\",\"version\":\"2.1.0\"}}}]}";

  private static HttpServer serve(String path, String body) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    s.createContext(
        path,
        ex -> {
          byte[] b = body.getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    s.start();
    return s;
  }

  private static URI uri(HttpServer s, String path) {
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + path);
  }

  /**
   * A Beacon as a cluster agent sets it up, through the SDK's public API only: this module cannot
   * isolate it from the machine's environment, so the test is skipped where that turns telemetry
   * off.
   */
  private Beacon beacon(URI endpoint) {
    Beacon beacon =
        Beacon.builder("acme")
            .version("5.0.9")
            .edition("opensource")
            .writeKey("wk_test")
            .endpoint(endpoint)
            .stateDirectory(tmp.resolve("state"))
            .initialDelay(Duration.ZERO)
            .reportInterval(Duration.ofHours(1))
            .flushInterval(Duration.ofMillis(50))
            .requestTimeout(Duration.ofSeconds(2))
            .connectTimeout(Duration.ofSeconds(1))
            .registerMBean(false)
            .build();
    boolean off = beacon.control().status().mode() == TelemetryMode.OFF;
    if (off) {
      beacon.close();
    }
    assumeFalse(off, () -> "telemetry is off here: " + beacon.control().status().reason());
    return beacon;
  }

  @Test
  void dcosShapedSourcesProduceTheEventsOfSeed003() throws Exception {
    JsonNode golden = JSON.readTree(GoldenPayloads.DCOS_SIGNAL_BATCH.json());
    JsonNode expectedHealth = golden.at("/batch/1/properties");
    HttpServer health = serve("/system/health/v1/report", healthReport(expectedHealth));
    HttpServer mesos = serve("/master/state-summary", STATE_SUMMARY);
    Path packages = Files.writeString(tmp.resolve("packages.json"), PACKAGES);
    try (TestCollector collector = TestCollector.start()) {
      Beacon beacon = beacon(collector.uri());
      SourceAgent agent =
          SourceAgent.builder(beacon)
              .clusterId(CLUSTER)
              .property("environmentVersion", "1.8")
              .property("provider", "aws")
              .property("source", "cluster")
              .property("variant", "open")
              .source(
                  Source.httpJson(
                      "health",
                      uri(health, "/system/health/v1/report"),
                      Duration.ofSeconds(15),
                      DcosSignal.health()))
              .source(
                  Source.httpJson(
                      "mesos_track",
                      uri(mesos, "/master/state-summary"),
                      Duration.ofSeconds(15),
                      DcosSignal.mesos()))
              .source(
                  Source.jsonFile(
                      "package_list", packages, Duration.ofSeconds(15), DcosSignal.packages()))
              .build();
      assertThat(agent.runOnce())
          .containsExactlyInAnyOrderEntriesOf(
              Map.of("health", "sent", "mesos_track", "sent", "package_list", "sent"));
      beacon.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages().size() >= 3);
      agent.close();
      beacon.close();

      for (JsonNode expected : golden.get("batch")) {
        JsonNode got =
            collector.messages().stream()
                .filter(m -> m.get("event").asText().equals(expected.get("event").asText()))
                .findFirst()
                .orElseThrow();
        assertThat(got.get("anonymousId").asText()).isEqualTo(CLUSTER);
        assertThat(got.at("/context/clusterId").asText()).isEqualTo(CLUSTER);
        assertThat(got.get("properties"))
            .as(expected.get("event").asText())
            .isEqualTo(expected.get("properties"));
      }
      assertThat(collector.requests().toString())
          .doesNotContain("secret.internal")
          .doesNotContain("10.0.7.");
    } finally {
      health.stop(0);
      mesos.stop(0);
    }
  }
}
