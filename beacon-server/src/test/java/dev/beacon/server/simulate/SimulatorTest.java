package dev.beacon.server.simulate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.server.storage.StoredEvent;
import dev.beacon.server.web.TestServer;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorTest {
  @TempDir Path data;

  @Test
  void aSimulatedFleetIsStoredOnceAndLooksLikeAFleet() throws Exception {
    List<Map<String, Object>> generated = new ArrayList<>();
    new Fleet(40, 30, Instant.now(), 7).generate(generated::add);
    try (TestServer s = TestServer.start(data)) {
      Simulator sim = new Simulator(URI.create(s.server.url()), TestServer.ACME_KEY);
      Simulator.Result first = sim.run(40, 30, 7);
      assertThat(first.events()).isEqualTo(generated.size());
      assertThat(first.accepted()).isEqualTo(generated.size());
      assertThat(first.rejected()).isZero();
      Simulator.Result again = sim.run(40, 30, 7);
      assertThat(again.accepted()).isZero();
      assertThat(again.duplicates()).isEqualTo(generated.size());

      List<StoredEvent> events = s.server.store().events("acme", 1_000_000);
      assertThat(events).hasSize(generated.size());
      Set<String> installations = new HashSet<>();
      Set<String> versions = new HashSet<>();
      Set<String> types = new HashSet<>();
      for (StoredEvent e : events) {
        installations.add(e.installationId());
        if (e.version() != null) {
          versions.add(e.version());
        }
        types.add(e.type() + "/" + e.event());
        assertThat(e.timestamp()).isBefore(Instant.now().plusSeconds(86_400));
      }
      assertThat(installations).hasSizeBetween(30, 40); // some appear too late to report
      assertThat(versions).hasSizeGreaterThanOrEqualTo(2); // upgrades spread
      assertThat(types)
          .contains("report/report", "track/CommandStarted", "track/CommandExited", "track/health");
      JsonNode summary = s.summary("acme", 3650);
      assertThat(summary.get("active_installations").asLong()).isEqualTo(installations.size());
    }
  }

  @Test
  void theSameSeedGivesTheSameFleet() {
    List<Map<String, Object>> a = new ArrayList<>();
    List<Map<String, Object>> b = new ArrayList<>();
    Instant end = Instant.parse("2026-11-01T00:00:00Z");
    new Fleet(10, 5, end, 1).generate(a::add);
    new Fleet(10, 5, end, 1).generate(b::add);
    assertThat(a).isEqualTo(b);
  }
}
