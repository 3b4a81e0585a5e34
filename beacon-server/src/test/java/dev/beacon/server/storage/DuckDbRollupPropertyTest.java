package dev.beacon.server.storage;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.io.TempDir;

class DuckDbRollupPropertyTest extends RollupPropertyContract {
  @TempDir Path dir;

  @Override
  protected EventStore open() {
    return new DuckDbStore(dir.resolve("beacon.duckdb"), Duration.ofHours(24), 100_000, 100);
  }

  @Override
  protected RawDialect rawDialect() {
    return RawDialect.DUCKDB;
  }
}
