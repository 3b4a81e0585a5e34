package dev.beacon.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.TestCollector;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CLI delivery does not depend on how fast the machine is (issue 21): short runs on one core that a
 * busy loop shares with them, each run's events at the collector exactly once, nothing left in the
 * spool, and the uploader gone by itself afterwards.
 */
class CliDeliveryIT {
  private static final int RUNS = 20;

  @TempDir Path home;

  @Test
  void everyShortRunOnASlowMachineIsDeliveredExactlyOnce() throws Exception {
    try (TestCollector collector = TestCollector.start();
        CliRuns cli = CliRuns.onSlowMachine(home)) {
      for (int i = 0; i < RUNS; i++) {
        assertThat(cli.run(collector.uri(), "build", "--tag", "app:" + i)).isZero();
      }
      await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> byExecution(collector).size() == RUNS && cli.spooled() == 0);
      assertEachRunExactlyOnce(collector);
      awaitUploaderGone();
    }
  }

  @Test
  void runsWhileTheEndpointIsDeadAreDeliveredOnceItAnswers() throws Exception {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort(); // closed again: nothing listens there for the first runs
    }
    URI endpoint = URI.create("http://127.0.0.1:" + port);
    try (CliRuns cli = CliRuns.onSlowMachine(home)) {
      for (int i = 0; i < RUNS / 2; i++) {
        assertThat(cli.run(endpoint, "build", "--tag", "app:" + i)).isZero();
      }
      assertThat(cli.spooled()).isPositive();
      try (TestCollector collector = TestCollector.startOn(port)) {
        for (int i = RUNS / 2; i < RUNS; i++) {
          assertThat(cli.run(endpoint, "build", "--tag", "app:" + i)).isZero();
        }
        // The uploader of the dead runs retries with its backoff (1, 2, 4, ... s), or a later
        // run starts one: two minutes is far more than either needs.
        await()
            .atMost(Duration.ofMinutes(2))
            .until(() -> byExecution(collector).size() == RUNS && cli.spooled() == 0);
        assertEachRunExactlyOnce(collector);
        awaitUploaderGone();
      }
    }
  }

  /** Each of the runs once, each with one CommandStarted and one CommandExited, no other id. */
  private static void assertEachRunExactlyOnce(TestCollector collector) {
    Map<String, List<String>> runs = byExecution(collector);
    assertThat(runs).hasSize(RUNS);
    assertThat(runs.values())
        .allSatisfy(
            events -> assertThat(events).containsExactly("CommandExited", "CommandStarted"));
    Map<String, JsonNode> ids = new LinkedHashMap<>();
    for (JsonNode m : collector.messages()) {
      ids.putIfAbsent(m.get("messageId").asText(), m);
    }
    assertThat(ids).hasSize(2 * RUNS);
    TreeSet<String> tags = new TreeSet<>();
    ids.values().forEach(m -> tags.add(m.at("/properties/command").asText()));
    assertThat(tags).containsExactly("demo build");
  }

  /** Event names (sorted) of each execution id, over distinct message ids. */
  private static Map<String, List<String>> byExecution(TestCollector collector) {
    Map<String, JsonNode> distinct = new LinkedHashMap<>();
    for (JsonNode m : collector.messages()) {
      distinct.putIfAbsent(m.get("messageId").asText(), m);
    }
    Map<String, List<String>> runs = new TreeMap<>();
    for (JsonNode m : distinct.values()) {
      runs.computeIfAbsent(m.at("/properties/executionID").asText(), k -> new ArrayList<>())
          .add(m.get("event").asText());
    }
    runs.values().forEach(Collections::sort);
    return runs;
  }

  /** The uploader lingers a moment for the next command, then leaves: its lock is free. */
  private void awaitUploaderGone() {
    Path lock = home.resolve("demo/telemetry/spool/upload.lock");
    await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.WRITE);
                  FileLock l = ch.tryLock()) {
                return l != null;
              }
            });
  }
}
