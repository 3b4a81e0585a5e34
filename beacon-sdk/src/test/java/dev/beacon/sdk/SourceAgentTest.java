package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.beacon.protocol.GoldenPayloads;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DC/OS Signal, rebuilt: local DC/OS-shaped JSON in, seed 003's three events out. */
class SourceAgentTest {
  static final String CLUSTER = "70b28f00-e38f-41b2-a723-aab344f535b9";

  @TempDir Path tmp;

  /** The diagnostics report that yields seed 003's health counts (nodes carry IPs and hosts). */
  static String healthReport(JsonNode expected) {
    ObjectNode units = TestCollector.JSON.createObjectNode();
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
      ArrayNode nodes = TestCollector.JSON.createArrayNode();
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
    ObjectNode report = TestCollector.JSON.createObjectNode();
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
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
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

  @Test
  void dcosShapedSourcesProduceTheEventsOfSeed003() throws Exception {
    JsonNode golden = TestCollector.JSON.readTree(GoldenPayloads.DCOS_SIGNAL_BATCH.json());
    JsonNode expectedHealth = golden.at("/batch/1/properties");
    HttpServer health = serve("/system/health/v1/report", healthReport(expectedHealth));
    HttpServer mesos = serve("/master/state-summary", STATE_SUMMARY);
    Path packages = Files.writeString(tmp.resolve("packages.json"), PACKAGES);
    try (TestCollector collector = TestCollector.start()) {
      Beacon beacon = TestBeacons.builder(tmp.resolve("state"), collector.uri()).build();
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

  @Test
  void aFailingOrHangingSourceDelaysAndStopsNoOther() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    try (TestCollector collector = TestCollector.start();
        Endpoints.BlackHole hole = new Endpoints.BlackHole()) {
      Beacon beacon = TestBeacons.builder(tmp.resolve("state"), collector.uri()).build();
      SourceAgent agent =
          SourceAgent.builder(beacon)
              .clusterId(CLUSTER)
              .source(
                  Source.supplier(
                      "hangs",
                      Duration.ofMillis(300),
                      () -> {
                        try {
                          never.await();
                        } catch (InterruptedException e) {
                          Thread.currentThread().interrupt();
                        }
                        return Map.of();
                      }))
              .source(
                  Source.httpJson(
                      "black_hole", hole.uri(), Duration.ofMillis(300), DcosSignal.health()))
              .source(
                  Source.jsonFile(
                      "missing",
                      tmp.resolve("nope.json"),
                      Duration.ofSeconds(1),
                      DcosSignal.packages()))
              .source(Source.supplier("fine", Duration.ofSeconds(1), () -> Map.of("n", 1)))
              .build();
      long start = System.nanoTime();
      Map<String, String> outcome = agent.runOnce();
      long tookMillis = (System.nanoTime() - start) / 1_000_000;
      assertThat(outcome.get("fine")).isEqualTo("sent");
      assertThat(outcome.get("hangs")).isEqualTo("skipped: no answer within 300 ms");
      assertThat(outcome.get("black_hole")).startsWith("skipped:");
      assertThat(outcome.get("missing")).startsWith("skipped: IllegalStateException");
      // All polled at once: the pass takes about the longest timeout, not the sum of them.
      assertThat(tookMillis).isLessThan(5_000);
      beacon.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> tracked(collector).size() == 1);
      assertThat(tracked(collector)).containsExactly("fine");
      never.countDown();
      agent.close();
      beacon.close();
    }
  }

  private static List<String> tracked(TestCollector collector) {
    return collector.messages().stream()
        .filter(m -> m.get("type").asText().equals("track"))
        .map(m -> m.get("event").asText())
        .toList();
  }

  /** A local HTTP source that counts the requests it gets. */
  private static HttpServer counting(java.util.concurrent.atomic.AtomicInteger hits)
      throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    s.createContext(
        "/",
        ex -> {
          hits.incrementAndGet();
          byte[] b = "{\"n\":1}".getBytes(StandardCharsets.UTF_8);
          ex.sendResponseHeaders(200, b.length);
          ex.getResponseBody().write(b);
          ex.close();
        });
    s.start();
    return s;
  }

  /** The agent's threads (its schedule and its source calls), of this test or an earlier one. */
  private static java.util.Set<Thread> agentThreads() {
    java.util.Set<Thread> threads = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("beacon-source")) {
        threads.add(t);
      }
    }
    return threads;
  }

  /** Security audit 2026-12, M8: off means no thread, no source read, no socket. */
  @Test
  void whileTelemetryIsOffTheAgentStartsNoThreadAndReadsNoSource() throws Exception {
    java.util.concurrent.atomic.AtomicInteger hits =
        new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.atomic.AtomicInteger supplied =
        new java.util.concurrent.atomic.AtomicInteger();
    HttpServer local = counting(hits);
    try (Endpoints.BlackHole tripwire = new Endpoints.BlackHole()) {
      Beacon beacon =
          TestBeacons.builder(tmp.resolve("state"), tripwire.uri(), Map.of("DO_NOT_TRACK", "1"))
              .build();
      SourceAgent agent =
          SourceAgent.builder(beacon)
              .clusterId(CLUSTER)
              .interval(Duration.ofMillis(50))
              .source(
                  Source.httpJson("local", uri(local, "/"), Duration.ofSeconds(1), v -> Map.of()))
              .source(
                  Source.supplier(
                      "computed",
                      Duration.ofSeconds(1),
                      () -> {
                        supplied.incrementAndGet();
                        return Map.of();
                      }))
              .build();
      java.util.Set<Thread> before = agentThreads();
      agent.start();
      assertThat(agent.runOnce())
          .containsExactlyInAnyOrderEntriesOf(
              Map.of(
                  "local", "skipped: telemetry is off or closed",
                  "computed", "skipped: telemetry is off or closed"));
      await()
          .during(Duration.ofMillis(400))
          .atMost(Duration.ofSeconds(2))
          .until(
              () -> hits.get() == 0 && supplied.get() == 0 && before.containsAll(agentThreads()));
      agent.close();
      beacon.close();
      assertThat(hits.get()).as("requests to the local source").isZero();
      assertThat(supplied.get()).as("calls of the supplier source").isZero();
      assertThat(tripwire.connections()).isZero();
      assertThat(tmp.resolve("state")).doesNotExist();
    } finally {
      local.stop(0);
    }
  }

  @Test
  void anAgentStartedWhileOffStartsPollingWhenTelemetryIsTurnedOn() throws Exception {
    java.util.concurrent.atomic.AtomicInteger hits =
        new java.util.concurrent.atomic.AtomicInteger();
    HttpServer local = counting(hits);
    try (TestCollector collector = TestCollector.start()) {
      Beacon beacon =
          TestBeacons.builder(tmp.resolve("state"), collector.uri())
              .defaultMode(TelemetryMode.OFF)
              .initialDelay(Duration.ofHours(1))
              .build();
      SourceAgent agent =
          SourceAgent.builder(beacon)
              .clusterId(CLUSTER)
              .interval(Duration.ofHours(1))
              .source(
                  Source.httpJson("local", uri(local, "/"), Duration.ofSeconds(1), v -> castMap(v)))
              .build();
      java.util.Set<Thread> before = agentThreads();
      agent.start();
      beacon.start();
      await()
          .during(Duration.ofMillis(300))
          .until(() -> hits.get() == 0 && before.containsAll(agentThreads()));
      beacon.control().enable();
      await().atMost(Duration.ofSeconds(10)).until(() -> hits.get() == 1);
      await().atMost(Duration.ofSeconds(10)).until(() -> tracked(collector).contains("local"));
      agent.close();
      beacon.close();
    } finally {
      local.stop(0);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object v) {
    return (Map<String, Object>) v;
  }

  @Test
  void theJsonReaderIsStrict() {
    assertThat(JsonReader.parse("{\"a\":[1,2.5,\"x\\u00e9\",true,null]}").toString())
        .isEqualTo("{a=[1, 2.5, xé, true, null]}");
    for (String bad : List.of("{", "[1,]", "{\"a\":1} x", "nul", "\"\u0001\"", "[".repeat(100))) {
      assertThatThrownBy(() -> JsonReader.parse(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }
}
