package dev.beacon.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.TestCollector;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The example CLI as a user runs it, on a slow machine (one core shared with a busy loop): its jar,
 * one JVM per command.
 */
class DemoCliIT {
  @TempDir Path home;

  @Test
  void buildFailAndVersionAreReportedAsTheySeedSays() throws Exception {
    try (TestCollector collector = TestCollector.start();
        CliRuns cli = CliRuns.onSlowMachine(home)) {
      URI endpoint = collector.uri();
      assertThat(cli.run(endpoint, "build", "--tag", "registry.example/app:42", "--push")).isZero();
      assertThat(cli.run(endpoint, "fail")).isEqualTo(3);
      assertThat(cli.run(endpoint, "version")).isZero();
      // A run waits at most 50 ms at its exit; what it could not deliver by then, a detached
      // uploader sends: no later run is needed.
      await().atMost(Duration.ofSeconds(30)).until(() -> exits(collector).size() == 2);
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

  private static Collection<JsonNode> distinct(TestCollector collector) {
    Map<String, JsonNode> byId = new LinkedHashMap<>();
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
