package dev.beacon.server.cli;

import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.InvalidConfigException;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.web.BeaconServer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description = {
      "Run the Beacon server: ingest, storage (DuckDB by default) and the query API.",
      "Settings: --config FILE (HOCON), environment BEACON_<PATH> with __ between levels,"
          + " e.g. BEACON_PRODUCTS__EMQX__WRITE_KEY=wk_..."
    })
final class ServeCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", description = "HTTP port (default 8080; 0 picks a free one).")
  Integer port;

  @Option(names = "--data", description = "Data directory (default ./beacon-data).")
  Path data;

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON configuration file.")
  Path config;

  @Option(names = "--demo", description = "Fill an empty store with a simulated fleet (issue #5).")
  boolean demo;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (port != null) {
      overrides.put("server.port", port);
    }
    if (data != null) {
      overrides.put("data_dir", data.toString());
    }
    ServerConfig c;
    try {
      c = ConfigLoader.load(config, System.getenv(), overrides);
    } catch (InvalidConfigException e) {
      err.println("beacon serve: refusing to start, " + e.getMessage());
      err.flush();
      return 2;
    }
    Logging.routeJulToSlf4j();
    BeaconServer server = BeaconServer.start(c);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  server.close();
                  stopped.countDown();
                },
                "beacon-shutdown"));
    out.println(
        "Beacon is running: "
            + server.url()
            + "  (data: "
            + c.dataDir().toAbsolutePath()
            + ", storage: "
            + c.storageType()
            + ")");
    if (c.writeKeys().isEmpty()) {
      out.println(
          "No product is declared yet: set BEACON_PRODUCTS__<NAME>__WRITE_KEY=<key> and restart.");
    } else {
      out.println("Products: " + String.join(", ", c.writeKeys().keySet()));
    }
    if (server.admin().generatedPassword() != null) {
      out.println(
          "Admin password (shown once, only its hash is kept): "
              + server.admin().generatedPassword()
              + "   user: admin");
    }
    if (demo) {
      out.println("--demo: the simulated fleet arrives with issue #5; the store is left as it is.");
    }
    out.println(
        "Ingest: POST "
            + server.url()
            + "/v1/batch   Summary: GET "
            + server.url()
            + "/api/v1/products/<name>/summary?days=30");
    out.flush();
    stopped.await();
    return 0;
  }
}
