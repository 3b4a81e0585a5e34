package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.beacon.sdk.HeadlessChromium;
import dev.beacon.server.storage.StoredEvent;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The browser libraries vendors already ship, as published on npm and unmodified, in real headless
 * Chromium, on a page of another origin (the vendor's web UI) that the product lists in {@code
 * browser_origins}: posthog-js and Segment's {@code @segment/analytics-next} report to Beacon by
 * their host setting alone. Each event is stored once with its mapping, nothing of the page's
 * location, the user's id or traits is kept, and every request the library made was answered with
 * success (no error callback, no retry).
 */
class BrowserClientsIT {
  private static final Duration WAIT = Duration.ofSeconds(45);
  private static final String POSTHOG_JS = "1.449.2";
  private static final String POSTHOG_JS_INTEGRITY =
      "sha512-vji+h92IHaLlFSEnRH1hwe8uLWGOdDUImmPXexj/+V7Xm7HTxIQisYE/Kom7Aaw4DRpzfdhQxiyAN1YVYR4G8Q==";
  private static final String ANALYTICS_NEXT = "1.84.3";
  private static final String ANALYTICS_NEXT_INTEGRITY =
      "sha512-5l7cPBzScxhfJ0zdcKQI4daDvMIWWUk7hClT1xGRelnHUltIEoQ9w8+ZpFPoWJMpX8D7IA1nVAfJbpiKi3XaKw==";

  /** Installed before any library: every answer Beacon gave the page, as "status path". */
  private static final String RECORD_ANSWERS =
      "<script>window.__answers=[];window.__errors=[];window.__log=[];"
          + "for(const l of ['log','info','warn','error']){const o=console[l].bind(console);"
          + "console[l]=(...a)=>{window.__log.push(l+': '+a.map(String).join(' ').slice(0,300));"
          + "o(...a)}}"
          + "const __f=window.fetch.bind(window);"
          + "window.fetch=(i,o)=>__f(i,o).then(r=>{const u=new URL(r.url);"
          + "window.__answers.push(r.status+' '+u.pathname+' '+(o&&o.body&&typeof o.body!=='string'?'binary':'text'));"
          + "return r},e=>{window.__errors.push('fetch '+e);throw e});"
          + "</script>";

  @TempDir Path tmp;
  private HttpServer pages;
  private Path chromium;
  private final List<String> answers = new ArrayList<>();

  @BeforeEach
  void findChromium() {
    chromium = HeadlessChromium.forTest();
  }

  @AfterEach
  void stopPages() {
    if (pages != null) {
      pages.stop(0);
    }
  }

  @Test
  void posthogJsReportsToBeacon() throws Exception {
    Path dist = npm("posthog-js", POSTHOG_JS, POSTHOG_JS_INTEGRITY).resolve("dist");
    String origin = startPages(Map.of("/lib/", dist));
    try (TestServer s = beacon(origin)) {
      String beacon = s.server.url().replace("localhost", "127.0.0.1");
      page(
          "posthog.html",
          "<script src=\"/lib/array.full.no-external.js\"></script><script>"
              + "posthog.init("
              + js(TestServer.ACME_KEY)
              + ",{debug:true,api_host:"
              + js(beacon)
              + ",persistence:'localStorage',autocapture:false,capture_pageview:true,"
              + "capture_pageleave:false,disable_session_recording:true,disable_surveys:true,"
              + "capture_performance:false,capture_dead_clicks:false,capture_exceptions:false,"
              + "on_request_error:r=>window.__errors.push('posthog '+r.statusCode),"
              + "loaded:ph=>{ph.capture('report_exported',{format:'csv',rows:120});"
              + "ph.identify('user-42',{email:'olga@acme.example'});"
              + "ph.capture('after_identify');window.__sent=true}});</script>");
      List<StoredEvent> events =
          drive(s, origin + "/posthog.html", 4, "posthog-js.png", "window.__sent === true");
      assertThat(new TreeSet<>(events.stream().map(StoredEvent::event).toList()))
          .containsExactly("$identify", "$pageview", "after_identify", "report_exported");
      for (StoredEvent e : events) {
        assertThat(e.type()).isEqualTo("track");
        assertThat(e.library()).isEqualTo("web");
        assertThat(e.installationId()).isEqualTo(events.get(0).installationId());
        assertThat(e.properties() + e.context())
            .doesNotContain("user-42")
            .doesNotContain("olga")
            .doesNotContain(origin.substring("http://".length()))
            .doesNotContain("posthog.html");
        JsonNode context = TestServer.JSON.readTree(e.context());
        assertThat(context.path("library").path("version").asText()).isEqualTo(POSTHOG_JS);
        assertThat(context.path("os").path("name").asText()).isNotBlank();
      }
      assertThat(answers)
          .as("posthog-js took the remote config's gzip (a binary body, no hint in the query)")
          .anyMatch(a -> a.equals("200 /e/ binary"));
      StoredEvent exported =
          events.stream().filter(e -> e.event().equals("report_exported")).findFirst().get();
      assertThat(TestServer.JSON.readTree(exported.properties()).path("rows").asInt())
          .isEqualTo(120);
      assertThat(TestServer.JSON.readTree(exported.properties()).path("$browser").asText())
          .isEqualTo("Chrome");
    }
  }

  @Test
  void segmentAnalyticsNextReportsToBeacon() throws Exception {
    Path umd =
        npm("@segment/analytics-next", ANALYTICS_NEXT, ANALYTICS_NEXT_INTEGRITY)
            .resolve("dist")
            .resolve("umd");
    String origin = startPages(Map.of("/lib/", umd, "/analytics-next/bundles/", umd));
    try (TestServer s = beacon(origin)) {
      String host = s.server.url().replace("localhost", "127.0.0.1").replace("http://", "");
      page(
          "segment.html",
          "<script src=\"/lib/index.js\"></script><script>"
              + "AnalyticsNext.AnalyticsBrowser.load({writeKey:"
              + js(TestServer.ACME_KEY)
              + ",cdnURL:"
              + js(origin)
              + ",cdnSettings:{integrations:{'Segment.io':{apiKey:"
              + js(TestServer.ACME_KEY)
              + ",apiHost:"
              + js(host + "/v1")
              + ",protocol:'http'}}}}).then(async ([analytics]) => {"
              + "const results = [];"
              + "results.push(await analytics.page('Settings'));"
              + "results.push(await analytics.track('Report Exported',{format:'csv'}));"
              + "results.push(await analytics.identify('user-42',{email:'olga@acme.example'}));"
              + "window.__failed = results.filter(c => c.failedDelivery()).length;"
              + "window.__sent = true;"
              + "}).catch(e => window.__errors.push('load ' + e));</script>");
      List<StoredEvent> events =
          drive(s, origin + "/segment.html", 3, "analytics-next.png", "window.__sent === true");
      assertThat(events)
          .extracting(StoredEvent::type)
          .containsExactlyInAnyOrder("page", "track", "identify");
      for (StoredEvent e : events) {
        assertThat(e.library()).isEqualTo("analytics.js");
        assertThat(e.installationId()).isEqualTo(events.get(0).installationId());
        assertThat(e.properties() + e.context())
            .doesNotContain("user-42")
            .doesNotContain("olga")
            .doesNotContain(origin.substring("http://".length()))
            .doesNotContain("segment.html")
            .doesNotContain("Mozilla");
      }
    }
  }

  /** Loads the page, waits for the library and for Beacon to hold {@code expected} events. */
  private List<StoredEvent> drive(
      TestServer s, String url, int expected, String screenshot, String sent) throws Exception {
    try (HeadlessChromium browser = new HeadlessChromium(chromium, tmp.resolve("profile"))) {
      // As a person's browser presents itself: posthog-js drops the events of "HeadlessChrome"
      // (in the user agent or its brands) and of a browser driven by automation.
      String agent = browser.call("Browser.getVersion", Map.of()).path("userAgent").asText();
      browser.call(
          "Emulation.setUserAgentOverride",
          Map.of(
              "userAgent",
              agent.replace("HeadlessChrome", "Chrome"),
              "userAgentMetadata",
              Map.of(
                  "brands",
                  List.of(Map.of("brand", "Chromium", "version", "156")),
                  "platform",
                  "Linux",
                  "platformVersion",
                  "",
                  "architecture",
                  "x86",
                  "model",
                  "",
                  "mobile",
                  false)));
      browser.call(
          "Page.addScriptToEvaluateOnNewDocument",
          Map.of("source", "Object.defineProperty(navigator, 'webdriver', {get: () => false});"));
      browser.navigate(url);
      browser.waitFor(sent + " || window.__errors.length > 0", WAIT);
      Instant deadline = Instant.now().plus(WAIT);
      while (s.server.store().count("acme") < expected && Instant.now().isBefore(deadline)) {
        Thread.sleep(100);
      }
      Thread.sleep(3500); // posthog-js flushes its queue every 3 s: anything more would be here
      browser.eval(
          "document.body.insertAdjacentHTML('beforeend','<pre id=answers></pre>');"
              + "document.getElementById('answers').textContent = 'Beacon answered:\\n' +"
              + " window.__answers.join('\\n') + '\\nerrors: ' + window.__errors.join('\\n') + '\\n' +"
              + " window.__log.slice(-40).join('\\n'); true");
      browser.screenshot(Path.of("target", "screenshots").resolve(screenshot));
      answers.clear();
      JsonNode list =
          TestServer.JSON.readTree(browser.eval("JSON.stringify(window.__answers)").asText());
      list.forEach(a -> answers.add(a.asText()));
      JsonNode errors =
          TestServer.JSON.readTree(browser.eval("JSON.stringify(window.__errors)").asText());
      assertThat(errors).as("errors the library reported").isEmpty();
      assertThat(answers).as("what Beacon answered the page").isNotEmpty();
      assertThat(answers).allMatch(a -> a.startsWith("200 ") || a.startsWith("204 "), "success");
      JsonNode failed = browser.eval("window.__failed");
      assertThat(failed.isMissingNode() || failed.asInt() == 0).as("failed deliveries").isTrue();
    }
    List<StoredEvent> events = s.server.store().events("acme", 100);
    assertThat(events).hasSize(expected);
    return events;
  }

  private TestServer beacon(String origin) {
    return TestServer.start(
        tmp.resolve("data"), Map.of("BEACON_PRODUCTS__ACME__BROWSER_ORIGINS", origin));
  }

  private static Path npm(String name, String version, String integrity) throws Exception {
    try {
      return NpmPackage.fetch(name, version, integrity);
    } catch (IOException unreachable) {
      if (System.getenv("CI") == null) {
        assumeTrue(
            false,
            "browser client test skipped: the npm registry is unreachable ("
                + unreachable.getMessage()
                + ")");
      }
      throw unreachable;
    }
  }

  /** A server of its own origin: the test pages, and each library's files. */
  private String startPages(Map<String, Path> libraries) throws IOException {
    pages = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    Path pageDir = Files.createDirectories(tmp.resolve("pages"));
    pages.createContext(
        "/",
        exchange -> {
          String path = exchange.getRequestURI().getPath();
          Path root = pageDir;
          String rest = path.substring(1);
          for (Map.Entry<String, Path> l : libraries.entrySet()) {
            if (path.startsWith(l.getKey())) {
              root = l.getValue().toAbsolutePath();
              rest = path.substring(l.getKey().length());
            }
          }
          Path file = root.resolve(rest).normalize();
          byte[] body;
          int status = 200;
          if (file.startsWith(root) && Files.isRegularFile(file)) {
            body = Files.readAllBytes(file);
          } else {
            status = 404;
            body = "not found".getBytes(StandardCharsets.UTF_8);
          }
          exchange
              .getResponseHeaders()
              .set(
                  "Content-Type",
                  path.endsWith(".js") ? "text/javascript" : "text/html; charset=utf-8");
          exchange.sendResponseHeaders(status, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    pages.start();
    return "http://127.0.0.1:" + pages.getAddress().getPort();
  }

  private void page(String name, String scripts) throws IOException {
    Files.writeString(
        tmp.resolve("pages").resolve(name),
        "<!doctype html><html><head><title>Vendor UI</title>"
            + RECORD_ANSWERS
            + "</head><body><h1>Vendor UI: "
            + name
            + "</h1>"
            + scripts
            + "</body></html>");
  }

  private static String js(String s) throws IOException {
    return HeadlessChromium.JSON.writeValueAsString(s);
  }
}
