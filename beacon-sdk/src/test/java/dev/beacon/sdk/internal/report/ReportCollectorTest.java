package dev.beacon.sdk.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.BeaconBuilder;
import dev.beacon.sdk.HostileValuesTest;
import dev.beacon.sdk.TestBeacons;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.json.JsonWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ReportCollectorTest {
  @TempDir Path state;

  private ReportCollector collector(BeaconBuilder b, RateMeter rates) {
    Settings s = TestBeacons.settings(b);
    return new ReportCollector(
        s, new SystemFacts(), new Redactor(List.of("secret-host"), "jdoe"), rates);
  }

  @Test
  void aReportSectionIsToldWhetherItsCallStartsANewWindow() {
    List<Boolean> calls = new CopyOnWriteArrayList<>();
    BeaconBuilder b =
        TestBeacons.builder(state, null)
            .reportSection(
                "windowed",
                newWindow -> {
                  calls.add(newWindow);
                  return Map.of("calls", calls.size());
                });
    ReportCollector c = collector(b, new RateMeter(Map.of(), System::nanoTime));
    try {
      assertThat(c.collect(UUID.randomUUID(), false).get("windowed")).isEqualTo(Map.of("calls", 1));
      assertThat(c.collect(UUID.randomUUID(), true).get("windowed")).isEqualTo(Map.of("calls", 2));
      assertThat(calls).containsExactly(false, true);
    } finally {
      c.shutdown();
    }
  }

  @Test
  void aSectionThatThrowsOrHangsIsReportedAsFailedAndTheRestGoesOut() throws Exception {
    CountDownLatch never = new CountDownLatch(1);
    BeaconBuilder b =
        TestBeacons.builder(state, null)
            .sectionTimeout(Duration.ofMillis(200))
            .section("good", () -> Map.of("n", 1))
            .section(
                "throws",
                () -> {
                  throw new IllegalStateException("/home/jdoe/secret path in a message");
                })
            .section(
                "hangs",
                () -> {
                  try {
                    never.await();
                  } catch (InterruptedException e) {
                    // interrupted by the timeout; keep hanging to prove it is not started again
                    try {
                      never.await();
                    } catch (InterruptedException again) {
                      Thread.currentThread().interrupt();
                    }
                  }
                  return 1;
                });
    ReportCollector c = collector(b, new RateMeter(Map.of(), System::nanoTime));
    try {
      Map<String, Object> first = c.collect(UUID.randomUUID(), true);
      assertThat(first.get("good")).isEqualTo(Map.of("n", 1));
      assertThat(first.get("failed_sections"))
          .isEqualTo(
              Map.of(
                  "throws", "threw java.lang.IllegalStateException",
                  "hangs", "timed out after 200 ms"));
      assertThat(first.toString()).doesNotContain("secret path");

      Map<String, Object> second = c.collect(UUID.randomUUID(), true);
      assertThat(second.get("good")).isEqualTo(Map.of("n", 1));
      assertThat(((Map<?, ?>) second.get("failed_sections")).get("hangs"))
          .isEqualTo("still running since an earlier report");
    } finally {
      never.countDown();
      c.shutdown();
    }
  }

  @Test
  void configurationKeysAreSentWithoutValues() {
    assertThat(
            ReportCollector.keysOnly(
                List.of("b.key=secret", "a.key", " c.key = x ", "a.key", "=only-value")))
        .containsExactly("a.key", "b.key", "c.key");
  }

  @Test
  void productStringsThatIdentifyTheMachineAreRedacted() {
    BeaconBuilder b =
        TestBeacons.builder(state, null)
            .section(
                "paths",
                () ->
                    Map.of("dir", "/srv/SECRET-HOST/data", "user", "jdoe", "plain", "jdoe_plugin"));
    ReportCollector c = collector(b, new RateMeter(Map.of(), System::nanoTime));
    try {
      Object paths = c.collect(UUID.randomUUID(), false).get("paths");
      assertThat(paths)
          .isEqualTo(
              Map.of("dir", Redactor.REDACTED, "user", Redactor.REDACTED, "plain", "jdoe_plugin"));
    } finally {
      c.shutdown();
    }
  }

  @Test
  void ratesAreComputedOverTheTimeReallyElapsed() {
    AtomicLong nanos = new AtomicLong(0);
    AtomicLong received = new AtomicLong(0);
    RateMeter meter = new RateMeter(Map.of("messages_received_rate", received::get), nanos::get);

    nanos.set(Duration.ofSeconds(10).toNanos());
    received.set(500);
    RateMeter.Window preview = meter.measure(false);
    assertThat(preview.perSecond.get("messages_received_rate")).isEqualTo(50.0);

    RateMeter.Window first = meter.measure(true);
    assertThat(first.seconds).isEqualTo(10.0);

    nanos.addAndGet(Duration.ofSeconds(4).toNanos()); // 4 s later, not a nominal interval
    received.set(700);
    RateMeter.Window second = meter.measure(true);
    assertThat(second.perSecond.get("messages_received_rate")).isEqualTo(50.0);
    assertThat(second.seconds).isEqualTo(4.0);

    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    received.set(20); // the counter was reset
    assertThat(meter.measure(true).perSecond.get("messages_received_rate")).isEqualTo(10.0);
  }

  @Test
  void containerLimitsAreReadFromCgroupFiles(@TempDir Path root) throws Exception {
    Files.createDirectories(root.resolve("sys/fs/cgroup"));
    Files.writeString(root.resolve("sys/fs/cgroup/cpu.max"), "150000 100000\n");
    Files.writeString(root.resolve("sys/fs/cgroup/memory.max"), "536870912\n");
    Files.writeString(root.resolve(".dockerenv"), "");
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(
        root.resolve("etc/os-release"), "NAME=\"Ubuntu\"\nVERSION_ID=\"22.04\"\nID=ubuntu\n");
    SystemFacts facts = new SystemFacts(root);
    assertThat(facts.container())
        .isEqualTo(Map.of("detected", true, "cpu_limit", 1.5, "memory_limit", 536870912L));
    assertThat(facts.osRelease())
        .containsEntry("NAME", "Ubuntu")
        .containsEntry("VERSION_ID", "22.04");

    Files.writeString(root.resolve("sys/fs/cgroup/cpu.max"), "max 100000\n");
    Files.writeString(root.resolve("sys/fs/cgroup/memory.max"), "max\n");
    assertThat(facts.cpuLimit()).isNull();
    assertThat(facts.memoryLimit()).isNull();
  }

  /**
   * Security audit 2026-12, M9: the static facts are strings too (a self-built JDK's
   * java.runtime.version names its builder) and pass the redactor like the product's sections.
   */
  @Test
  void staticFactsAndTheProductsVersionPassTheRedactor(@TempDir Path root) throws Exception {
    Assumptions.assumeTrue(
        System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux"),
        "os_name comes from /etc/os-release on Linux only");
    Files.createDirectories(root.resolve("etc"));
    Files.writeString(
        root.resolve("etc/os-release"), "NAME=\"Built on secret-host\"\nVERSION_ID=\"1\"\n");
    Settings s =
        TestBeacons.settings(TestBeacons.builder(state, null).version("1.0-adhoc.jdoe.src"));
    ReportCollector c =
        new ReportCollector(
            s,
            new SystemFacts(root),
            new Redactor(List.of("secret-host"), "jdoe"),
            new RateMeter(Map.of(), System::nanoTime));
    try {
      Map<String, Object> report = c.collect(UUID.randomUUID(), false);
      assertThat(report.get("os_name")).isEqualTo(Redactor.REDACTED);
      assertThat(report.get("os_version")).isEqualTo("1");
      assertThat(report.get("version")).isEqualTo(Redactor.REDACTED);
      assertThat(report.get("jvm_version")).isEqualTo(System.getProperty("java.version"));
    } finally {
      c.shutdown();
    }
  }

  /** Security audit 2026-12, H3: a section's copy has the writer's cycle cut and budget. */
  @Test
  void aCyclicSectionIsCutAndAnEndlesslySharedOneFailsAsTooLarge() {
    Map<String, Object> cyclic = new LinkedHashMap<>();
    cyclic.put("a", 1);
    cyclic.put("me", cyclic);
    BeaconBuilder b =
        TestBeacons.builder(state, null)
            .section("cyclic", () -> cyclic)
            .section("shared", HostileValuesTest::mapSharedAThousandTimes);
    ReportCollector c = collector(b, new RateMeter(Map.of(), System::nanoTime));
    try {
      Map<String, Object> report = c.collect(UUID.randomUUID(), false);
      assertThat(report.get("cyclic")).isEqualTo(Map.of("a", 1, "me", JsonWriter.CYCLE));
      assertThat(report).doesNotContainKey("shared");
      assertThat(((Map<?, ?>) report.get("failed_sections")).get("shared"))
          .isEqualTo("too large: over 65536 bytes");
    } finally {
      c.shutdown();
    }
  }
}
