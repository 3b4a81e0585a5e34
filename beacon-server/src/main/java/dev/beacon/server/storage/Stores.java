package dev.beacon.server.storage;

import dev.beacon.server.config.ServerConfig;

/** Opens the store the configuration names. */
public final class Stores {
  private Stores() {}

  /** PostgreSQL as the configuration names it (a sink's store). */
  public static PostgresStore postgres(ServerConfig c) {
    return new PostgresStore(
        c.postgres().url(),
        c.postgres().user(),
        c.postgres().password(),
        c.postgres().poolSize(),
        c.dedupWindow(),
        c.quarantineMax(),
        c.quarantineMaxBytes());
  }

  public static EventStore open(ServerConfig c) {
    return switch (c.storageType()) {
      case "postgres" -> postgres(c);
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
