package dev.beacon.server.web;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.protocol.Wire;
import dev.beacon.server.BuildInfo;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.auth.ApiToken;
import dev.beacon.server.auth.ProductRegistry;
import dev.beacon.server.backup.Backups;
import dev.beacon.server.export.EventExport;
import dev.beacon.server.export.ExportFormat;
import dev.beacon.server.export.ExportWindow;
import dev.beacon.server.ingest.BodyReader;
import dev.beacon.server.ingest.Committer;
import dev.beacon.server.ingest.IngestService;
import dev.beacon.server.ingest.JsonReader;
import dev.beacon.server.limits.RateLimiter;
import dev.beacon.server.storage.Erased;
import dev.beacon.server.storage.EventStore;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Control of the stored data: erasing an installation (by an admin, or by the installation itself
 * with its product's write key and its id, which is the proof), the audit log that records each
 * erasure without the id, the export of a product's events, and backups of the embedded store.
 */
final class DataRoutes implements HttpService {
  /** Erasures an installation may ask for, per product: a few a minute, a burst of ten. */
  static final double FORGETS_PER_SECOND = 0.1;

  /** The longest installation id an event may carry (as the ingest checks it). */
  static final int MAX_ID = 128;

  private final ProductRegistry products;
  private final EventStore store;
  private final Committer writer;
  private final IngestService ingest;
  private final AdminAccess access;
  private final JsonReader json;
  private final Responses responses;
  private final RequestDeadlines deadlines;
  private final BodyReader bodies;
  private final Path temp;
  private final Path dataDir;
  private final boolean embedded;
  private final RateLimiter forgets = new RateLimiter(FORGETS_PER_SECOND, 10);

  DataRoutes(
      ProductRegistry products,
      EventStore store,
      Committer writer,
      IngestService ingest,
      AdminAccess access,
      JsonReader json,
      Responses responses,
      RequestDeadlines deadlines,
      BodyReader bodies,
      Path dataDir,
      boolean embedded) {
    this.dataDir = dataDir;
    this.temp = dataDir.resolve("tmp");
    this.embedded = embedded;
    this.bodies = bodies.atMost(4096);
    this.products = products;
    this.store = store;
    this.writer = writer;
    this.ingest = ingest;
    this.access = access;
    this.json = json;
    this.responses = responses;
    this.deadlines = deadlines;
  }

  @Override
  public void routing(HttpRules rules) {
    rules.delete(
        "/api/v1/products/{product}/installations/{id}",
        access.reader(
            ApiToken.ERASE,
            (req, res) -> {
              String product = RequestParams.knownProduct(req, products);
              String id = installation(req.path().pathParameters().get("id"));
              erased(res, erase(product, id, AdminAccess.actor(req)));
            }));
    rules.get(
        "/api/v1/audit",
        access.admin(
            (req, res) -> {
              int limit = RequestParams.intParam(req, "limit", 100, 1, 10_000);
              var t = store.auditLog(limit);
              responses.json(res, 200, Map.of("columns", t.columns(), "rows", t.rows()));
            }));
    rules.get("/api/v1/products/{product}/export", access.reader(ApiToken.EXPORT, this::export));
    rules.get("/api/v1/backup", access.admin(this::backup));
    rules.post(Wire.FORGET_PATH, this::forget);
  }

  /** Every stored field of a product's events in a window, streamed (see {@link EventExport}). */
  private void export(ServerRequest req, ServerResponse res) throws IOException {
    String product = RequestParams.knownProduct(req, products);
    ExportFormat format;
    try {
      format = ExportFormat.of(req.query().first("format").orElse("jsonl"));
    } catch (IllegalArgumentException e) {
      throw new Refusal(Kind.BAD_REQUEST, "invalid_parameter", e.getMessage());
    }
    ExportWindow window;
    try {
      window =
          ExportWindow.of(
              req.query().first("from").orElse(null),
              req.query().first("to").orElse(null),
              req.query().first("days").isPresent()
                  ? RequestParams.intParam(req, "days", 30, 1, 36_500)
                  : null);
    } catch (IllegalArgumentException e) {
      throw new Refusal(Kind.BAD_REQUEST, "invalid_parameter", e.getMessage());
    }
    res.header(HeaderNames.CONTENT_TYPE, format.contentType);
    res.header(
        HeaderNames.CONTENT_DISPOSITION,
        "attachment; filename=\"" + product + "-events." + format.extension + "\"");
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    try (OutputStream out = res.outputStream()) {
      EventExport.write(store, product, window.from(), window.to(), format, out, temp);
    }
  }

  /** A consistent backup of the running embedded store and products.json, as a ZIP stream. */
  private void backup(ServerRequest req, ServerResponse res) throws IOException {
    if (!embedded) {
      throw new Refusal(
          Kind.CONFLICT,
          "conflict",
          "PostgreSQL is backed up with pg_dump (see the README's backups section), not here");
    }
    res.header(HeaderNames.CONTENT_TYPE, "application/zip");
    res.header(
        HeaderNames.CONTENT_DISPOSITION,
        "attachment; filename=\"beacon-backup-" + Instant.now().getEpochSecond() + ".zip\"");
    res.header(HeaderNames.CACHE_CONTROL, "no-store");
    try (OutputStream out = res.outputStream()) {
      Backups.write(store, dataDir, BuildInfo.version(), out, temp);
    }
  }

  /** An installation's own request: the write key as for a batch, its id in the body. */
  private void forget(ServerRequest req, ServerResponse res) throws IOException {
    String basicUser =
        IngestRoutes.basicUser(req.headers().first(HeaderNames.AUTHORIZATION).orElse(null));
    String product = null;
    if (basicUser != null) {
      product = ingest.authenticate(basicUser, null);
    }
    BodyReader.requireJson(req.headers().first(HeaderNames.CONTENT_TYPE).orElse(null));
    JsonNode body;
    try (InputStream in = deadlines.body(req)) {
      body =
          json.read(
              bodies.read(
                  in,
                  req.headers().contentLength().orElse(-1),
                  req.headers().first(HeaderNames.CONTENT_ENCODING).orElse(null)));
    }
    if (product == null) {
      product = ingest.authenticate(null, body);
    }
    forgets.acquire(product, "erasure requests of product " + product);
    JsonNode id = body.path(Wire.ANONYMOUS_ID);
    if (!id.isTextual()) {
      throw new Refusal(
          Kind.BAD_REQUEST, "invalid_event", "send {\"anonymousId\": \"<installation id>\"}");
    }
    erased(res, erase(product, installation(id.asText()), "installation (self)"));
  }

  /** From the store, and from what is still on its way to it (a scale-out's event log). */
  private Erased erase(String product, String installation, String actor) {
    Erased e = store.erase(product, installation, actor);
    writer.erased(product, installation, actor);
    return e;
  }

  private static String installation(String id) {
    if (id == null || id.isBlank() || id.length() > MAX_ID) {
      throw new Refusal(
          Kind.BAD_REQUEST,
          "invalid_parameter",
          "an installation id is 1 to " + MAX_ID + " characters, not blank");
    }
    return id;
  }

  private void erased(ServerResponse res, Erased e) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("deleted", e.events());
    m.put("quarantined", e.quarantined());
    m.put("rollup_rows", e.rollupRows());
    responses.json(res, 200, m);
  }
}
