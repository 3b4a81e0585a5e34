package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.HeadlessChromium;
import dev.beacon.server.simulate.Simulator;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard as a person sees it, in headless Chromium over a simulated fleet: log in, open
 * every view, check its figures against the query API, change a filter, see hostile telemetry shown
 * as text, log out. Screenshots go to {@code target/screenshots}.
 */
class DashboardBrowserIT {
  private static final String HOSTILE = "<img src=x onerror=alert(1)>";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path tmp;

  @Test
  void aPersonLogsInSeesEveryViewWithItsFiguresAndNoScriptFromTelemetryRuns() throws Exception {
    Path chromium = HeadlessChromium.forTest();

    try (TestServer s = TestServer.start(tmp.resolve("data"))) {
      new Simulator(URI.create(s.server.url()), TestServer.ACME_KEY).run(40, 20, 3);
      hostileTelemetry(s);
      String admin = TestServer.basic("admin", TestServer.ADMIN_PASSWORD);
      Path shots = Path.of("target", "screenshots");

      try (HeadlessChromium browser = new HeadlessChromium(chromium, tmp.resolve("profile"))) {
        browser.call(
            "Page.addScriptToEvaluateOnNewDocument",
            Map.of(
                "source",
                "window.__alerted = false; window.alert = () => { window.__alerted = true; };"));
        String base = s.server.url().replace("localhost", "127.0.0.1");
        browser.navigate(base + "/");
        browser.waitFor(
            "document.getElementById('password') && !document.getElementById('login').hidden",
            WAIT);
        browser.screenshot(shots.resolve("login.png"));
        browser.eval(
            "document.getElementById('password').value = "
                + js(TestServer.ADMIN_PASSWORD)
                + ";"
                + " document.querySelector('#login button').click(); true");

        // Overview: the cards show the API's figures (products are listed in name order).
        browser.waitFor("document.querySelector('[data-card=active_30d] .value')", WAIT);
        assertThat(browser.eval("document.getElementById('product').value").asText())
            .isEqualTo("acme");
        JsonNode active = s.get("/api/v1/products/acme/fleet/active", admin).json();
        assertThat(
                browser
                    .eval("document.querySelector('[data-card=active_30d] .value').textContent")
                    .asText())
            .isEqualTo(active.at("/rows/0/2").asText());
        assertThat(
                browser
                    .eval("document.querySelector('[data-card=active_7d] .value').textContent")
                    .asText())
            .isEqualTo(active.at("/rows/0/1").asText());
        waitForPanels(browser);
        browser.screenshot(shots.resolve("overview.png"));

        for (String view :
            new String[] {
              "versions",
              "platform",
              "features",
              "fields",
              "commands",
              "webui",
              "health",
              "quarantine",
              "data",
              "settings"
            }) {
          browser.eval("location.hash = '#" + view + "'; true");
          browser.waitFor(
              "document.querySelector('nav a.active') && document.querySelector('nav a.active').getAttribute('href') === '#"
                  + view
                  + "'",
              WAIT);
          waitForPanels(browser);
          browser.screenshot(shots.resolve(view + ".png"));
          assertThat(browser.eval("document.querySelectorAll('.panel .error').length").asInt())
              .as(view)
              .isZero();
          if (view.equals("webui")) {
            // The simulated clusters' web UIs: the top route as the API has it, drawn and listed.
            JsonNode routes = s.get("/api/v1/products/acme/fleet/ui-routes", admin).json();
            assertThat(routes.at("/rows/0/0").asText()).isEqualTo("/login"); // once every visit
            assertThat(
                    browser
                        .eval(
                            "document.querySelector('[data-query=ui-routes] tbody tr td')"
                                + ".textContent")
                        .asText())
                .isEqualTo(routes.at("/rows/0/0").asText());
            assertThat(browser.eval("document.querySelectorAll('#view canvas').length").asInt())
                .isEqualTo(3);
          }
          if (view.equals("platform")) {
            JsonNode os = s.get("/api/v1/products/acme/fleet/breakdown?by=os", admin).json();
            assertThat(
                    browser
                        .eval("document.querySelector('.panel tbody tr td').textContent")
                        .asText())
                .isEqualTo(os.at("/rows/0/0").asText());
            assertThat(
                    browser
                        .eval("document.querySelector('.panel tbody tr td.num').textContent")
                        .asText())
                .isEqualTo(os.at("/rows/0/1").asText());
          }
          if (view.equals("versions") || view.equals("commands")) {
            // Hostile telemetry is shown as text; no element is made of it.
            assertThat(
                    browser
                        .eval(
                            "document.getElementById('view').innerText.includes("
                                + js(HOSTILE)
                                + ")")
                        .asBoolean())
                .as(view + " shows the hostile string as text")
                .isTrue();
            assertThat(browser.eval("document.querySelectorAll('#view img').length").asInt())
                .isZero();
          }
        }

        // Settings: the refused requests by reason (one wrong key sent just now), and a product
        // made from the page (a change: the session's CSRF token goes along).
        s.post(
            "/v1/track",
            "{}".getBytes(StandardCharsets.UTF_8),
            "Authorization",
            TestServer.basic("wk_not_a_key_of_this_server", ""));
        browser.eval("location.hash = '#overview'; true"); // the loop above ended on Settings
        waitForPanels(browser);
        browser.eval("location.hash = '#settings'; true");
        browser.waitFor(
            "/unauthorized[1-9]/.test((document.getElementById('refusals') || {}).textContent"
                + " || '')",
            WAIT);
        browser.waitFor("document.getElementById('new-product')", WAIT);
        browser.eval(
            "document.getElementById('new-product').value = 'fromui';"
                + " document.getElementById('new-product').form.requestSubmit(); true");
        browser.waitFor(
            "(document.getElementById('settings-notice') || {}).textContent"
                + " && document.getElementById('settings-notice').textContent.includes('fromui')",
            WAIT);
        browser.screenshot(shots.resolve("settings-created.png"));
        assertThat(s.get("/api/v1/products", admin).json().get("products").toString())
            .contains("fromui");

        // Data: the hostile installation erased from the page; its figures go, the audit log
        // names the dashboard's session and not the id.
        long before = s.server.store().count("acme");
        browser.eval("location.hash = '#data'; true");
        browser.waitFor("document.getElementById('erase-id')", WAIT);
        browser.eval(
            "document.getElementById('erase-id').value = 'evil-1';"
                + " document.getElementById('erase-sure').checked = true;"
                + " document.getElementById('erase').requestSubmit(); true");
        browser.waitFor(
            "(document.getElementById('erase-result') || {}).textContent.startsWith('Erased: 2')",
            WAIT);
        browser.waitFor(
            "(document.getElementById('audit') || {}).textContent.includes('admin (dashboard)')",
            WAIT);
        browser.screenshot(shots.resolve("data-erased.png"));
        assertThat(s.server.store().count("acme")).isEqualTo(before - 2);
        assertThat(browser.eval("document.querySelectorAll('#export a').length").asInt())
            .isEqualTo(3);

        // Settings: an API token made from the page, shown once, that reads the API.
        browser.eval("location.hash = '#settings'; true");
        browser.waitFor("document.getElementById('token-name')", WAIT);
        browser.eval(
            "document.getElementById('token-name').value = 'grafana';"
                + " document.querySelector('#token-products option[value=acme]').selected = true;"
                + " document.getElementById('token-form').requestSubmit(); true");
        browser.waitFor(
            "(document.getElementById('token-notice') || {}).textContent.includes('bt_')", WAIT);
        browser.screenshot(shots.resolve("settings-token.png"));
        String notice =
            browser.eval("document.getElementById('token-notice').textContent").asText();
        String token = notice.substring(notice.indexOf("bt_")).strip();
        assertThat(s.get("/api/v1/products/acme/fleet/active", "Bearer " + token).status())
            .isEqualTo(200);

        // A filter changes the figures: the versions table over 7 days has the API's 7-day rows.
        browser.eval("location.hash = '#versions'; true");
        waitForPanels(browser);
        browser.eval(
            "const d = document.getElementById('days'); d.value = '7'; d.dispatchEvent(new Event('change')); true");
        JsonNode week = s.get("/api/v1/products/acme/fleet/versions?days=7", admin).json();
        browser.waitFor(
            "document.querySelectorAll('.panel tbody tr').length === " + week.get("rows").size(),
            WAIT);
        browser.screenshot(shots.resolve("versions-7-days.png"));

        assertThat(browser.eval("window.__alerted").asBoolean())
            .as("a script from telemetry ran")
            .isFalse();

        browser.eval("document.getElementById('logout').click(); true");
        browser.waitFor("!document.getElementById('login').hidden", WAIT);
        browser.navigate(base + "/dashboard/#overview");
        browser.waitFor("!document.getElementById('login').hidden", WAIT); // the session is gone
      }
    }
  }

  private static void waitForPanels(HeadlessChromium browser) throws Exception {
    browser.waitFor(
        "document.querySelectorAll('#view .panel').length > 0"
            + " && document.querySelectorAll('#view .loading').length === 0",
        WAIT);
  }

  private static void hostileTelemetry(TestServer s) {
    String report =
        "{\"type\":\"report\",\"anonymousId\":\"evil-1\",\"messageId\":\"evil-report\","
            + "\"context\":{\"app\":{\"version\":"
            + js(HOSTILE)
            + "}},"
            + "\"properties\":{\"version\":"
            + js(HOSTILE)
            + ",\"os_name\":\"Ubuntu\"}}";
    String command =
        "{\"type\":\"track\",\"event\":\"CommandExited\",\"anonymousId\":\"evil-1\",\"messageId\":\"evil-cmd\","
            + "\"properties\":{\"command\":"
            + js(HOSTILE)
            + ",\"eventData\":{\"exitCode\":0,\"durationMs\":5}}}";
    assertThat(s.post("/v1/batch", "{\"batch\":[" + report + "," + command + "]}").status())
        .isEqualTo(200);
  }

  private static String js(String s) {
    try {
      return HeadlessChromium.JSON.writeValueAsString(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
