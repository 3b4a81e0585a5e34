package dev.beacon.server.web;

import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.auth.ProductRegistry;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.PublicFigures;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A product's public transparency page, opt-in ({@code products.<p>.public = true}): {@code GET
 * /public/{p}} (HTML, no login, no script, no cookie, nothing from elsewhere, a strict CSP) and
 * {@code GET /public/{p}.json}, its twin. What the product collects (report fields and event names
 * that at least k installations sent) and its installations per week by version, OS and
 * architecture over the last {@value #WEEKS} weeks, every bucket under k merged into "other" on the
 * server (see {@link PublicFigures}). Computed at most once per {@link #CACHE_FOR} per product.
 */
final class PublicPage implements HttpService {
  static final int WEEKS = 12;
  static final Duration CACHE_FOR = Duration.ofMinutes(10);

  private static final String STYLE =
      "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
          + "color:#111827;line-height:1.5}h1{font-size:1.6rem}table{border-collapse:collapse;"
          + "margin:.5rem 0 1.5rem}th,td{text-align:left;padding:.25rem .75rem;"
          + "border-bottom:1px solid #e5e7eb}td.num{text-align:right}meter{width:12rem}"
          + "code{background:#f3f4f6;padding:0 .25rem}.muted{color:#4b5563}";
  private static final String CSP =
      "default-src 'none'; style-src '"
          + sha256(STYLE)
          + "'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

  private final ProductRegistry products;
  private final PublicFigures figures;
  private final Set<String> publicProducts;
  private final int minInstallations;
  private final Responses responses;
  private final Map<String, Cached> cache = new ConcurrentHashMap<>();

  private record Cached(Instant at, Map<String, Object> figures) {}

  PublicPage(
      ProductRegistry products,
      EventStore store,
      Set<String> publicProducts,
      int minInstallations,
      Responses responses) {
    this.products = products;
    this.figures = PublicFigures.of(store);
    this.publicProducts = publicProducts;
    this.minInstallations = minInstallations;
    this.responses = responses;
  }

  @Override
  public void routing(HttpRules rules) {
    rules.get("/public/{page}", this::page);
  }

  private void page(ServerRequest req, ServerResponse res) {
    String page = req.path().pathParameters().get("page");
    boolean json = page.endsWith(".json");
    String product = json ? page.substring(0, page.length() - 5) : page;
    if (!publicProducts.contains(product) || !products.exists(product)) {
      // One answer for a product that is not public and one that does not exist.
      throw new Refusal(Kind.NOT_FOUND, "not_found", "no public page for '" + product + "'");
    }
    Map<String, Object> f = figures(product);
    res.header(HeaderNames.CACHE_CONTROL, "public, max-age=" + CACHE_FOR.toSeconds());
    res.header(HeaderNames.create("X-Content-Type-Options"), "nosniff");
    res.header(HeaderNames.create("Referrer-Policy"), "no-referrer");
    res.header(HeaderNames.create("Content-Security-Policy"), CSP);
    if (json) {
      responses.json(res, 200, f);
      return;
    }
    res.header(HeaderNames.CONTENT_TYPE, "text/html; charset=utf-8");
    res.send(html(f).getBytes(StandardCharsets.UTF_8));
  }

  /** The figures of a product, computed once per {@link #CACHE_FOR} (one computation at a time). */
  private Map<String, Object> figures(String product) {
    Cached c = cache.get(product);
    if (c != null && c.at().plus(CACHE_FOR).isAfter(Instant.now())) {
      return c.figures();
    }
    synchronized (this) {
      c = cache.get(product);
      if (c != null && c.at().plus(CACHE_FOR).isAfter(Instant.now())) {
        return c.figures();
      }
      Map<String, Object> f = compute(product);
      cache.put(product, new Cached(Instant.now(), f));
      return f;
    }
  }

  private int k() {
    return Math.max(minInstallations, products.minInstallations());
  }

  Map<String, Object> compute(String product) {
    int k = k();
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    LocalDate since = today.minusWeeks(WEEKS - 1L);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("product", product);
    m.put("generated_at", Instant.now().toString());
    m.put("min_installations", k);
    m.put("weeks", WEEKS);
    m.put(
        "collects",
        Map.of(
            "report_fields", figures.reportFields(product, since, k),
            "events", figures.eventNames(product, since, k)));
    Map<String, Object> installations = new LinkedHashMap<>();
    for (String dimension : PublicFigures.DIMENSIONS) {
      List<Map<String, Object>> weeks =
          figures.overTime(product, since, dimension, k).entrySet().stream()
              .map(
                  e -> {
                    Map<String, Object> w = new LinkedHashMap<>();
                    w.put("week", e.getKey().toString());
                    w.put(
                        "buckets",
                        e.getValue().stream()
                            .map(b -> Map.of("name", b.name(), "installations", b.installations()))
                            .toList());
                    return w;
                  })
              .toList();
      installations.put(dimension, weeks);
    }
    m.put("installations", installations);
    return m;
  }

  @SuppressWarnings("unchecked")
  private static String html(Map<String, Object> f) {
    String product = (String) f.get("product");
    StringBuilder h =
        new StringBuilder("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<title>What ")
        .append(esc(product))
        .append(" sends</title><style>")
        .append(STYLE)
        .append("</style></head><body><h1>What ")
        .append(esc(product))
        .append(" sends, and what its makers see</h1>")
        .append(
            "<p class=\"muted\">Anonymous usage telemetry, as stored by its makers' Beacon server.")
        .append(" No name, address, host name, path or URL is sent or kept. Groups of fewer than ")
        .append(f.get("min_installations"))
        .append(
            " installations are merged into \"other\" (and left out while \"other\" is that small).")
        .append(" Generated ")
        .append(esc((String) f.get("generated_at")))
        .append("; the same figures as JSON: <a href=\"")
        .append(esc(product))
        .append(".json\">")
        .append(esc(product))
        .append(".json</a>.</p>");
    Map<String, List<String>> collects = (Map<String, List<String>>) f.get("collects");
    h.append("<h2>What is collected</h2><h3>Fields of the periodic report</h3>");
    list(h, collects.get("report_fields"));
    h.append("<h3>Events</h3>");
    list(h, collects.get("events"));
    Map<String, List<Map<String, Object>>> inst =
        (Map<String, List<Map<String, Object>>>) f.get("installations");
    for (String dimension : PublicFigures.DIMENSIONS) {
      List<Map<String, Object>> weeks = inst.get(dimension);
      h.append("<h2>Installations by ")
          .append(
              dimension.equals("arch") ? "architecture" : dimension.equals("os") ? "OS" : dimension)
          .append(", per week</h2>");
      if (weeks.isEmpty()) {
        h.append("<p class=\"muted\">Nothing to show yet.</p>");
        continue;
      }
      h.append("<table><thead><tr><th scope=\"col\">week of</th><th scope=\"col\">")
          .append(esc(dimension))
          .append(
              "</th><th scope=\"col\">installations</th><th scope=\"col\">share</th></tr></thead><tbody>");
      for (Map<String, Object> w : weeks) {
        List<Map<String, Object>> buckets = (List<Map<String, Object>>) w.get("buckets");
        long total = 0;
        for (Map<String, Object> b : buckets) {
          total += ((Number) b.get("installations")).longValue();
        }
        for (Map<String, Object> b : buckets) {
          long n = ((Number) b.get("installations")).longValue();
          h.append("<tr><td>")
              .append(esc((String) w.get("week")))
              .append("</td><td>")
              .append(esc((String) b.get("name")))
              .append("</td><td class=\"num\">")
              .append(n)
              .append("</td><td><meter min=\"0\" max=\"")
              .append(total)
              .append("\" value=\"")
              .append(n)
              .append("\">")
              .append(total == 0 ? 0 : Math.round(100.0 * n / total))
              .append(" %</meter></td></tr>");
        }
      }
      h.append("</tbody></table>");
    }
    h.append("<p class=\"muted\">Made with Beacon. The product's operator can switch telemetry off")
        .append(
            " (<code>DO_NOT_TRACK=1</code>), see exactly what is sent, and have an installation's")
        .append(" data erased.</p></body></html>");
    return h.toString();
  }

  private static void list(StringBuilder h, List<String> items) {
    if (items.isEmpty()) {
      h.append("<p class=\"muted\">None yet.</p>");
      return;
    }
    h.append("<ul>");
    for (String i : items) {
      h.append("<li><code>").append(esc(i)).append("</code></li>");
    }
    h.append("</ul>");
  }

  /** Text as HTML text or attribute value. */
  static String esc(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(c);
      }
    }
    return sb.toString();
  }

  private static String sha256(String s) {
    try {
      return "sha256-"
          + Base64.getEncoder()
              .encodeToString(
                  MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
