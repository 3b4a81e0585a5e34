package dev.beacon.examples.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.UiRelay;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A tiny key-value service that embeds Beacon as a server product would: periodic reports with two
 * product sections and a rate, a custom event, and EMQX-style runtime control over HTTP ({@code
 * GET/PUT /telemetry/status}, {@code GET /telemetry/data}), and a small web UI at {@code /} whose
 * page views (as route templates) and logins go through the SDK's relay at {@code /telemetry/ui}.
 */
public final class ServerApp {
  private final Map<String, String> store = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong writes = new AtomicLong();

  public static void main(String[] args) throws IOException {
    int port = args.length > 0 ? Integer.parseInt(args[0]) : 9090;
    new ServerApp().run(port, System.getenv().getOrDefault("DEMO_DATA", "demo-data"));
  }

  void run(int port, String dataDir) throws IOException {
    Beacon beacon =
        Beacon.builder("demo")
            .version("1.4.2")
            .edition("community")
            // What the README's quick start runs; an operator routes it elsewhere without code:
            // DEMO_TELEMETRY_ENDPOINT=https://... DEMO_TELEMETRY_WRITE_KEY=wk_...
            .endpoint(URI.create("http://localhost:8080"))
            .writeKey("wk_demo_quickstart")
            .stateDirectory(Path.of(dataDir, "telemetry"))
            // Events (the web UI's too) leave within seconds; reports keep their own interval.
            .flushInterval(Duration.ofSeconds(10))
            .section("kv_store", () -> Map.of("num_keys", store.size(), "writes", writes.get()))
            .section("http_api", () -> Map.of("routes", List.of("kv", "telemetry")))
            .rate("requests_rate", requests::get)
            .configKeys(() -> List.of("port", "data_dir"))
            .firstRunNotice(System.out::println)
            .build();
    beacon.start();
    Runtime.getRuntime().addShutdownHook(new Thread(beacon::close));

    HttpServer http =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0);
    http.createContext(
        "/kv/",
        ex -> {
          requests.incrementAndGet();
          String key = ex.getRequestURI().getPath().substring(4);
          if ("PUT".equals(ex.getRequestMethod())) {
            store.put(key, new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
            writes.incrementAndGet();
            beacon.track(
                "key_written", Map.of("size_class", store.size() < 100 ? "small" : "large"));
            reply(ex, 204, "");
          } else {
            String v = store.get(key);
            reply(ex, v == null ? 404 : 200, v == null ? "" : v);
          }
        });
    http.createContext(
        "/telemetry/status",
        ex -> {
          if ("PUT".equals(ex.getRequestMethod())) {
            String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
            boolean enable = body.contains("true") || body.contains("enable");
            reply(
                ex, 200, (enable ? beacon.control().enable() : beacon.control().disable()) + "\n");
          } else {
            reply(ex, 200, beacon.control().status() + "\n");
          }
        });
    http.createContext("/telemetry/data", ex -> reply(ex, 200, beacon.control().preview()));

    // The web UI: beacon.js from the SDK's jar, and its events relayed under this backend's
    // consent and installation id (nothing reaches another origin).
    UiRelay relay = beacon.uiRelay();
    byte[] script = UiRelay.script();
    byte[] app = resource("app.js");
    String page = new String(resource("ui.html"), StandardCharsets.UTF_8);
    http.createContext("/js/beacon.js", ex -> send(ex, "text/javascript", script));
    http.createContext(
        "/telemetry/ui",
        ex -> {
          int status =
              "POST".equals(ex.getRequestMethod())
                  ? relay.accept(
                      ex.getRequestHeaders().getFirst("Content-Type"), ex.getRequestBody())
                  : 405;
          ex.sendResponseHeaders(status, -1);
          ex.close();
        });
    http.createContext("/ui/app.js", ex -> send(ex, "text/javascript", app));
    http.createContext(
        "/",
        ex -> {
          // Every other path is the single-page UI; the tag says what the backend's consent is now.
          String html = page.replace("MODE", relay.scriptMode());
          send(ex, "text/html; charset=utf-8", html.getBytes(StandardCharsets.UTF_8));
        });
    http.start();
    System.out.println(
        "demo server on http://127.0.0.1:"
            + port
            + " (web UI at /) — telemetry: "
            + beacon.control().status());
  }

  private static byte[] resource(String name) throws IOException {
    try (InputStream in = ServerApp.class.getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  private static void send(HttpExchange ex, String type, byte[] body) throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("Cache-Control", "no-store");
    ex.sendResponseHeaders(200, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  private static void reply(HttpExchange ex, int status, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      ex.getResponseBody().write(bytes);
    }
    ex.close();
  }
}
