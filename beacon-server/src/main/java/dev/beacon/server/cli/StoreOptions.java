package dev.beacon.server.cli;

import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.InvalidConfigException;
import dev.beacon.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The options of a command that opens the store itself: the configuration and data directory a
 * server would use (DuckDB: while no server has the file open; PostgreSQL: beside running servers).
 */
final class StoreOptions {
  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "Data directory (default ./beacon-data).")
  Path data;

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON configuration file.")
  Path config;

  /** The configuration, or null after saying on {@code err} why there is none. */
  ServerConfig load(String command, PrintWriter err) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (data != null) {
      overrides.put("data_dir", data.toString());
    }
    ServerConfig c;
    try {
      c = ConfigLoader.load(config, BeaconCli.env(), overrides);
    } catch (InvalidConfigException e) {
      err.println(command + ": " + e.getMessage());
      return null;
    }
    if (!"postgres".equals(c.storageType())
        && !Files.exists(c.dataDir().resolve("beacon.duckdb"))) {
      err.println(
          command
              + ": no store at "
              + c.dataDir().toAbsolutePath().resolve("beacon.duckdb")
              + " (give the server's data directory with --data)");
      return null;
    }
    return c;
  }

  /** What to add to a storage error: a running server holds a DuckDB file. */
  static String hint(ServerConfig c) {
    return "postgres".equals(c.storageType())
        ? ""
        : " (is a server running on this data directory? stop it first)";
  }
}
