package dev.beacon.server.storage;

import dev.beacon.server.config.ServerConfig;

/** Opens the store the configuration names. */
public final class Stores {
  private Stores() {}

  public static EventStore open(ServerConfig c) {
    return switch (c.storageType()) {
      case "postgres" ->
          new PostgresStore(
              c.postgres().url(),
              c.postgres().user(),
              c.postgres().password(),
              c.postgres().poolSize(),
              c.dedupWindow(),
              c.quarantineMax(),
              c.quarantineMaxBytes());
      default ->
          new DuckDbStore(
              c.dataDir().resolve("beacon.duckdb"),
              c.dedupWindow(),
              c.dedupMaxIds(),
              c.quarantineMax(),
              c.quarantineMaxBytes());
    };
  }
}
