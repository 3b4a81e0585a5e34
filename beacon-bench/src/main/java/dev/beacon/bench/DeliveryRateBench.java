package dev.beacon.bench;

import dev.beacon.bench.harness.Peer;
import dev.beacon.sdk.Beacon;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.web.BeaconServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.management.ObjectName;

/**
 * How many events a second the SDK delivers, with none dropped, to a Beacon server on the same
 * machine, sustained: after a warm-up (a thousand events, all stored), one host thread calls {@code
 * track()} at a paced rate for {@code seconds}, with the SDK's and the server's default settings
 * (the server in this JVM, DuckDB, its default per-key rate limit); then the SDK is given time to
 * drain and the events the server stored are counted. Each rate runs on a fresh server and state
 * directory. Writes, per rate, events sent and stored, and the bytes a {@code track()} call
 * allocated on the host's thread ({@link Results}).
 *
 * <p>Run: {@code java --enable-native-access=ALL-UNNAMED -cp beacon-bench/target/benchmarks.jar
 * dev.beacon.bench.DeliveryRateBench [seconds] [rate,rate,...]}.
 */
public final class DeliveryRateBench {
  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    String rates = args.length > 1 ? args[1] : "5000,10000,20000,30000,40000";
    List<Map<String, Object>> rows = new ArrayList<>();
    Path otel = Path.of(System.getProperty("bench.otelPeer", OTEL_PEER));
    if (!Files.exists(otel)) {
      System.out.println(
          "DeliveryRateBench: no "
              + otel
              + " (build it: ./mvnw -q package -pl beacon-bench/peers/opentelemetry -am"
              + " -DskipTests); OpenTelemetry's rows are left out");
    }
    for (String r : rates.split(",", -1)) {
      int rate = Integer.parseInt(r.strip());
      Map<String, Object> row = run(rate, seconds);
      if (Files.exists(otel)) {
        runOpenTelemetry(otel, rate, seconds, row);
      }
      rows.add(row);
    }
    Results.write(Map.of("seconds", seconds, "rates", rows));
  }

  /** The OpenTelemetry peer's jar, built by the peers' module, from the repository's root. */
  static final String OTEL_PEER = "beacon-bench/peers/opentelemetry/target/peer-opentelemetry.jar";

  /** A server as {@code ./beacon serve} runs by default, on a fresh data directory. */
  private static BeaconServer server(Path work) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("BEACON_PRODUCTS__BENCH__WRITE_KEY", "wk_bench");
    env.put("BEACON_ADMIN__PASSWORD", "bench-admin");
    env.put("BEACON_SERVER__HOST", "127.0.0.1");
    return BeaconServer.start(
        ConfigLoader.load(
            null, env, Map.of("server.port", 0, "data_dir", work.resolve("data").toString())));
  }

  /**
   * The same rate from the OpenTelemetry logs SDK ({@code OpenTelemetryDeliveryRate}, in a JVM of
   * its own: its dependencies clash with the bench's) to a fresh server's {@code /v1/logs}: the
   * events stored, the warm-up left out, and what a call allocated on the caller's thread, put in
   * {@code row}.
   */
  private static void runOpenTelemetry(Path jar, int rate, int seconds, Map<String, Object> row)
      throws Exception {
    Path work = Files.createTempDirectory("delivery-rate-otel");
    try (BeaconServer server = server(work)) {
      ChildProcess child =
          ChildProcess.start(
              BenchRun.java(
                  List.of(
                      "-cp",
                      jar.toString(),
                      "dev.beacon.bench.peer.OpenTelemetryDeliveryRate",
                      "http://127.0.0.1:" + server.port(),
                      "wk_bench",
                      Integer.toString(rate),
                      Integer.toString(seconds))),
              Map.of(),
              Duration.ofMinutes(5));
      if (child.waitForLine("BENCH-warm") == null) {
        throw new IllegalStateException("the OpenTelemetry peer did not start");
      }
      // The peer waits 5 s after its warm-up: its exports (every second) are in by then.
      long warm = 0;
      for (long until = System.nanoTime() + 4_000_000_000L; System.nanoTime() < until; ) {
        Thread.sleep(200);
        warm = server.store().count("bench");
      }
      // "BENCH-sent <calls> <bytes a call allocated>", once its shutdown() has exported the rest.
      String sent = child.waitForLine("BENCH-sent ");
      child.await();
      if (sent == null) {
        throw new IllegalStateException("the OpenTelemetry peer did not finish its run");
      }
      long total = (long) rate * seconds;
      long stored = drained(server, warm, total, 0, 5_000_000_000L);
      double bytesPerCall = Double.parseDouble(sent.substring(sent.lastIndexOf(' ') + 1));
      System.out.printf(
          "OpenTelemetry, rate %d/s: sent %d, stored %d (%.1f %%) after a warm-up of %d,"
              + " %.0f bytes allocated a call%n",
          rate, total, stored, 100.0 * stored / total, warm, bytesPerCall);
      row.put("otelStored", stored);
      row.put("otelBytesPerCall", Math.round(bytesPerCall * 10) / 10.0);
    }
  }

  /** Events stored beyond {@code warm}, counted until all are in or none arrived for a while. */
  private static long drained(BeaconServer server, long warm, long total, long stored, long quiet)
      throws InterruptedException {
    long lastChange = System.nanoTime();
    while (stored < total && System.nanoTime() - lastChange < quiet) {
      Thread.sleep(200);
      long now = server.store().count("bench") - warm;
      if (now != stored) {
        stored = now;
        lastChange = System.nanoTime();
      }
    }
    return stored;
  }

  private static Map<String, Object> run(int rate, int seconds) throws Exception {
    Path work = Files.createTempDirectory("delivery-rate");
    Map<String, Object> row = new LinkedHashMap<>();
    try (BeaconServer server = server(work)) {
      URI endpoint = URI.create("http://127.0.0.1:" + server.port());
      Beacon client =
          Beacon.builder("bench")
              .version("1.0.0")
              .endpoint(endpoint)
              .writeKey("wk_bench")
              .stateDirectory(work.resolve("state"))
              .registerMBean(true)
              // Only the tracked events: the periodic report (10 s after start) counted as one
              // stored event more than sent (50,001 of 50,000).
              .periodicReports(false)
              .maxSpoolBytes(Long.getLong("bench.spoolBytes", 4L << 20))
              .build();
      client.start();
      Map<String, Object> props = Peer.tenProperties();
      // Warm up as a product that has been running does: a thousand events, all stored first.
      for (int i = 0; i < 1000; i++) {
        client.track("warm_up", props);
      }
      long warm = 0;
      for (long until = System.nanoTime() + 60_000_000_000L;
          warm < 1000 && System.nanoTime() < until; ) {
        Thread.sleep(100);
        warm = server.store().count("bench");
      }
      long total = (long) rate * seconds;
      long start = System.nanoTime();
      Peer.Paced paced = Peer.paced(rate, seconds, () -> client.track("rate_probe", props));
      double sendSeconds = (System.nanoTime() - start) / 1e9;
      // Let the SDK drain: until every event is in, or nothing more arrived for 5 s.
      long stored = drained(server, warm, total, 0, 5_000_000_000L);
      // Through the SDK's MBean, as an operator's JMX console reads it.
      long droppedBySdk =
          (Long)
              ManagementFactory.getPlatformMBeanServer()
                  .getAttribute(
                      new ObjectName(
                          "dev.beacon:type=Telemetry,product=" + ObjectName.quote("bench")),
                      "DroppedEvents");
      String delivery = client.control().delivery().toString();
      // What is left is less than a batch, kept until the flush interval (30 s): close() flushes
      // and sends it, as a product's shutdown does. Counted once nothing more arrives for 2 s.
      client.close();
      stored = drained(server, warm, total, stored, 2_000_000_000L);
      System.out.println("  delivery: " + delivery);
      System.out.println("  refusals: " + refusals(endpoint));
      row.put("rate", rate);
      row.put("sent", total);
      row.put("sendSeconds", Math.round(sendSeconds * 100) / 100.0);
      row.put("stored", stored);
      row.put("droppedBySdk", droppedBySdk);
      // On the host's thread: the copy of an event the queue accepts, next to nothing for one it
      // drops (a full queue drops before copying).
      row.put("bytesPerCall", Math.round(paced.bytesPerCall() * 10) / 10.0);
      System.out.printf(
          "rate %d/s: sent %d in %.2f s, stored %d (%.1f %%), dropped by the SDK %d,"
              + " %.0f bytes allocated a call%n",
          rate,
          total,
          sendSeconds,
          stored,
          100.0 * stored / total,
          droppedBySdk,
          paced.bytesPerCall());
    }
    return row;
  }

  /** The server's refused requests by reason, as its Settings page shows them. */
  private static String refusals(URI endpoint) throws Exception {
    String basic =
        Base64.getEncoder().encodeToString("admin:bench-admin".getBytes(StandardCharsets.UTF_8));
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(endpoint.resolve("/api/v1/refusals"))
                .header("Authorization", "Basic " + basic)
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
