package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.HeadlessChromium;
import dev.beacon.server.simulate.Simulator;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
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
      // The demo fleet's shapes (releases spreading, a regressed release, a churning cohort).
      new Simulator(URI.create(s.server.url()), TestServer.ACME_KEY).run(60, 60, 3);
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

        // Growth: the cards show the API's figures (products are listed in name order).
        browser.waitFor("document.querySelector('[data-card=active] .value')", WAIT);
        assertThat(browser.eval("document.getElementById('product').value").asText())
            .isEqualTo("acme");
        JsonNode growth = s.get("/api/v1/products/acme/fleet/growth", admin).json();
        assertThat(growth.at("/rows/0/0").asText()).isEqualTo("active");
        assertThat(
                browser
                    .eval("document.querySelector('[data-card=active] .value').textContent")
                    .asText())
            .isEqualTo(String.format(Locale.ROOT, "%,d", growth.at("/rows/0/1").asLong()));
        waitForPanels(browser);
        browser.screenshot(shots.resolve("overview.png"), true);

        Map<String, Long> timings = new LinkedHashMap<>();
        for (String view : VIEWS) {
          show(browser, view);
          browser.screenshot(shots.resolve(view + ".png"), true);
          assertThat(browser.eval("document.querySelectorAll('.panel .error').length").asInt())
              .as(view)
              .isZero();
          assertThat(mismatches(browser)).as("%s: tables against the API", view).isEmpty();
          timings.put(view, slowestPanel(browser));
          if (List.of("overview", "versions", "features", "commands", "health").contains(view)) {
            // Every chart has its text alternative.
            assertThat(
                    browser
                        .eval(
                            "[...document.querySelectorAll('#view canvas')].every(c =>"
                                + " c.getAttribute('role') === 'img'"
                                + " && /\\d/.test(c.getAttribute('aria-label')))")
                        .asBoolean())
                .as(view)
                .isTrue();
          }
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
            // Numeric buckets with their unit, in numeric order.
            assertThat(
                    browser
                        .eval(
                            "[...document.querySelectorAll('[data-query=breakdown-memory] tbody tr"
                                + " td:first-child')].map(td => td.textContent).join(',')")
                        .asText())
                .startsWith("4 GiB,8 GiB,16 GiB,32 GiB,64 GiB");
          }
          if (view.equals("commands")) {
            // A version named like a key of the page's own tables is a column like any other.
            assertThat(
                    browser
                        .eval(
                            "[...document.querySelectorAll('[data-query=command-versions] th')]"
                                + ".map(th => th.textContent).join(',')")
                        .asText())
                .contains("constructor", "__proto__", "success_rate", "hasOwnProperty");
            // The regressed release stands out: its build marked slower than the best version.
            assertThat(
                    browser
                        .eval(
                            "[...document.querySelectorAll('[data-query=command-versions] td.worse')]"
                                + ".length > 0")
                        .asBoolean())
                .isTrue();
            JsonNode commands = s.get("/api/v1/products/acme/fleet/commands", admin).json();
            assertThat(
                    browser
                        .eval(
                            "document.querySelector('[data-query=commands] tbody tr"
                                + " td:nth-child(4)').textContent")
                        .asText())
                .isEqualTo(
                    String.format(
                        Locale.ROOT, "%.1f %%", commands.at("/rows/0/2").asDouble() * 100));
          }
          if (view.equals("versions") || view.equals("commands")) {
            // Hostile telemetry is shown as text; no element is made of it.
            assertThat(
                    browser
                        .eval(
                            "document.getElementById('view').textContent.includes("
                                + js(HOSTILE)
                                + ")")
                        .asBoolean())
                .as(view + " shows the hostile string as text")
                .isTrue();
            assertThat(browser.eval("document.querySelectorAll('#view img').length").asInt())
                .isZero();
          }
        }
        System.out.println("Dashboard views, slowest panel's first render (ms): " + timings);

        // Filters live in the URL: a link opened afresh shows the same view and filters, and
        // back returns to it after another view.
        String link = "#commands?product=acme&days=7&version=5.1.0";
        browser.navigate(base + "/dashboard/" + link);
        waitForPanels(browser);
        assertThat(browser.eval("document.getElementById('days').value").asText()).isEqualTo("7");
        assertThat(browser.eval("document.getElementById('version').value").asText())
            .isEqualTo("5.1.0");
        assertThat(
                browser
                    .eval(
                        "document.querySelector('[data-query=commands]')"
                            + " && document.querySelector('nav a.active').textContent")
                    .asText())
            .isEqualTo("CLI");
        assertThat(mismatches(browser)).isEmpty();
        assertThat(
                browser
                    .eval(
                        "[...document.querySelectorAll('#view table[data-source]')].every(t =>"
                            + " t.dataset.source.includes('days=7')"
                            + " && t.dataset.source.includes('version=5.1.0'))")
                    .asBoolean())
            .isTrue();
        browser.eval("document.querySelector('nav a[data-view=versions]').click(); true");
        browser.waitFor(
            "location.hash.startsWith('#versions?') && location.hash.includes('days=7')", WAIT);
        waitForPanels(browser);
        browser.eval("history.back(); true");
        browser.waitFor("location.hash === " + js(link), WAIT);
        waitForPanels(browser);
        assertThat(browser.eval("document.querySelector('nav a.active').textContent").asText())
            .isEqualTo("CLI");

        // Compare two versions side by side, chosen in the URL.
        browser.navigate(base + "/dashboard/#compare?product=acme&a=5.1.0&b=5.2.1");
        browser.waitFor(
            "document.querySelector('[data-query=compare-commands] table')"
                + " && document.querySelectorAll('#view .loading').length === 0",
            WAIT);
        assertThat(browser.eval("document.getElementById('compare-a').value").asText())
            .isEqualTo("5.1.0");
        JsonNode older = s.get("/api/v1/products/acme/fleet/commands?version=5.1.0", admin).json();
        assertThat(
                browser
                    .eval("document.querySelector('[data-query=compare-commands]').textContent")
                    .asText())
            .contains(older.at("/rows/0/0").asText() + " · runs")
            .contains(String.format(Locale.ROOT, "%,d", older.at("/rows/0/1").asLong()));
        browser.screenshot(shots.resolve("compare.png"), true);

        // A hostile version in the link stays text too; every control has a label.
        browser.eval(
            "location.hash = '#compare?product=acme&a=' + encodeURIComponent("
                + js(HOSTILE)
                + ") + '&b=5.2.1'; true");
        browser.waitFor(
            "document.getElementById('compare-a') && document.getElementById('compare-a').value === "
                + js(HOSTILE)
                + " && document.querySelectorAll('#view .loading').length === 0",
            WAIT);
        assertThat(browser.eval("document.querySelectorAll('img').length").asInt()).isZero();
        assertThat(
                browser
                    .eval(
                        "[...document.querySelectorAll('select, input')].filter(e => e.type !== 'hidden'"
                            + " && !e.closest('[hidden]') && !e.labels.length && !e.getAttribute('aria-label'))"
                            + ".map(e => e.id)")
                    .size())
            .as("controls without a label")
            .isZero();

        // A panel that fails shows its own error; the others render.
        browser.eval(
            "const f = window.fetch; window.fetch = (u, o) => String(u).includes('/fleet/activity')"
                + " ? Promise.resolve(new Response(JSON.stringify({ message: 'storage is on fire' }),"
                + " { status: 500 })) : f(u, o); true");
        browser.eval("location.hash = '#overview?product=acme'; true");
        waitForPanels(browser);
        assertThat(
                browser
                    .eval("document.querySelector('[data-query=activity] .error').textContent")
                    .asText())
            .contains("storage is on fire");
        assertThat(browser.eval("document.querySelectorAll('#view .error').length").asInt())
            .isEqualTo(1);
        assertThat(browser.eval("document.querySelectorAll('#view canvas').length").asInt())
            .isEqualTo(1); // new and lost still drawn
        browser.screenshot(shots.resolve("failing-panel.png"), true);
        browser.navigate(base + "/dashboard/?again#overview?product=acme"); // a new page
        waitForPanels(browser);

        // An empty product: every view says what to send instead of showing nothing.
        for (String view : VIEWS) {
          if (List.of("fields", "quarantine", "data", "settings").contains(view)) {
            continue;
          }
          browser.eval("location.hash = '#" + view + "?product=emqx'; true");
          waitForPanels(browser);
          assertThat(browser.eval("document.querySelectorAll('#view .error').length").asInt())
              .as("empty %s", view)
              .isZero();
          assertThat(
                  browser
                      .eval(
                          "[...document.querySelectorAll('#view .panel')].every(p =>"
                              + " p.querySelector('.empty') || p.querySelector('[data-card]'))")
                      .asBoolean())
              .as("empty %s: each panel says it is empty", view)
              .isTrue();
          if (view.equals("commands")) {
            assertThat(browser.eval("document.getElementById('view').textContent").asText())
                .contains("beacon.startCommand");
            browser.screenshot(shots.resolve("empty-commands.png"), true);
          }
        }
        browser.eval("location.hash = '#overview?product=acme'; true");
        waitForPanels(browser);

        // Settings: the refused requests by reason (one wrong key sent just now), and a product
        // made from the page (a change: the session's CSRF token goes along).
        s.post(
            "/v1/track",
            "{}".getBytes(StandardCharsets.UTF_8),
            "Authorization",
            TestServer.basic("wk_not_a_key_of_this_server", ""));
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

        // A filter changes the figures and the URL: the version share over 7 days has the API's
        // 7-day rows.
        browser.eval("location.hash = '#versions?product=acme'; true");
        waitForPanels(browser);
        browser.eval(
            "const d = document.getElementById('days'); d.value = '7'; d.dispatchEvent(new Event('change')); true");
        JsonNode week = s.get("/api/v1/products/acme/fleet/version-share?days=7", admin).json();
        browser.waitFor(
            "location.hash.includes('days=7') && document.querySelectorAll("
                + "'[data-query=version-share] tbody tr').length === "
                + week.get("rows").size(),
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

  private static final List<String> VIEWS =
      List.of(
          "overview",
          "versions",
          "retention",
          "platform",
          "features",
          "fields",
          "commands",
          "webui",
          "health",
          "compare",
          "quarantine",
          "data",
          "settings");

  private static void show(HeadlessChromium browser, String view) throws Exception {
    browser.eval("document.querySelector('nav a[data-view=" + view + "]').click(); true");
    browser.waitFor(
        "document.querySelector('nav a.active') && document.querySelector('nav a.active')"
            + ".getAttribute('data-view') === '"
            + view
            + "'",
        WAIT);
    waitForPanels(browser);
  }

  /**
   * Every table that shows an API answer, checked cell by cell against the API (asked again from
   * the page, with its session): what differs, or nothing.
   */
  private static List<String> mismatches(HeadlessChromium browser) throws Exception {
    JsonNode bad =
        browser.eval(
            "(async () => { const bad = [];"
                + " for (const t of document.querySelectorAll('#view table[data-source]')) {"
                + "  const res = await fetch(t.dataset.source, { headers: { 'Accept': 'application/json',"
                + "   'X-Beacon-Dashboard': '1' } });"
                + "  const body = await res.json();"
                + "  const trs = t.querySelectorAll('tbody tr');"
                + "  if (trs.length !== body.rows.length) { bad.push(t.dataset.source + ': ' + trs.length"
                + "   + ' rows shown, ' + body.rows.length + ' in the API'); continue; }"
                + "  body.rows.forEach((r, i) => r.forEach((v, j) => {"
                + "   const got = trs[i].children[j].getAttribute('data-value');"
                + "   const want = v === null ? '' : String(v);"
                + "   if (got !== want && !(got !== '' && want !== '' && Number(got) === Number(want)))"
                + "    bad.push(t.dataset.source + ' row ' + i + ' column ' + j + ': ' + got + ' shown, '"
                + "     + want + ' in the API');"
                + "  })); }"
                + " return bad; })()");
    List<String> out = new ArrayList<>();
    bad.forEach(n -> out.add(n.asText()));
    return out;
  }

  /** The longest a panel of the view took from asking to drawn (ms). */
  private static long slowestPanel(HeadlessChromium browser) throws Exception {
    return browser
        .eval(
            "Math.max(0, ...[...document.querySelectorAll('#view [data-ms]')].map(p =>"
                + " Number(p.dataset.ms)))")
        .asLong();
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
    // Versions named like the page's own keys land in table columns: still only text.
    StringBuilder keys = new StringBuilder();
    for (String version :
        new String[] {"constructor", "__proto__", "success_rate", "hasOwnProperty"}) {
      keys.append(keys.length() == 0 ? "" : ",")
          .append("{\"type\":\"track\",\"event\":\"CommandExited\",\"anonymousId\":\"evil-2\",")
          .append("\"messageId\":\"evil-")
          .append(version)
          .append("\",\"context\":{\"app\":{\"version\":\"")
          .append(version)
          .append("\"}},\"properties\":{\"command\":\"demo build\",")
          .append("\"eventData\":{\"exitCode\":1,\"durationMs\":7}}}");
    }
    assertThat(s.post("/v1/batch", "{\"batch\":[" + keys + "]}").status()).isEqualTo(200);
  }

  private static String js(String s) {
    try {
      return HeadlessChromium.JSON.writeValueAsString(s);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
