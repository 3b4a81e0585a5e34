package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Debian's Chromium, headless, driven over the DevTools protocol with the JDK's own WebSocket: no
 * driver binary, no browser download. One page; JavaScript evaluated in it; screenshots; and what
 * the DevTools panels would show of it: every request the page made ({@code Network} domain), every
 * console message, uncaught exception and unhandled rejection ({@code Runtime}, {@code Log}).
 */
public final class HeadlessChromium implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();

  private final Process process;
  private final WebSocket socket;
  private final AtomicInteger ids = new AtomicInteger();
  private final Map<Integer, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
  private final List<JsonNode> events = new CopyOnWriteArrayList<>();

  /** The browser binary, or null when this machine has none. */
  public static Path find() {
    for (String candidate :
        List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return Path.of(candidate);
      }
    }
    return null;
  }

  /**
   * The browser for a test: skipped with what to install when this machine has none, and a failure
   * in CI (whose {@code .ci/run} installs it).
   */
  public static Path forTest() {
    Path chromium = find();
    if (System.getenv("CI") == null) {
      assumeTrue(
          chromium != null,
          "browser test skipped: install Chromium (Debian: apt-get install chromium)");
    }
    assertThat(chromium).as("CI installs chromium (.ci/run)").isNotNull();
    return chromium;
  }

  public HeadlessChromium(Path binary, Path profile) throws Exception {
    process =
        new ProcessBuilder(
                binary.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--window-size=1400,1000",
                "--remote-debugging-port=0",
                "--user-data-dir=" + profile,
                "about:blank")
            .redirectErrorStream(true)
            .redirectOutput(profile.resolveSibling("chromium.log").toFile())
            .start();
    Path portFile = profile.resolve("DevToolsActivePort");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!Files.exists(portFile) || Files.readAllLines(portFile).isEmpty()) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        throw new IllegalStateException("Chromium did not start; see chromium.log");
      }
      LockSupport.parkNanos(50_000_000);
    }
    int port = Integer.parseInt(Files.readAllLines(portFile).get(0).strip());
    HttpClient http = HttpClient.newHttpClient();
    JsonNode targets =
        JSON.readTree(
            http.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/json/list"))
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .body());
    String pageSocket = null;
    for (JsonNode t : targets) {
      if (t.path("type").asText().equals("page")) {
        pageSocket = t.path("webSocketDebuggerUrl").asText();
      }
    }
    socket =
        http.newWebSocketBuilder()
            .buildAsync(URI.create(pageSocket), new Listener())
            .get(10, TimeUnit.SECONDS);
    call("Page.enable", Map.of());
    call("Runtime.enable", Map.of());
    call("Network.enable", Map.of());
    call("Log.enable", Map.of());
  }

  /** The DevTools events of a method so far ({@code Network.requestWillBeSent}, ...): params. */
  public List<JsonNode> events(String method) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode e : events) {
      if (e.path("method").asText().equals(method)) {
        out.add(e.path("params"));
      }
    }
    return out;
  }

  /** Every request the page made, as the Network panel lists it: "METHOD URL". */
  public List<String> requests() {
    List<String> out = new ArrayList<>();
    for (JsonNode p : events("Network.requestWillBeSent")) {
      out.add(p.at("/request/method").asText() + " " + p.at("/request/url").asText());
    }
    return out;
  }

  /**
   * What the page wrote to the console or threw: console calls, uncaught exceptions and unhandled
   * rejections ({@code Runtime}), and the browser's own warnings and errors ({@code Log}: failed
   * loads, blocked requests).
   */
  public List<String> console() {
    List<String> out = new ArrayList<>();
    for (JsonNode p : events("Runtime.consoleAPICalled")) {
      out.add("console." + p.path("type").asText() + " " + p.path("args"));
    }
    for (JsonNode p : events("Runtime.exceptionThrown")) {
      out.add("exception " + p.path("exceptionDetails"));
    }
    for (JsonNode p : events("Log.entryAdded")) {
      String level = p.at("/entry/level").asText();
      if (!level.equals("warning") && !level.equals("error")) {
        continue; // the browser's hints ("verbose", "info"), not what the page did
      }
      out.add(
          "log "
              + p.at("/entry/level").asText()
              + " "
              + p.at("/entry/source").asText()
              + " "
              + p.at("/entry/text").asText()
              + " "
              + p.at("/entry/url").asText());
    }
    return out;
  }

  public JsonNode call(String method, Map<String, Object> params) throws Exception {
    int id = ids.incrementAndGet();
    CompletableFuture<JsonNode> answer = new CompletableFuture<>();
    pending.put(id, answer);
    ObjectNode msg = JSON.createObjectNode();
    msg.put("id", id);
    msg.put("method", method);
    msg.set("params", JSON.valueToTree(params));
    socket.sendText(msg.toString(), true).get(10, TimeUnit.SECONDS);
    JsonNode r = answer.get(30, TimeUnit.SECONDS);
    if (r.has("error")) {
      throw new IllegalStateException(method + ": " + r.get("error"));
    }
    return r.get("result");
  }

  public void navigate(String url) throws Exception {
    call("Page.navigate", Map.of("url", url));
  }

  /** Evaluates an expression (awaiting a promise) in the page; answers its JSON value. */
  public JsonNode eval(String expression) throws Exception {
    JsonNode r =
        call(
            "Runtime.evaluate",
            Map.of("expression", expression, "awaitPromise", true, "returnByValue", true));
    if (r.has("exceptionDetails")) {
      throw new IllegalStateException("in the page: " + r.get("exceptionDetails"));
    }
    return r.path("result").path("value");
  }

  /** Waits until a JavaScript condition is true in the page. */
  public void waitFor(String condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (eval("Boolean(" + condition + ")").asBoolean()) {
          return;
        }
      } catch (IllegalStateException notYet) {
        // the page may be between documents
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not true within " + timeout + ": " + condition);
      }
      LockSupport.parkNanos(100_000_000);
    }
  }

  public void screenshot(Path file) throws Exception {
    screenshot(file, false);
  }

  /** A screenshot of the viewport, or of the whole page ({@code fullPage}), however long. */
  public void screenshot(Path file, boolean fullPage) throws Exception {
    Map<String, Object> params = new HashMap<>(Map.of("format", "png"));
    if (fullPage) {
      JsonNode size = call("Page.getLayoutMetrics", Map.of()).get("cssContentSize");
      params.put("captureBeyondViewport", true);
      params.put(
          "clip",
          Map.of(
              "x",
              0,
              "y",
              0,
              "width",
              size.get("width").asDouble(),
              "height",
              Math.min(size.get("height").asDouble(), 8000),
              "scale",
              1));
    }
    JsonNode r = call("Page.captureScreenshot", params);
    Files.createDirectories(file.getParent());
    Files.write(file, Base64.getDecoder().decode(r.get("data").asText()));
  }

  @Override
  public void close() {
    socket.abort();
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private final class Listener implements WebSocket.Listener {
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode msg = JSON.readTree(partial.toString());
          if (msg.has("id")) {
            CompletableFuture<JsonNode> f = pending.remove(msg.get("id").asInt());
            if (f != null) {
              f.complete(msg);
            }
          } else if (msg.has("method")) {
            events.add(msg);
          }
        } catch (IOException e) {
          // not JSON: nothing the protocol sends
        }
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }
  }
}
