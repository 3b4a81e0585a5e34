package dev.beacon.server.cli;

import dev.beacon.protocol.Wire;
import dev.beacon.server.Background;
import dev.beacon.server.Memory;
import dev.beacon.server.auth.ProductRegistry;
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
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Run the Beacon server: ingest, storage (DuckDB by default) and the query API.",
      "Settings: --config FILE (HOCON), environment BEACON_<PATH> with __ between levels,"
          + " e.g. BEACON_PRODUCTS__EMQX__WRITE_KEY=wk_..."
    })
final class ServeCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(ServeCommand.class);

  @Spec CommandSpec spec;

  @Option(names = "--port", description = "HTTP port (default 8080; 0 picks a free one).")
  Integer port;

  @Option(names = "--data", description = "Data directory (default ./beacon-data).")
  Path data;

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON configuration file.")
  Path config;

  @Option(
      names = "--kafka",
      paramLabel = "HOST:PORT",
      description =
          "Kafka's bootstrap servers: this node produces what it accepts there (storage.type ="
              + " postgres; ./beacon sink stores it).")
  String kafka;

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
    if (kafka != null) {
      overrides.put("kafka.bootstrap_servers", kafka);
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
    boolean generated = demo && System.getenv("BEACON_PRODUCTS__DEMO__WRITE_KEY") == null;
    printProducts(server, c, generated ? demoKey : null, out);
    if (server.admin().generatedPassword() != null) {
      out.println(
          "Admin password (shown once, only its hash is kept): "
              + server.admin().generatedPassword()
              + "   user: admin");
    }
    if (demo) {
      fillDemo(server, demoKey, out);
    }
    out.flush();
    Memory.settle(LOG);
    stopped.await();
    return 0;
  }

  /**
   * For each product, where to send and how to authenticate. A key is printed only when this
   * process made it (--demo): one from the configuration is the operator's, and one made with
   * {@code products add} or the dashboard was shown once, when it was made.
   */
  private static void printProducts(
      BeaconServer server, ServerConfig c, String generatedDemoKey, PrintWriter out) {
    List<ProductRegistry.Product> products = server.products().products();
    if (products.isEmpty()) {
      out.println(
          "No product is declared yet: ./beacon products add <name> (prints its write key), or"
              + " set BEACON_PRODUCTS__<NAME>__WRITE_KEY=<key> and restart.");
      return;
    }
    out.println(
        "Send telemetry to "
            + server.url()
            + Wire.BATCH_PATH
            + " with the product's write key"
            + " as the HTTP Basic user name; from the SDK: <PREFIX>_TELEMETRY_ENDPOINT="
            + server.url()
            + " <PREFIX>_TELEMETRY_WRITE_KEY=<key>. Existing clients keep their own protocol:"
            + " OpenTelemetry (werf) to "
            + server.url()
            + "/v1/traces, PostHog's libraries with host "
            + server.url()
            + " and the write key as project token (README: Pointing your existing client at"
            + " Beacon).");
    for (ProductRegistry.Product p : products) {
      String key;
      if (p.name().equals("demo") && generatedDemoKey != null && p.configured()) {
        key = "write key " + generatedDemoKey + " (generated for this run)";
      } else if (p.configured()) {
        key =
            "write key from the configuration (BEACON_PRODUCTS__"
                + p.name().toUpperCase(Locale.ROOT).replace('-', '_')
                + "__WRITE_KEY)";
      } else {
        key = "write key shown when it was made (rotate it in Settings for a new one)";
      }
      out.println("  product " + p.name() + ": " + key);
    }
    if (c.emqxProduct() != null) {
      out.println(
          "  EMQX reports: POST "
              + server.url()
              + Wire.EMQX_PATH
              + " (no key) feed product "
              + c.emqxProduct());
    }
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
