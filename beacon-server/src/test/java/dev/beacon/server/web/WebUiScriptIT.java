package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.HeadlessChromium;
import dev.beacon.sdk.UiRelay;
import dev.beacon.server.storage.StoredEvent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * beacon.js in real headless Chromium, through the product's own backend (the SDK's {@link UiRelay}
 * mounted on a JDK HTTP server, as a product would), delivered by the backend's Beacon SDK to a
 * real Beacon server: page views as route templates and a login, under the backend's installation;
 * nothing at all under Do Not Track, Global Privacy Control or {@code data-mode="off"}; no cookie,
 * no storage.
 */
class WebUiScriptIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  /** A DC/OS-like single-page app: its landing route, five more with ids in them, a login. */
  private static final String APP =
      "<!doctype html><html><head><title>Cluster UI</title>"
          + "<script defer src=\"/js/beacon.js\" TAG></script>"
          + "</head><body><h1>Cluster UI</h1><pre id=out></pre><button id=b>Run</button><script>"
          + "window.__clicks = 0; document.getElementById('b').addEventListener('click', () => {"
          + " window.__clicks++; beacon.track('run_clicked', {n: window.__clicks}); });"
          + "window.addEventListener('load', () => {"
          + " beacon.routes((path) => path.replace(/\\/\\d+(?=\\/|$)/g, '/[id]'));"
          + " for (const p of ['/services/42', '/services/42/tasks', '/nodes', '/nodes/7',"
          + "   '/settings']) history.pushState({}, '', p);"
          + " beacon.track('login');"
          + " document.getElementById('out').textContent = 'visited 5 routes, logged in';"
          + " window.__done = true; });"
          + "</script></body></html>";

  @TempDir Path tmp;
  private Path chromium;
  private HttpServer product;
  private final AtomicInteger relayed = new AtomicInteger();

  @BeforeEach
  void findChromium() {
    chromium = HeadlessChromium.forTest();
  }

  @AfterEach
  void stop() {
    if (product != null) {
      product.stop(0);
    }
  }

  @Test
  void pageViewsAndALoginArriveAsTemplatesUnderTheBackendsInstallation() throws Exception {
    try (TestServer s = TestServer.start(tmp.resolve("data"));
        Beacon beacon = backend(s, tmp.resolve("state"))) {
      beacon.start();
      String url = serveApp(path -> RELAY, beacon) + "/";
      try (HeadlessChromium browser = new HeadlessChromium(chromium, tmp.resolve("profile"))) {
        browser.navigate(url);
        browser.waitFor("window.__done === true", WAIT);
        List<StoredEvent> ui = awaitUiEvents(s, 7);
        assertThat(ui).hasSize(7);
        assertThat(
                ui.stream()
                    .filter(e -> e.type().equals("page"))
                    .map(e -> route(e))
                    .sorted()
                    .toList())
            .containsExactly(
                "/",
                "/nodes",
                "/nodes/[id]",
                "/services/[id]",
                "/services/[id]/tasks",
                "/settings");
        assertThat(ui.stream().filter(e -> "login".equals(e.event())).count()).isEqualTo(1);
        for (StoredEvent e : ui) {
          assertThat(e.installationId()).isEqualTo(ui.get(0).installationId());
          assertThat(e.properties() + e.context())
              .doesNotContain("/42")
              .doesNotContain("/7")
              .doesNotContain("Cluster UI")
              .doesNotContain("127.0.0.1");
        }
        // The backend's own report is under the same installation.
        assertThat(s.server.store().events("acme", 100))
            .filteredOn(e -> e.type().equals("report"))
            .allMatch(e -> e.installationId().equals(ui.get(0).installationId()));
        assertThat(browser.eval("document.cookie").asText()).isEmpty();
        assertThat(browser.eval("localStorage.length + sessionStorage.length").asInt()).isZero();
        browser.screenshot(Path.of("target", "screenshots").resolve("web-ui-script.png"));
      }
    }
  }

  @Test
  void doNotTrackGlobalPrivacyControlAndModeOffSendNothing() throws Exception {
    try (TestServer s = TestServer.start(tmp.resolve("data"));
        Beacon beacon = backend(s, tmp.resolve("state"))) {
      beacon.start();
      String on =
          serveApp(
              path -> RELAY + (path.startsWith("/mode-off") ? " data-mode=\"off\"" : ""), beacon);
      String off = on + "/mode-off";
      for (String[] c :
          new String[][] {
            {"Object.defineProperty(navigator, 'doNotTrack', {get: () => '1'});", on},
            {"Object.defineProperty(navigator, 'globalPrivacyControl', {get: () => true});", on},
            {"", off}
          }) {
        Path profile = tmp.resolve("profile-" + relayed.get() + "-" + c[0].length());
        try (HeadlessChromium browser = new HeadlessChromium(chromium, profile)) {
          if (!c[0].isEmpty()) {
            browser.call("Page.addScriptToEvaluateOnNewDocument", Map.of("source", c[0]));
          }
          browser.navigate(c[1] + "/");
          browser.waitFor("window.__done === true", WAIT);
          Thread.sleep(2500); // beacon.js sends a second after the first event
          browser.eval("dispatchEvent(new Event('pagehide')); true");
          Thread.sleep(500);
          // What DevTools' Network panel lists: the page and its script, no telemetry request.
          assertThat(browser.requests())
              .as(c[0])
              .isNotEmpty()
              .noneMatch(r -> r.contains("/telemetry/ui"));
          assertThat(browser.console()).as(c[0]).isEmpty();
        }
        assertThat(relayed.get()).as(c[0].isEmpty() ? "data-mode=off" : c[0]).isZero();
      }
      assertThat(s.server.store().events("acme", 100))
          .noneMatch(e -> "beacon-js".equals(e.library()));
    }
  }

  /**
   * Direct mode: beacon.js on the product's page sends Segment-shaped page and track events with
   * the browser key to the Beacon server, under the installation id the page was given; a page of
   * an origin the product does not list gets no CORS answer and stores nothing.
   */
  @Test
  void directModeStoresUiEventsForAConfiguredOriginOnly() throws Exception {
    String[] productUrl = new String[1];
    product = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    product.start();
    String origin = "http://127.0.0.1:" + product.getAddress().getPort();
    try (TestServer s =
        TestServer.start(
            tmp.resolve("data"),
            Map.of(
                "BEACON_PRODUCTS__ACME__BROWSER_KEY", BROWSER_KEY,
                "BEACON_PRODUCTS__ACME__BROWSER_ORIGINS", origin))) {
      String tag =
          "data-endpoint=\""
              + s.server.url()
              + "\" data-key=\""
              + BROWSER_KEY
              + "\" data-installation=\"inst-ui-7\"";
      productUrl[0] = serveApp(path -> tag, null);
      try (HeadlessChromium browser = new HeadlessChromium(chromium, tmp.resolve("profile"))) {
        browser.navigate(productUrl[0] + "/");
        browser.waitFor("window.__done === true", WAIT);
        List<StoredEvent> ui = awaitUiEvents(s, 7);
        assertThat(ui).hasSize(7).allMatch(e -> e.installationId().equals("inst-ui-7"));
        assertThat(ui.stream().filter(e -> e.type().equals("page")).map(StoredEvent::event))
            .containsExactlyInAnyOrder(
                "/",
                "/nodes",
                "/nodes/[id]",
                "/services/[id]",
                "/services/[id]/tasks",
                "/settings");
        String server = s.server.url().replaceAll("/$", "");
        assertThat(browser.requests())
            .allMatch(r -> r.split(" ", 2)[1].startsWith(origin + "/") || r.contains(server + "/"));
        assertThat(browser.console()).isEmpty();
      }

      // The same page served from an origin the product does not list.
      String otherOrigin = "http://localhost:" + product.getAddress().getPort();
      try (HeadlessChromium browser = new HeadlessChromium(chromium, tmp.resolve("profile-2"))) {
        browser.navigate(otherOrigin + "/");
        browser.waitFor("window.__done === true", WAIT);
        Thread.sleep(2500);
        assertThat(browser.requests()).anyMatch(r -> r.contains("/v1/batch"));
        assertThat(
                browser.events("Network.responseReceived").stream()
                    .filter(r -> r.at("/response/url").asText().contains("/v1/batch"))
                    .map(r -> r.at("/response/status").asInt() + " " + r.at("/response/headers"))
                    .toList())
            .allMatch(r -> r.startsWith("403") && !r.contains("Access-Control-Allow-Origin"));
      }
      assertThat(s.server.store().count("acme")).isEqualTo(7);
    }
  }

  /**
   * The relay or the Beacon server down (connection refused) or black-holed (connects, never
   * answers): the page stays responsive (a hundred timed clicks that each send an event complete),
   * and neither throws, rejects unhandled nor writes to the console.
   */
  @Test
  void aDeadOrBlackHoledEndpointNeverHarmsThePage() throws Exception {
    try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      List<Socket> held = new CopyOnWriteArrayList<>();
      Thread accept =
          new Thread(
              () -> {
                try {
                  while (true) {
                    held.add(blackHole.accept()); // and never read nor answer
                  }
                } catch (IOException closed) {
                  // the test is over
                }
              });
      accept.setDaemon(true);
      accept.start();
      int dead;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        dead = s.getLocalPort();
      }
      String hole = "http://127.0.0.1:" + blackHole.getLocalPort();
      String down = "http://127.0.0.1:" + dead;
      String[][] cases = {
        {"relay down", "data-endpoint=\"" + down + "/telemetry/ui\""},
        {"relay black-holed", "data-endpoint=\"" + hole + "/telemetry/ui\""},
        {"server down", "data-endpoint=\"" + down + "\" data-key=\"" + BROWSER_KEY + "\""},
        {"server black-holed", "data-endpoint=\"" + hole + "\" data-key=\"" + BROWSER_KEY + "\""}
      };
      for (String[] c : cases) {
        String url = serveApp(path -> c[1], null);
        try (HeadlessChromium browser =
            new HeadlessChromium(chromium, tmp.resolve("profile-" + c[0].replace(' ', '-')))) {
          browser.navigate(url + "/");
          browser.waitFor("window.__done === true", WAIT);
          JsonNode took =
              browser.eval(
                  "(async () => { const b = document.getElementById('b'); const t0 ="
                      + " performance.now(); for (let i = 0; i < 100; i++) { b.click();"
                      + " if (i % 10 == 0) await new Promise(r => setTimeout(r, 120)); }"
                      + " await new Promise(r => requestAnimationFrame(r));"
                      + " return [window.__clicks, performance.now() - t0]; })()");
          assertThat(took.get(0).asInt()).as(c[0]).isEqualTo(100);
          Thread.sleep(2500); // the sends, and whatever they would fail with
          browser.eval("dispatchEvent(new Event('pagehide')); true");
          Thread.sleep(500);
          assertThat(browser.eval("window.__clicks").asInt()).isEqualTo(100);
          assertThat(browser.console())
              .as(c[0] + " (100 clicks took " + took.get(1).asLong() + " ms)")
              .noneMatch(m -> m.startsWith("console.") || m.startsWith("exception"));
          // The browser itself logs a refused connection (no script can stop it): after the first,
          // beacon.js sends no more from this page, so there is one such line, not one a second.
          assertThat(browser.console()).as(c[0]).hasSizeLessThanOrEqualTo(1);
          System.out.println(
              "web UI, "
                  + c[0]
                  + ": 100 clicks in "
                  + took.get(1).asLong()
                  + " ms; browser log: "
                  + browser.console());
        } finally {
          product.stop(0);
          product = null;
        }
      }
      for (Socket s : held) {
        s.close();
      }
    }
  }

  private static final String BROWSER_KEY = "bk_acme_ui_0123";

  /** The script tag's attributes for the relay of the product's server. */
  private static final String RELAY = "data-endpoint=\"/telemetry/ui\"";

  /**
   * The product's server: the script the SDK ships at {@code /js/beacon.js}, the relay at {@code
   * /telemetry/ui} when {@code beacon} is not null, and its app page at every other path (a
   * single-page app's server answers its routes with it), the script tag's attributes given by
   * {@code tag} for the path.
   */
  private String serveApp(Function<String, String> tag, Beacon beacon) throws IOException {
    if (product == null) {
      product = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      product.start();
    }
    byte[] script = UiRelay.script();
    try {
      product.removeContext("/");
    } catch (IllegalArgumentException none) {
      // a new server: nothing served yet
    }
    product.createContext(
        "/",
        ex -> {
          String path = ex.getRequestURI().getPath();
          if (path.equals("/js/beacon.js")) {
            send(ex, 200, "text/javascript", script);
          } else if (beacon != null && path.equals("/telemetry/ui")) {
            relayed.incrementAndGet();
            int status;
            try (InputStream in = ex.getRequestBody()) {
              status = beacon.uiRelay().accept(ex.getRequestHeaders().getFirst("Content-Type"), in);
            }
            ex.sendResponseHeaders(status, -1);
            ex.close();
          } else {
            String page = APP.replace("TAG", tag.apply(path));
            send(ex, 200, "text/html; charset=utf-8", page.getBytes(StandardCharsets.UTF_8));
          }
        });
    return "http://127.0.0.1:" + product.getAddress().getPort();
  }

  private static String route(StoredEvent e) {
    try {
      return TestServer.JSON.readTree(e.properties()).path("route").asText();
    } catch (IOException ex) {
      throw new IllegalStateException(ex);
    }
  }

  private static Beacon backend(TestServer s, Path state) {
    return Beacon.builder("acme")
        .version("2.1.0")
        .endpoint(URI.create(s.server.url()))
        .writeKey(TestServer.ACME_KEY)
        .stateDirectory(state)
        .initialDelay(Duration.ZERO)
        .flushInterval(Duration.ofMillis(100))
        .registerMBean(false)
        .build();
  }

  private static List<StoredEvent> awaitUiEvents(TestServer s, int n) throws Exception {
    Instant deadline = Instant.now().plus(WAIT);
    while (true) {
      List<StoredEvent> ui =
          s.server.store().events("acme", 100).stream()
              .filter(e -> "beacon-js".equals(e.library()))
              .toList();
      if (ui.size() >= n || Instant.now().isAfter(deadline)) {
        Thread.sleep(500); // and nothing more after them
        return s.server.store().events("acme", 100).stream()
            .filter(e -> "beacon-js".equals(e.library()))
            .toList();
      }
      Thread.sleep(100);
    }
  }

  private static void send(HttpExchange ex, int status, String type, byte[] body)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }
}
