package dev.beacon.examples.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.HeadlessChromium;
import dev.beacon.sdk.TestCollector;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The example as a user runs it: its jar, in a JVM of its own, reporting to a collector. */
class ServerAppIT {
  @Test
  void theExampleServiceSendsItsReportAndAnswersTheTelemetryApi(@TempDir Path data)
      throws Exception {
    int port = freePort();
    try (TestCollector collector = TestCollector.start()) {
      Process app = startApp(collector, data, port);
      try {
        HttpClient http = HttpClient.newHttpClient();
        URI base = URI.create("http://127.0.0.1:" + port);
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(() -> get(http, base.resolve("/telemetry/status")).startsWith("on"));
        http.send(
            HttpRequest.newBuilder(base.resolve("/kv/a"))
                .PUT(HttpRequest.BodyPublishers.ofString("1"))
                .build(),
            HttpResponse.BodyHandlers.discarding());
        assertThat(get(http, base.resolve("/telemetry/data"))).contains("\"kv_store\"");

        // The first report comes 10-15 s after start (the SDK's default, jittered).
        await().atMost(Duration.ofSeconds(40)).until(() -> hasReport(collector.messages()));
        JsonNode report =
            collector.messages().stream()
                .filter(m -> m.get("type").asText().equals("report"))
                .findFirst()
                .orElseThrow();
        assertThat(report.at("/properties/version").asText()).isEqualTo("1.4.2");
        assertThat(report.at("/properties/kv_store/num_keys").asInt()).isEqualTo(1);
        assertThat(report.at("/properties/rates/requests_rate").isNumber()).isTrue();
        assertThat(report.at("/properties/config_keys").toString())
            .isEqualTo("[\"data_dir\",\"port\"]");
      } finally {
        app.destroy();
        app.waitFor();
      }
    }
  }

  /**
   * The example's web UI in real headless Chromium: log in, visit five routes; the page views
   * arrive as route templates with one login, under the backend's installation id, and the
   * backend's log file holds them. The page talked to no one but the product; it kept nothing.
   */
  @Test
  void theWebUiSendsRouteTemplatesAndALoginThroughTheBackend(@TempDir Path data) throws Exception {
    Path chromium = HeadlessChromium.forTest();
    int port = freePort();
    try (TestCollector collector = TestCollector.start()) {
      Process app = startApp(collector, data, port);
      try (HeadlessChromium browser = new HeadlessChromium(chromium, data.resolve("profile"))) {
        String base = awaitTelemetry(port, "on");
        browser.navigate(base + "/");
        browser.waitFor("window.beacon && document.querySelector('form')", WAIT);
        browser.eval(
            "document.querySelector('[name=user]').value = 'alice@example.com';"
                + " document.querySelector('[name=password]').value = 'secret';"
                + " document.querySelector('form').requestSubmit(); true");
        for (String link : List.of("Services", "kv-store", "Nodes", "10.0.0.7")) {
          browser.waitFor(
              "[...document.querySelectorAll('a')].some(a => a.textContent === '" + link + "')",
              WAIT);
          browser.eval(
              "[...document.querySelectorAll('a')].find(a => a.textContent === '"
                  + link
                  + "').click(); true");
        }
        browser.waitFor("document.querySelector('h1').textContent === 'Node 10.0.0.7'", WAIT);
        browser.screenshot(Path.of("target", "screenshots", "example-web-ui.png"));

        await().atMost(Duration.ofSeconds(60)).until(() -> ui(collector.messages()).size() >= 7);
        Thread.sleep(1500); // and nothing more after them
        List<JsonNode> ui = ui(collector.messages());
        List<String> pages = new ArrayList<>();
        for (JsonNode m : ui) {
          if (m.path("type").asText().equals("page")) {
            pages.add(m.at("/properties/route").asText());
          }
        }
        assertThat(pages)
            .containsExactlyInAnyOrder(
                "/",
                "/ui/dashboard",
                "/ui/services",
                "/ui/services/[id]",
                "/ui/nodes",
                "/ui/nodes/[id]");
        assertThat(ui).filteredOn(m -> m.path("event").asText().equals("login")).hasSize(1);
        await().atMost(Duration.ofSeconds(40)).until(() -> hasReport(collector.messages()));
        String installation =
            collector.messages().stream()
                .filter(m -> m.get("type").asText().equals("report"))
                .findFirst()
                .orElseThrow()
                .path("anonymousId")
                .asText();
        assertThat(ui).allMatch(m -> m.path("anonymousId").asText().equals(installation));
        assertThat(ui.toString())
            .doesNotContain("alice")
            .doesNotContain("secret")
            .doesNotContain("kv-store")
            .doesNotContain("10.0.0.7")
            .doesNotContain("127.0.0.1");
        String log = Files.readString(data.resolve("telemetry.log"));
        assertThat(log).contains("/ui/nodes/[id]").contains("\"login\"").doesNotContain("10.0.0.7");

        assertThat(browser.requests()).allMatch(r -> r.split(" ", 2)[1].startsWith(base + "/"));
        assertThat(browser.requests()).anyMatch(r -> r.equals("POST " + base + "/telemetry/ui"));
        assertThat(browser.eval("document.cookie").asText()).isEmpty();
        assertThat(browser.eval("localStorage.length + sessionStorage.length").asInt()).isZero();
        assertThat(browser.eval("indexedDB.databases().then(d => d.length)").asInt()).isZero();
        assertThat(browser.console()).isEmpty();
      } finally {
        app.destroy();
        app.waitFor();
      }
    }
  }

  /**
   * With the backend's telemetry off, the page's script tag says so: the browser's network log
   * (DevTools {@code Network} domain) holds no telemetry request at all.
   */
  @Test
  void withTheBackendsTelemetryOffThePageSendsNothing(@TempDir Path data) throws Exception {
    Path chromium = HeadlessChromium.forTest();
    int port = freePort();
    try (TestCollector collector = TestCollector.start()) {
      Process app = startApp(collector, data, port, "DEMO_TELEMETRY", "off");
      try (HeadlessChromium browser = new HeadlessChromium(chromium, data.resolve("profile"))) {
        String base = awaitTelemetry(port, "off");
        browser.navigate(base + "/");
        browser.waitFor("window.beacon && document.querySelector('form')", WAIT);
        browser.eval("document.querySelector('form').requestSubmit(); true");
        browser.waitFor("document.querySelector('h1').textContent === 'Dashboard'", WAIT);
        Thread.sleep(2500); // beacon.js would send a second after the first event
        browser.eval("dispatchEvent(new Event('pagehide')); true");
        Thread.sleep(500);
        assertThat(browser.requests()).isNotEmpty().noneMatch(r -> r.contains("/telemetry/ui"));
        assertThat(browser.console()).isEmpty();
      } finally {
        app.destroy();
        app.waitFor();
      }
      assertThat(collector.requests()).isEmpty();
    }
  }

  private static final Duration WAIT = Duration.ofSeconds(30);

  private static List<JsonNode> ui(List<JsonNode> messages) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode m : messages) {
      if (m.at("/context/library/name").asText().equals("beacon-js")) {
        out.add(m);
      }
    }
    return out;
  }

  private static int freePort() throws IOException {
    try (var s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** The example's jar, in a JVM of its own, reporting to the collector; more env as pairs. */
  private static Process startApp(TestCollector collector, Path data, int port, String... env)
      throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                Path.of("target", "server-app.jar").toString(),
                String.valueOf(port))
            .redirectErrorStream(true)
            .redirectOutput(data.resolve("out.log").toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("DEMO_") || k.equals("DO_NOT_TRACK"));
    pb.environment().put("DEMO_TELEMETRY_ENDPOINT", collector.uri().toString());
    pb.environment().put("DEMO_TELEMETRY_LOG_FILE", data.resolve("telemetry.log").toString());
    pb.environment().put("DEMO_DATA", data.toString());
    for (int i = 0; i < env.length; i += 2) {
      pb.environment().put(env[i], env[i + 1]);
    }
    return pb.start();
  }

  private static boolean hasReport(List<JsonNode> messages) {
    return messages.stream().anyMatch(m -> m.get("type").asText().equals("report"));
  }

  /** Waits until the example answers with its telemetry in {@code mode}; its base URL. */
  private static String awaitTelemetry(int port, String mode) {
    String base = "http://127.0.0.1:" + port;
    HttpClient http = HttpClient.newHttpClient();
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> get(http, URI.create(base + "/telemetry/status")).startsWith(mode));
    return base;
  }

  private static String get(HttpClient http, URI uri) throws Exception {
    return http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString())
        .body();
  }
}
