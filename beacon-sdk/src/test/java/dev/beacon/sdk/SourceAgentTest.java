package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster agent of DC/OS Signal's case: sources polled at once, each within its timeout, and
 * nothing while telemetry is off. (DC/OS's own mappings and seed 003 are tested in
 * beacon-sdk-dcos.)
 */
class SourceAgentTest {
  static final String CLUSTER = "70b28f00-e38f-41b2-a723-aab344f535b9";

  @TempDir Path tmp;

  private static URI uri(HttpServer s, String path) {
    return URI.create("http://127.0.0.1:" + s.getAddress().getPort() + path);
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
                      "black_hole", hole.uri(), Duration.ofMillis(300), v -> castMap(v)))
              .source(
                  Source.jsonFile(
                      "missing", tmp.resolve("nope.json"), Duration.ofSeconds(1), v -> castMap(v)))
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
  private static HttpServer counting(AtomicInteger hits) throws Exception {
    HttpServer s = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
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
  private static Set<Thread> agentThreads() {
    Set<Thread> threads = new HashSet<>();
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
    AtomicInteger hits = new AtomicInteger();
    AtomicInteger supplied = new AtomicInteger();
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
      Set<Thread> before = agentThreads();
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
    AtomicInteger hits = new AtomicInteger();
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
      Set<Thread> before = agentThreads();
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
}
