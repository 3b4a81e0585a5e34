package dev.beacon.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.TestCollector;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example CLI as a user runs it: its jar, one JVM per command. */
class DemoCliIT {
  @TempDir Path home;

  private int run(TestCollector collector, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-jar");
    cmd.add(Path.of("target", "cli-app.jar").toString());
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().keySet().removeIf(k -> k.startsWith("DEMO_") || k.equals("DO_NOT_TRACK"));
    pb.environment().put("DEMO_TELEMETRY_ENDPOINT", collector.uri().toString());
    pb.environment().put("XDG_CONFIG_HOME", home.toString());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(out).doesNotContain("telemetry").doesNotContain("Exception");
    return p.exitValue();
  }

  @Test
  void buildFailAndVersionAreReportedAsTheySeedSays() throws Exception {
    try (TestCollector collector = TestCollector.start()) {
      assertThat(run(collector, "build", "--tag", "registry.example/app:42", "--push")).isZero();
      assertThat(run(collector, "fail")).isEqualTo(3);
      assertThat(run(collector, "version")).isZero();
      // A run waits at most 50 ms at its exit; what it could not deliver, later runs send in
      // the background (even untracked ones, such as "version").
      for (int i = 0; i < 10 && exits(collector).size() < 2; i++) {
        assertThat(run(collector, "version")).isZero();
      }
      await().atMost(Duration.ofSeconds(20)).until(() -> exits(collector).size() == 2);
      assertThat(exits(collector)).containsExactlyInAnyOrder("demo build 0", "demo fail 3");
      // Delivery is at least once: a payload whose answer an exit cut off is sent again by a later
      // run, with the same message ids, which the server stores once. Count distinct ids.
      assertThat(distinct(collector)).hasSize(4); // nothing from "demo version"
      assertThat(collector.requests().toString()).doesNotContain("registry.example");
      JsonNode started =
          distinct(collector).stream()
              .filter(m -> m.at("/properties/command").asText().equals("demo build"))
              .filter(m -> m.get("event").asText().equals("CommandStarted"))
              .findFirst()
              .orElseThrow();
      assertThat(started.at("/properties/eventData/options").toString())
          .contains("{\"name\":\"tag\",\"asCli\":true,\"asEnv\":false,\"count\":1}")
          .contains("{\"name\":\"push\",\"asCli\":true,\"asEnv\":false,\"count\":1}");
      assertThat(started.at("/properties/attributes/channel").asText()).isEqualTo("stable");
    }
  }

  private static java.util.Collection<JsonNode> distinct(TestCollector collector) {
    java.util.Map<String, JsonNode> byId = new java.util.LinkedHashMap<>();
    for (JsonNode m : collector.messages()) {
      byId.putIfAbsent(m.get("messageId").asText(), m);
    }
    return byId.values();
  }

  private static List<String> exits(TestCollector collector) {
    List<String> out = new ArrayList<>();
    for (JsonNode m : distinct(collector)) {
      if (m.get("event").asText().equals("CommandExited")) {
        out.add(
            m.at("/properties/command").asText()
                + " "
                + m.at("/properties/eventData/exitCode").asInt());
      }
    }
    return out;
  }
}
