package dev.beacon.server.cli;

import dev.beacon.server.Background;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.InvalidConfigException;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.simulate.Simulator;
import dev.beacon.server.simulate.Simulator.Result;
import dev.beacon.server.storage.StorageException;
import dev.beacon.server.web.BeaconServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
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
  @Spec CommandSpec spec;

  @Option(names = "--port", description = "HTTP port (default 8080; 0 picks a free one).")
  Integer port;

  @Option(names = "--data", description = "Data directory (default ./beacon-data).")
  Path data;

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON configuration file.")
  Path config;

  @Option(
      names = "--demo",
      description =
          "Fill an empty store with a simulated fleet (product 'demo', 300 installations, 60 days).")
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
    String demoKey = null;
    if (demo && System.getenv("BEACON_PRODUCTS__DEMO__WRITE_KEY") == null) {
      demoKey = "wk_demo_" + UUID.randomUUID().toString().replace("-", "");
      overrides.put("products.demo.write_key", demoKey);
    } else if (demo) {
      demoKey = System.getenv("BEACON_PRODUCTS__DEMO__WRITE_KEY");
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
    BeaconServer server;
    try {
      server = BeaconServer.start(c);
    } catch (IOException | StorageException e) {
      // A taken port or a data directory in use by another server: say so, and exit non-zero.
      err.println("beacon serve: cannot start: " + e.getMessage());
      err.flush();
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            Background.threads("beacon-shutdown")
                .newThread(
                    () -> {
                      server.close();
                      stopped.countDown();
                    }));
    out.println("Dashboard: " + server.url() + "/dashboard/  (user admin)");
    out.println(
        "Beacon is running: "
            + server.url()
            + "  (data: "
            + c.dataDir().toAbsolutePath()
            + ", storage: "
            + c.storageType()
            + ")");
    for (String line : server.settingsReport()) {
      out.println("Setting " + line);
    }
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
      fillDemo(server, demoKey, out);
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

  /** The demo product gets a simulated fleet, once: a store that has its events is left alone. */
  private static void fillDemo(BeaconServer server, String key, PrintWriter out) {
    if (server.store().count("demo") > 0) {
      out.println("--demo: product 'demo' has data already; nothing added.");
      return;
    }
    out.println("--demo: simulating 300 installations over 60 days...");
    out.flush();
    try {
      Result r =
          new Simulator(URI.create(server.url().replace("localhost", "127.0.0.1")), key)
              .run(300, 60, 42);
      out.printf("--demo: %d events stored for product 'demo'.%n", r.accepted());
    } catch (Exception e) {
      out.println("--demo: the simulation failed: " + e.getMessage());
    }
  }
}
