package dev.beacon.server.cli;

import dev.beacon.server.Memory;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.InvalidConfigException;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.kafka.SinkWorker;
import dev.beacon.server.storage.PostgresStore;
import dev.beacon.server.storage.StorageException;
import dev.beacon.server.storage.Stores;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.WebServer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./beacon sink}: a sink worker of a scale-out: consumes the topic the ingest nodes produce
 * to and stores it in PostgreSQL (see {@link SinkWorker}); run as many as the topic has partitions
 * at most. Serves {@code /healthz}, {@code /readyz} (503 while the lag is {@code
 * kafka.sink.ready_lag} or more) and {@code /metrics} (the lag, records, quarantined; no product
 * names) on {@code --port}.
 */
@Command(
    name = "sink",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Store what the ingest nodes put on Kafka into PostgreSQL (a scale-out's sink worker).",
      "Same configuration as ./beacon serve: kafka.bootstrap_servers and storage.type = postgres."
    })
final class SinkCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--config", paramLabel = "FILE", description = "HOCON configuration file.")
  Path config;

  @Option(
      names = "--port",
      defaultValue = "8081",
      paramLabel = "PORT",
      description = "Port of /healthz, /readyz and /metrics (default 8081; 0: any free).")
  int port;

  @Option(names = "--kafka", paramLabel = "HOST:PORT", description = "Kafka's bootstrap servers.")
  String kafka;

  @Override
  public Integer call() throws Exception {
    PrintWriter err = spec.commandLine().getErr();
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (kafka != null) {
      overrides.put("kafka.bootstrap_servers", kafka);
    }
    ServerConfig c;
    try {
      c = ConfigLoader.load(config, BeaconCli.env(), overrides);
    } catch (InvalidConfigException e) {
      err.println("beacon sink: " + e.getMessage());
      err.flush();
      return 2;
    }
    if (!c.kafka().enabled()) {
      err.println(
          "beacon sink: set kafka.bootstrap_servers (BEACON_KAFKA__BOOTSTRAP_SERVERS or --kafka)");
      err.flush();
      return 2;
    }
    PrometheusMeterRegistry metrics = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    PostgresStore store;
    try {
      store = Stores.postgres(c);
    } catch (StorageException e) {
      err.println("beacon sink: " + e.getMessage());
      err.flush();
      return 1;
    }
    SinkWorker worker = new SinkWorker(c.kafka(), store, metrics);
    WebServer web =
        WebServer.builder()
            .host(c.host())
            .port(port)
            .shutdownHook(false)
            .routing(
                r ->
                    r.get(
                            "/healthz",
                            (req, res) -> {
                              res.header(HeaderNames.CONTENT_TYPE, "application/json");
                              res.send("{\"status\":\"ok\"}");
                            })
                        .get(
                            "/readyz",
                            (req, res) -> {
                              String problem = worker.problem();
                              res.status(problem == null ? 200 : 503);
                              res.header(HeaderNames.CONTENT_TYPE, "application/json");
                              res.send(
                                  "{\"status\":\""
                                      + (problem == null ? "ready" : problem)
                                      + "\",\"lag\":"
                                      + worker.lag()
                                      + "}");
                            })
                        .get(
                            "/metrics",
                            (req, res) -> {
                              res.header(
                                  HeaderNames.CONTENT_TYPE,
                                  "text/plain; version=0.0.4; charset=utf-8");
                              res.send(metrics.scrape().getBytes(StandardCharsets.UTF_8));
                            }))
            .build()
            .start();
    System.out.println(
        "beacon sink: consuming " + c.kafka().topic() + "; health on port " + web.port());
    System.out.flush();
    Thread thread = Thread.ofPlatform().name("beacon-sink").start(worker);
    Memory.settle(LoggerFactory.getLogger(SinkCommand.class));
    AtomicBoolean shuttingDown = new AtomicBoolean();
    CountDownLatch cleaned = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  shuttingDown.set(true);
                  worker.close();
                  try {
                    thread.join(10_000);
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                  web.stop();
                  store.close();
                  cleaned.countDown();
                }));
    thread.join();
    if (shuttingDown.get()) {
      cleaned.await();
      return 0;
    }
    // The worker ended on its own: a failure it could not wait out (the log says which).
    web.stop();
    store.close();
    err.println("beacon sink: the sink stopped; see the log");
    err.flush();
    return 1;
  }
}
