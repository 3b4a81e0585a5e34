package dev.beacon.server.web;

import dev.beacon.sdk.UiRelay;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The dashboard's files, from the jar: a page, its ES module and stylesheet, and Chart.js from its
 * WebJar; nothing from outside, so it works offline. A Content-Security-Policy allows scripts and
 * styles from this server only, and no inline script.
 */
final class DashboardRoutes implements HttpService {
  static final String CSP =
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:;"
          + " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none';"
          + " form-action 'self'";

  /** URL path to classpath resource and media type: the only files served. */
  private static final Map<String, String[]> FILES =
      Map.of(
          "/dashboard/",
          new String[] {"dashboard/index.html", "text/html; charset=utf-8"},
          "/dashboard/app.js",
          new String[] {"dashboard/app.js", "text/javascript; charset=utf-8"},
          "/dashboard/style.css",
          new String[] {"dashboard/style.css", "text/css; charset=utf-8"},
          "/dashboard/vendor/chart.umd.js",
          new String[] {
            "META-INF/resources/webjars/chart.js/" + chartJsVersion() + "/dist/chart.umd.js",
            "text/javascript; charset=utf-8"
          });

  /** Read from the jar once: the files cannot change while the server runs. */
  private final Map<String, byte[]> bodies = new HashMap<>();

  private final byte[] script = UiRelay.script();

  DashboardRoutes() {
    FILES.forEach((path, file) -> bodies.put(path, read(file[0])));
  }

  @Override
  public void routing(HttpRules rules) {
    rules.get(
        "/",
        (req, res) -> {
          res.status(302);
          res.header(HeaderNames.LOCATION, "/dashboard/");
          res.send();
        });
    rules.get("/dashboard", (req, res) -> serve("/dashboard/", res));
    rules.get(
        "/favicon.ico",
        (req, res) -> {
          res.status(204);
          res.send();
        });
    for (String path : FILES.keySet()) {
      rules.get(path, (req, res) -> serve(path, res));
    }
    // The web UI script (issue 13), as the SDK ships it: for pages that report directly here.
    rules.get(
        "/js/beacon.js",
        (req, res) -> {
          res.header(HeaderNames.CONTENT_TYPE, "text/javascript; charset=utf-8");
          res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
          res.header(HeaderNames.CACHE_CONTROL, "public, max-age=3600");
          res.header(HeaderNames.create("Cross-Origin-Resource-Policy"), "cross-origin");
          res.send(script);
        });
  }

  private void serve(String path, ServerResponse res) {
    byte[] body = bodies.get(path);
    res.header(HeaderNames.CONTENT_TYPE, FILES.get(path)[1]);
    res.header(HeaderNames.create("Content-Security-Policy"), CSP);
    res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
    res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
    res.header(HeaderNames.create("X-Frame-Options"), "DENY");
    res.header(HeaderNames.CACHE_CONTROL, "no-cache");
    res.send(body);
  }

  private static byte[] read(String resource) {
    try (InputStream in = DashboardRoutes.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing from the jar: " + resource);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Chart.js WebJar's version, from its own pom.properties. */
  private static String chartJsVersion() {
    try (InputStream in =
        DashboardRoutes.class
            .getClassLoader()
            .getResourceAsStream("META-INF/maven/org.webjars.npm/chart.js/pom.properties")) {
      Properties p = new Properties();
      if (in != null) {
        p.load(in);
      }
      return p.getProperty("version", "4.5.1");
    } catch (IOException e) {
      return "4.5.1";
    }
  }
}
