package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.internal.state.StateStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DeliveryTest {
  @TempDir Path tmp;

  @Test
  void sendsAReportSoonAfterStartWithEveryBuiltInSection() throws Exception {
    try (TestCollector collector = TestCollector.start();
        Beacon beacon =
            TestBeacons.builder(tmp.resolve("state"), collector.uri())
                .clusterId(() -> "5EAAF818-6186-11ED-AC1D-3DFDC18ED1BB")
                .nodes(() -> List.of("n1", "n2"))
                .plugins(() -> List.of("emqx_retainer"))
                .configKeys(() -> List.of("listeners.tcp.bind=0.0.0.0:1883", "authn.enable"))
                .section("mqtt_runtime_insights", () -> Map.of("num_topics", 3))
                .build()) {
      beacon.start();
      await().atMost(Duration.ofSeconds(10)).until(() -> !collector.delivered().isEmpty());

      TestCollector.Request r = collector.delivered().get(0);
      assertThat(r.path()).isEqualTo("/v1/batch");
      assertThat(r.contentEncoding()).isEqualTo("gzip");
      assertThat(r.authorization())
          .isEqualTo(
              "Basic "
                  + Base64.getEncoder()
                      .encodeToString("wk_test:".getBytes(StandardCharsets.UTF_8)));
      JsonNode report = r.json().get("batch").get(0);
      assertThat(report.get("type").asText()).isEqualTo("report");
      assertThat(report.get("schemaVersion").asInt()).isEqualTo(1);
      assertThat(report.get("anonymousId").asText())
          .isEqualTo(Files.readString(tmp.resolve("state/installation-id")).strip());
      assertThat(report.at("/context/clusterId").asText())
          .isEqualTo("5EAAF818-6186-11ED-AC1D-3DFDC18ED1BB");
      assertThat(report.at("/context/app/name").asText()).isEqualTo("acme");

      JsonNode p = report.get("properties");
      assertThat(p.get("uuid").asText()).isEqualTo(report.get("anonymousId").asText());
      assertThat(p.get("version").asText()).isEqualTo("5.0.9");
      assertThat(p.get("edition").asText()).isEqualTo("opensource");
      assertThat(p.get("os_name").asText()).isNotBlank();
      assertThat(p.get("os_version").asText()).isNotBlank();
      assertThat(p.get("up_time").asLong()).isPositive();
      assertThat(p.at("/vm_specs/num_cpus").asInt())
          .isEqualTo(Runtime.getRuntime().availableProcessors());
      assertThat(p.at("/vm_specs/total_memory").asLong()).isPositive();
      assertThat(p.at("/build_info/wordsize").asInt()).isEqualTo(64);
      assertThat(p.get("jvm_version").asText()).isEqualTo(System.getProperty("java.version"));
      assertThat(p.has("container")).isTrue();
      assertThat(p.get("nodes_uuid").toString()).isEqualTo("[\"n1\",\"n2\"]");
      assertThat(p.get("active_plugins").toString()).isEqualTo("[\"emqx_retainer\"]");
      assertThat(p.get("config_keys").toString())
          .isEqualTo("[\"authn.enable\",\"listeners.tcp.bind\"]");
      assertThat(p.at("/mqtt_runtime_insights/num_topics").asInt()).isEqualTo(3);
      assertThat(r.body()).doesNotContain("0.0.0.0:1883");
    }
  }

  /**
   * A batch larger than half the queue: the worker wakes once half the queue waits, long before the
   * flush interval, rather than waiting for a batch the queue can never hold.
   */
  @Test
  void aBatchLargerThanTheQueueStillFlushesBeforeTheInterval() throws Exception {
    try (TestCollector collector = TestCollector.start();
        Beacon beacon =
            TestBeacons.builder(tmp.resolve("state"), collector.uri())
                .initialDelay(Duration.ofHours(1))
                .flushInterval(Duration.ofHours(1))
                .maxQueueSize(256)
                .maxBatchSize(2500)
                .build()) {
      beacon.start();
      for (int i = 0; i < 200; i++) {
        beacon.track("rule_created", Map.of("n", i));
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> collector.messages().size() >= 128);
      assertThat(beacon.droppedEvents()).isZero();
    }
  }

  /**
   * Issue 20: while a request waits for the server (a commit, a checkpoint), the queue keeps going
   * to the spool: sending is the sender thread's, not the worker's, so a stalled server makes the
   * host drop nothing, and every event arrives once it answers.
   */
  @Test
  void aStalledServerDoesNotLeaveTheQueueToFillAndDrop() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try (TestCollector collector = TestCollector.start().holdUntil(release);
        Beacon beacon =
            TestBeacons.builder(tmp.resolve("state"), collector.uri())
                .initialDelay(Duration.ofHours(1))
                .flushInterval(Duration.ofHours(1))
                .maxQueueSize(64)
                .maxBatchSize(32)
                .requestTimeout(Duration.ofSeconds(60)) // the held request does not time out
                .build()) {
      beacon.start();
      for (int round = 0; round < 20; round++) {
        for (int i = 0; i < 32; i++) {
          beacon.track("rule_created", Map.of("n", round * 32 + i));
        }
        // The worker moves each batch to the spool, though the first request is still held.
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> TestBeacons.pipeline(beacon).queued() == 0);
        if (round == 0) {
          await().atMost(Duration.ofSeconds(5)).until(() -> !collector.attemptMillis().isEmpty());
        }
      }
      assertThat(collector.delivered()).as("the server answered nothing yet").isEmpty();
      release.countDown();
      await().atMost(Duration.ofSeconds(20)).until(() -> collector.messages().size() >= 640);
      assertThat(beacon.droppedEvents()).isZero();
      assertThat(collector.messages().stream().map(m -> m.at("/properties/n").asInt()).sorted())
          .containsExactlyElementsOf(IntStream.range(0, 640).boxed().collect(Collectors.toList()));
    } finally {
      release.countDown();
    }
  }

  @Test
  void tracksEventsWithTheirPropertiesInBatches() throws Exception {
    try (TestCollector collector = TestCollector.start();
        Beacon beacon =
            TestBeacons.builder(tmp.resolve("state"), collector.uri())
                .initialDelay(Duration.ofHours(1))
                .maxBatchSize(100)
                .build()) {
      beacon.start();
      for (int i = 0; i < 250; i++) {
        beacon.track("rule_created", Map.of("kind", "republish", "n", i));
      }
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages().size() == 250);
      List<JsonNode> messages = collector.messages();
      assertThat(messages).allSatisfy(m -> assertThat(m.get("type").asText()).isEqualTo("track"));
      assertThat(messages.stream().map(m -> m.at("/properties/n").asInt()).sorted())
          .containsExactlyElementsOf(IntStream.range(0, 250).boxed().collect(Collectors.toList()));
      assertThat(messages.stream().map(m -> m.get("messageId").asText()).distinct().count())
          .isEqualTo(250);
      assertThat(collector.delivered())
          .allSatisfy(r -> assertThat(r.json().get("batch").size()).isLessThanOrEqualTo(100));
    }
  }

  @Test
  void theLogFileHoldsExactlyTheBytesThatWereSent() throws Exception {
    Path logFile = tmp.resolve("sent.jsonl");
    try (TestCollector collector = TestCollector.start()) {
      Beacon beacon =
          TestBeacons.builder(
                  tmp.resolve("state"),
                  collector.uri(),
                  Map.of("ACME_TELEMETRY_LOG_FILE", logFile.toString()))
              .build();
      beacon.start();
      beacon.track("hostile", Map.of("s", "line\nbreak \u2028 \"quoted\" \\ \u0000 \uD800"));
      await().atMost(Duration.ofSeconds(10)).until(() -> collector.messages().size() >= 2);
      beacon.close();

      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      List<String> sent =
          collector.delivered().stream()
              .map(TestCollector.Request::body)
              .collect(Collectors.toList());
      assertThat(lines).containsExactlyInAnyOrderElementsOf(sent);
      for (String line : lines) {
        TestCollector.JSON.readTree(line); // each line is one valid JSON document
      }
    }
  }

  @Test
  void theEndpointVariableOverridesTheBuilder() throws Exception {
    try (TestCollector collector = TestCollector.start()) {
      Beacon beacon =
          TestBeacons.builder(
                  tmp.resolve("state"),
                  Endpoints.dead(),
                  Map.of("ACME_TELEMETRY_ENDPOINT", collector.uri().toString()))
              .build();
      SendResult result = beacon.control().sendReportNow();
      beacon.close();
      assertThat(result.outcome()).isEqualTo(SendResult.Outcome.DELIVERED);
      assertThat(collector.delivered()).hasSize(1);
    }
  }

  @Test
  void localModeWritesTheLogAndSendsNothing() throws Exception {
    Path logFile = tmp.resolve("local.jsonl");
    try (Endpoints.BlackHole tripwire = new Endpoints.BlackHole()) {
      Beacon beacon =
          TestBeacons.builder(
                  tmp.resolve("state"),
                  tripwire.uri(),
                  Map.of("ACME_TELEMETRY", "local", "ACME_TELEMETRY_LOG_FILE", logFile.toString()))
              .build();
      beacon.start();
      beacon.track("rule_created", Map.of("kind", "republish"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> Files.exists(logFile) && Files.readAllLines(logFile).size() >= 2);
      beacon.close();
      List<String> lines = Files.readAllLines(logFile);
      assertThat(String.join("\n", lines)).contains("\"type\":\"report\"", "\"rule_created\"");
      assertThat(tripwire.connections()).isZero();
      assertThat(tmp.resolve("state/spool")).doesNotExist();
    }
  }

  @Test
  void aRestartDoesNotSendAnotherReportBeforeTheInterval() throws Exception {
    Path state = tmp.resolve("state");
    try (TestCollector collector = TestCollector.start()) {
      try (Beacon first = TestBeacons.builder(state, collector.uri()).build()) {
        first.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> collector.delivered().size() == 1);
      }
      long last = Long.parseLong(Files.readString(state.resolve(StateStore.LAST_REPORT)).strip());
      try (Beacon second = TestBeacons.builder(state, collector.uri()).build()) {
        second.start();
        await()
            .atMost(Duration.ofSeconds(5))
            .until(() -> TestBeacons.pipeline(second).nextReportAtMillis() > 0);
        long oneHour = Duration.ofHours(1).toMillis();
        assertThat(TestBeacons.pipeline(second).nextReportAtMillis())
            .isBetween(last + (long) (oneHour * 0.95), last + (long) (oneHour * 1.05));
        await().during(Duration.ofMillis(300)).until(() -> collector.delivered().size() == 1);
      }
    }
  }

  @Test
  void twoProcessesStartingAtOnceAgreeOnOneInstallationId() throws Exception {
    Path state = tmp.resolve("state");
    List<Callable<UUID>> firstRuns = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      firstRuns.add(() -> new StateStore(state).installationId().id);
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      Set<UUID> ids = new HashSet<>();
      for (Future<UUID> f : pool.invokeAll(firstRuns)) {
        ids.add(f.get());
      }
      assertThat(ids).hasSize(1);
      assertThat(new StateStore(state).existingInstallationId()).isEqualTo(ids.iterator().next());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void theFirstRunNoticeIsShownOnceAndNamesTheOffSwitch() throws Exception {
    List<String> notices = new CopyOnWriteArrayList<>();
    Path state = tmp.resolve("state");
    try (TestCollector collector = TestCollector.start()) {
      for (int run = 0; run < 2; run++) {
        try (Beacon b =
            TestBeacons.builder(state, collector.uri()).firstRunNotice(notices::add).build()) {
          b.control().sendReportNow();
        }
      }
    }
    assertThat(notices).hasSize(1);
    assertThat(notices.get(0)).contains("ACME_TELEMETRY=off", "DO_NOT_TRACK=1");
  }
}
