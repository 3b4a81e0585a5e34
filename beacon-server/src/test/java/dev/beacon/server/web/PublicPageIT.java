package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.HeadlessChromium;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16: the public transparency page in headless Chromium, as a person following the README's
 * link sees it: no cookie, no request but the page's own, no CSP violation, no script, and no
 * bucket under k on the screen. Screenshot: {@code target/screenshots/public-page.png}.
 */
class PublicPageIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path tmp;

  @Test
  void aPersonSeesTheFiguresAndNothingElseHappens() throws Exception {
    Path chromium = HeadlessChromium.forTest();
    try (TestServer s = TestServer.start(tmp.resolve("data"), PublicPageTest.publicEnv())) {
      PublicPageTest.fleet(s);
      try (HeadlessChromium browser = new HeadlessChromium(chromium, tmp.resolve("profile"))) {
        String base = s.server.url().replace("localhost", "127.0.0.1");
        browser.navigate(base + "/public/acme");
        browser.waitFor("document.readyState === 'complete' && document.querySelector('h1')", WAIT);
        browser.screenshot(Path.of("target", "screenshots", "public-page.png"));

        String text = browser.eval("document.body.innerText").asText();
        assertThat(text)
            .contains("What acme sends", "vm_specs.num_cpus", "2.0", "1.0", "Linux", "arm64")
            .doesNotContain("macOS")
            .doesNotContain("Windows")
            .doesNotContain("secret-");
        // No cell names the version under k (the generated time may hold "0.9" anywhere).
        assertThat(
                browser
                    .eval(
                        "[...document.querySelectorAll('td')].some(td => td.textContent === '0.9')")
                    .asBoolean())
            .isFalse();
        assertThat(browser.eval("document.scripts.length").asInt()).isZero();
        assertThat(browser.eval("document.cookie").asText()).isEmpty();
        assertThat(
                browser
                    .call("Network.getCookies", Map.of("urls", List.of(base)))
                    .at("/cookies")
                    .size())
            .isZero();
        // Its own document only: no font, image, style or script from anywhere.
        assertThat(browser.requests())
            .isNotEmpty()
            .allMatch(r -> r.startsWith("GET " + base + "/"));
        // The style is allowed by its hash: nothing was blocked, nothing was logged.
        assertThat(browser.console()).isEmpty();
        assertThat(
                browser
                    .eval("getComputedStyle(document.body).fontFamily.includes('system-ui')")
                    .asBoolean())
            .isTrue();
      }
    }
  }
}
