package dev.beacon.sdk.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.beacon.sdk.Endpoints;
import dev.beacon.sdk.TestBeacons;
import dev.beacon.sdk.TestCollector;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.log.QuietLog;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The detached uploader of command-line products: real child JVMs, real HTTP. */
class DetachedUploaderTest {
  @TempDir Path state;

  @AfterEach
  void uploadersGone() {
    TestBeacons.awaitUploadersGone(state);
  }

  private Settings settings(URI endpoint) {
    return TestBeacons.settings(TestBeacons.builder(state, endpoint).forCommandLine());
  }

  private Spool spoolWithOneMessage(Settings s, String id) throws Exception {
    Spool spool = new Spool(state.resolve("spool"), s.maxSpoolBytes);
    String batch =
        "{\"batch\":[{\"type\":\"track\",\"event\":\"CommandExited\",\"messageId\":\""
            + id
            + "\",\"anonymousId\":\"a\",\"properties\":{}}]}";
    spool.add(batch.getBytes(StandardCharsets.UTF_8), 1, 0);
    return spool;
  }

  @Test
  void settingsRoundTripThroughAnOwnerOnlyFileWithoutTheEnvironment() throws Exception {
    // A state directory whose name holds what the file's format escapes.
    state = Files.createDirectories(state.resolve("a b=c:d#e!f\\g\tü€"));
    Settings s = settings(URI.create("https://telemetry.example/base"));
    Path spoolDir = Files.createDirectories(state.resolve("spool"));
    assertThat(UploaderSettings.write(spoolDir, UploaderSettings.encode(s))).isTrue();
    // The same settings again: nothing written, so a running uploader is not disturbed.
    assertThat(UploaderSettings.write(spoolDir, UploaderSettings.encode(s))).isFalse();
    Path file = spoolDir.resolve(UploaderSettings.FILE);
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    Settings back = UploaderSettings.decode(UploaderSettings.read(spoolDir));
    assertThat(back.batchUri()).isEqualTo(URI.create("https://telemetry.example/base/v1/batch"));
    assertThat(back.writeKey).isEqualTo("wk_test");
    assertThat(back.stateDirectory).isEqualTo(state.toAbsolutePath());
    assertThat(back.requestTimeout).isEqualTo(s.requestTimeout);
    assertThat(back.maxSpoolBytes).isEqualTo(s.maxSpoolBytes);
    assertThat(back.environment).isEmpty();
    // The write key is in the file, never on the child's command line.
    assertThat(DetachedUploader.command(s, spoolDir, 1).toString()).doesNotContain("wk_test");
  }

  @Test
  void aHandedOverSpoolIsDeliveredByTheChildAfterwards() throws Exception {
    try (TestCollector collector = TestCollector.start()) {
      Settings s = settings(collector.uri());
      Spool spool = spoolWithOneMessage(s, "m-1");
      assertThat(DetachedUploader.handOver(s, spool, new QuietLog("acme"))).isTrue();
      await().atMost(Duration.ofSeconds(30)).until(() -> spool.pending().isEmpty());
      assertThat(collector.messages()).extracting(m -> m.get("messageId").asText()).contains("m-1");
      assertThat(collector.requests().get(0).authorization()).startsWith("Basic ");
    }
  }

  /**
   * Issue 20: a JVM whose child is still running waits 300 ms at its exit for the process reaper
   * thread (in native code, waiting for the child). The uploader is started through a shell that
   * exits at once, so the run that starts it has no child left.
   */
  @Test
  void theUploaderIsNoChildOfTheRunThatStartedIt() throws Exception {
    Settings dead = settings(Endpoints.dead()); // the uploader retries: it stays long enough
    Spool spool = spoolWithOneMessage(dead, "m-5");
    String dir = spool.directory().toAbsolutePath().toString();
    assertThat(DetachedUploader.handOver(dead, spool, new QuietLog("acme"))).isTrue();
    ProcessHandle uploader =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(() -> uploaderOf(dir, ProcessHandle.allProcesses()), Optional::isPresent)
            .orElseThrow();
    try {
      assertThat(uploaderOf(dir, ProcessHandle.current().descendants())).isEmpty();
      assertThat(uploader.parent().map(ProcessHandle::pid))
          .isNotEqualTo(Optional.of(ProcessHandle.current().pid()));
    } finally {
      uploader.destroyForcibly();
    }
  }

  private static Optional<ProcessHandle> uploaderOf(String spoolDir, Stream<ProcessHandle> ps) {
    return ps.filter(
            ph ->
                ph.isAlive()
                    && ph.info()
                        .arguments()
                        .map(a -> Arrays.asList(a).contains(spoolDir))
                        .orElse(false)
                    && ph.info()
                        .arguments()
                        .map(a -> Arrays.asList(a).contains(DetachedUploader.class.getName()))
                        .orElse(false))
        .findFirst();
  }

  @Test
  void aPauseLeftByAnUploaderThatGaveUpStopsRunsFromStartingAnotherUnlessSettingsChange()
      throws Exception {
    try (TestCollector collector = TestCollector.start()) {
      Settings dead = settings(Endpoints.dead());
      Spool spool = spoolWithOneMessage(dead, "m-2");
      UploaderSettings.write(spool.directory(), UploaderSettings.encode(dead));
      spool.pauseRetries(System.currentTimeMillis() + 60_000, 1);
      assertThat(DetachedUploader.handOver(dead, spool, new QuietLog("acme"))).isFalse();
      // Another endpoint deserves a try at once; its delivery lifts the pause.
      Settings alive = settings(collector.uri());
      assertThat(DetachedUploader.handOver(alive, spool, new QuietLog("acme"))).isTrue();
      // The delivery removes the payload, then lifts the pause: wait for both.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> spool.pending().isEmpty() && spool.retryPausedUntilMillis() == 0);
    }
  }

  @Test
  void aRunWithAnotherEndpointRedirectsTheUploaderAlreadyRunning() throws Exception {
    try (TestCollector collector = TestCollector.start()) {
      Settings dead = settings(Endpoints.dead());
      Spool spool = spoolWithOneMessage(dead, "m-3");
      assertThat(DetachedUploader.handOver(dead, spool, new QuietLog("acme"))).isTrue();
      // The child holds the spool and backs off from the dead endpoint.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> SpoolLock.holder(spool.directory()) == SpoolLock.Holder.ANOTHER_PROCESS);
      Settings alive = settings(collector.uri());
      assertThat(DetachedUploader.handOver(alive, spool, new QuietLog("acme"))).isFalse();
      await().atMost(Duration.ofSeconds(30)).until(() -> spool.pending().isEmpty());
      assertThat(collector.messages()).extracting(m -> m.get("messageId").asText()).contains("m-3");
      // And then it leaves by itself.
      await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> SpoolLock.holder(spool.directory()) == SpoolLock.Holder.NOBODY);
    }
  }

  /**
   * Security audit 2026-12, L11: a refused request (here a 401) keeps the payload, and the uploader
   * leaves at once with the longest pause rather than lingering for an attempt minutes away.
   */
  @Test
  void anUploaderRefusedByTheServerKeepsThePayloadAndLeavesTheLongestPause() throws Exception {
    try (TestCollector collector = TestCollector.start().answer(401, null)) {
      Settings s = settings(collector.uri());
      Spool spool = spoolWithOneMessage(s, "m-4");
      Backoff backoff = new Backoff(s.retryBase, s.retryMax);
      Delivery delivery =
          new Delivery(s, spool, new QuietLog("acme"), backoff, null, () -> true, dropped -> {});
      long start = System.currentTimeMillis();
      DetachedUploader.Drained d =
          DetachedUploader.drain(spool, delivery, backoff, System.nanoTime(), () -> false);
      assertThat(d).isEqualTo(DetachedUploader.Drained.GAVE_UP);
      assertThat(collector.attemptMillis()).hasSize(1);
      assertThat(spool.pending()).hasSize(1);
      assertThat(spool.retryPausedUntilMillis())
          .isGreaterThanOrEqualTo(start + s.retryMax.toMillis());
    }
  }
}
