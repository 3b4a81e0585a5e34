package dev.beacon.server.storage;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

class DuckDbFleetQueriesTest extends FleetQueriesContract {
  @TempDir Path dir;

  @Override
  protected EventStore open() {
    return new DuckDbStore(dir.resolve("beacon.duckdb"), Duration.ofHours(24), 1_000_000, 100);
  }
}
