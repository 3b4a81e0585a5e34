package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dashboard's sessions, CSRF protection, and the headers of its pages. */
class DashboardSecurityTest {
  @TempDir Path data;

  private final HttpClient http = HttpClient.newHttpClient();

  private HttpResponse<String> send(HttpRequest.Builder b) throws Exception {
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> login(TestServer s, String password) throws Exception {
    return send(
        HttpRequest.newBuilder(s.uri("/api/v1/session"))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"password\":\"" + password + "\"}")));
  }

  private static String cookie(HttpResponse<String> r) {
    return r.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
  }

  @Test
  void aSessionCookieIsHttpOnlyAndStrictAndChangesNeedTheCsrfToken() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      assertThat(login(s, "wrong").statusCode()).isEqualTo(401);
      HttpResponse<String> ok = login(s, TestServer.ADMIN_PASSWORD);
      assertThat(ok.statusCode()).isEqualTo(200);
      String setCookie = ok.headers().firstValue("Set-Cookie").orElseThrow();
      assertThat(setCookie)
          .contains("HttpOnly", "SameSite=Strict", "Path=/")
          .doesNotContain("Secure");
      String csrf = TestServer.JSON.readTree(ok.body()).get("csrf").asText();
      String cookie = cookie(ok);

      HttpResponse<String> read =
          send(
              HttpRequest.newBuilder(s.uri("/api/v1/products/acme/fleet/active"))
                  .header("Cookie", cookie));
      assertThat(read.statusCode()).isEqualTo(200);

      String replay = "/api/v1/products/acme/quarantine/1/replay";
      HttpResponse<String> noToken =
          send(
              HttpRequest.newBuilder(s.uri(replay))
                  .header("Cookie", cookie)
                  .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(noToken.statusCode()).isEqualTo(403);
      assertThat(noToken.body()).contains("X-CSRF-Token");
      HttpResponse<String> withToken =
          send(
              HttpRequest.newBuilder(s.uri(replay))
                  .header("Cookie", cookie)
                  .header("X-CSRF-Token", csrf)
                  .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(withToken.statusCode()).isEqualTo(404); // past CSRF: there is no event #1

      HttpResponse<String> out =
          send(
              HttpRequest.newBuilder(s.uri("/api/v1/session"))
                  .header("Cookie", cookie)
                  .header("X-CSRF-Token", csrf)
                  .DELETE());
      assertThat(out.statusCode()).isEqualTo(200);
      assertThat(out.headers().firstValue("Set-Cookie").orElseThrow()).contains("Max-Age=0");
      assertThat(
              send(HttpRequest.newBuilder(s.uri("/api/v1/products/acme/fleet/active"))
                      .header("Cookie", cookie))
                  .statusCode())
          .isEqualTo(401);
    }
  }

  /**
   * L13: a session renewed on every use never ended, and its cookie's Max-Age (8 h) ended before
   * the session did. Now it ends 12 h after its login however busy, and the cookie says 12 h.
   */
  @Test
  void aSessionEndsTwelveHoursAfterItsLoginHoweverBusyAndTheCookieSaysSo_L13() throws Exception {
    AtomicLong nanos = new AtomicLong(System.nanoTime());
    try (TestServer s = TestServer.start(data, Map.of(), nanos::get)) {
      HttpResponse<String> ok = login(s, TestServer.ADMIN_PASSWORD);
      assertThat(ok.statusCode()).isEqualTo(200);
      assertThat(ok.headers().firstValue("Set-Cookie").orElseThrow())
          .contains("Max-Age=" + Duration.ofHours(12).toSeconds());
      String cookie = cookie(ok);
      HttpRequest.Builder use =
          HttpRequest.newBuilder(s.uri("/api/v1/products")).header("Cookie", cookie);

      for (int hour = 1; hour <= 11; hour++) { // busy: a request every hour renews the idle time
        nanos.addAndGet(Duration.ofHours(1).toNanos());
        assertThat(send(use).statusCode()).as("after %d h", hour).isEqualTo(200);
      }
      nanos.addAndGet(Duration.ofMinutes(59).toNanos());
      assertThat(send(use).statusCode()).as("11 h 59 min after the login").isEqualTo(200);
      nanos.addAndGet(Duration.ofMinutes(2).toNanos());
      assertThat(send(use).statusCode()).as("12 h 1 min after the login").isEqualTo(401);
    }
  }

  @Test
  void anIdleSessionEndsAfterEightHours_L13() throws Exception {
    AtomicLong nanos = new AtomicLong(System.nanoTime());
    try (TestServer s = TestServer.start(data, Map.of(), nanos::get)) {
      String cookie = cookie(login(s, TestServer.ADMIN_PASSWORD));
      HttpRequest.Builder use =
          HttpRequest.newBuilder(s.uri("/api/v1/products")).header("Cookie", cookie);
      nanos.addAndGet(Duration.ofHours(8).minusMinutes(1).toNanos());
      assertThat(send(use).statusCode()).isEqualTo(200);
      nanos.addAndGet(Duration.ofHours(8).plusMinutes(1).toNanos());
      assertThat(send(use).statusCode()).isEqualTo(401);
    }
  }

  @Test
  void basicCredentialsFromAnotherSitesPageCannotChangeAnything() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      HttpResponse<String> r =
          send(
              HttpRequest.newBuilder(s.uri("/api/v1/products/acme/quarantine/1/replay"))
                  .header("Authorization", TestServer.basic("admin", TestServer.ADMIN_PASSWORD))
                  .header("Origin", "https://evil.example")
                  .POST(HttpRequest.BodyPublishers.noBody()));
      assertThat(r.statusCode()).isEqualTo(403);
    }
  }

  @Test
  void loginAttemptsAreRateLimited() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      int limited = 0;
      for (int i = 0; i < 15; i++) {
        HttpResponse<String> r = login(s, "guess" + i);
        if (r.statusCode() == 429) {
          limited++;
          assertThat(r.headers().firstValue("Retry-After")).isPresent();
        } else {
          assertThat(r.statusCode()).isEqualTo(401);
        }
      }
      assertThat(limited).isPositive();
    }
  }

  @Test
  void pagesAreServedFromTheJarWithAStrictContentSecurityPolicy() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      HttpResponse<String> root = send(HttpRequest.newBuilder(s.uri("/")));
      assertThat(root.statusCode()).isEqualTo(302);
      assertThat(root.headers().firstValue("Location")).contains("/dashboard/");
      for (String path :
          new String[] {
            "/dashboard/",
            "/dashboard/app.js",
            "/dashboard/style.css",
            "/dashboard/vendor/chart.umd.js"
          }) {
        HttpResponse<String> r = send(HttpRequest.newBuilder(s.uri(path)));
        assertThat(r.statusCode()).as(path).isEqualTo(200);
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp)
            .contains("script-src 'self'")
            .doesNotContain("unsafe-inline")
            .doesNotContain("unsafe-eval");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
      }
      String page = send(HttpRequest.newBuilder(s.uri("/dashboard/"))).body();
      // No inline script and nothing from another host: every script has a local src.
      assertThat(page)
          .doesNotContain("<script>")
          .doesNotContain("http://")
          .doesNotContain("https://");
      String app = send(HttpRequest.newBuilder(s.uri("/dashboard/app.js"))).body();
      assertThat(app).doesNotContain("innerHTML").doesNotContain("insertAdjacentHTML");
      assertThat(send(HttpRequest.newBuilder(s.uri("/dashboard/../pom.xml"))).statusCode())
          .isEqualTo(404);
      assertThat(URI.create(s.server.url()).getHost()).isEqualTo("localhost");
    }
  }
}
