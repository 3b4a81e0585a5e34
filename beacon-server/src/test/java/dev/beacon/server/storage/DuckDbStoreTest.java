package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DuckDbStoreTest extends EventStoreContract {
  @TempDir Path dir;

  @Override
  protected EventStore open() {
    return new DuckDbStore(
        dir.resolve("beacon.duckdb"),
        Duration.ofHours(24),
        100_000,
        quarantineMax(),
        quarantineMaxBytes());
  }

  @Test
  void theDedupWindowSurvivesARestart() {
    Instant now = Instant.now();
    store.append(List.of(event(product, "kept", "A", "1", "L", now)));
    store.close();
    store = open();
    assertThat(store.append(List.of(event(product, "kept", "A", "1", "L", now))))
        .containsExactly(false);
    assertThat(store.count(product)).isEqualTo(1);
  }
}
