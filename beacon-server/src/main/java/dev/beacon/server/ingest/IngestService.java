package dev.beacon.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.protocol.Limits;
import dev.beacon.protocol.Wire;
import dev.beacon.server.Refusal;
import dev.beacon.server.Refusal.Kind;
import dev.beacon.server.auth.ProductRegistry;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.limits.DailyBudget;
import dev.beacon.server.limits.RateLimiter;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.QuarantinedEvent;
import dev.beacon.server.storage.StoredEvent;
import dev.beacon.server.storage.Write;
import dev.beacon.server.storage.Written;
import io.micrometer.core.instrument.MeterRegistry;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * What every ingest endpoint does once its body is read and parsed: authenticate, rate-limit, map
 * and validate each event, quarantine the invalid ones, and wait for the group commit of the valid
 * ones before answering. An answer therefore means the events are durable.
 */
public final class IngestService {
  /** Most events in one batch request. */
  static final int MAX_BATCH_EVENTS = Limits.MAX_BATCH_MESSAGES;

  /** Largest batch {@code context} (allow-listed, serialized): it is merged into every event. */
  static final int MAX_BATCH_CONTEXT_BYTES = 16 * 1024;

  /** What happened to each event of a request. */
  public record Outcome(int accepted, int duplicates, List<Rejected> rejected) {
    public boolean nothingAccepted() {
      return accepted == 0 && duplicates == 0;
    }
  }

  /** One refused event: its position in the request, its id if it had one, and why. */
  public record Rejected(int index, String messageId, String reason, long quarantineId) {}

  private final ServerConfig config;
  private final ProductRegistry products;
  private final EventStore store;
  private final Committer writer;
  private final ObjectMapper mapper;
  private final EventMapper events;
  private final QuarantineRows quarantineRows;
  private final RateLimiter perKey;
  private final RateLimiter emqxLimiter;
  private final RateLimiter emqxPerSource;
  private final DailyBudget emqxBytes;
  private final MeterRegistry metrics;
  private final OtlpMapper otlp;
  private final RateLimiter otlpPerSource;
  private final RateLimiter browserPerInstallation =
      new RateLimiter(BROWSER_REQUESTS_PER_SECOND, (int) (BROWSER_REQUESTS_PER_SECOND * 10));

  public IngestService(
      ServerConfig config,
      ProductRegistry products,
      EventStore store,
      Committer writer,
      JsonReader json,
      MeterRegistry metrics) {
    this.config = config;
    this.products = products;
    this.store = store;
    this.writer = writer;
    this.mapper = json.mapper();
    this.quarantineRows = new QuarantineRows(mapper);
    this.events = new EventMapper(mapper, config.limits().maxEventBytes(), products::retentionDays);
    this.perKey =
        new RateLimiter(config.limits().requestsPerSecondPerKey(), config.limits().burstPerKey());
    this.emqxLimiter =
        new RateLimiter(
            config.limits().emqxRequestsPerSecond(),
            (int) Math.max(1, config.limits().emqxRequestsPerSecond() * 2));
    double perSource = config.limits().emqxRequestsPerSecondPerSource();
    // A cluster's nodes behind one address send their reports at about the same time.
    this.emqxPerSource = new RateLimiter(perSource, (int) Math.max(10, perSource * 10));
    this.emqxBytes = new DailyBudget(config.limits().emqxMaxBytesPerDay());
    this.metrics = metrics;
    this.otlp = new OtlpMapper(json);
    double otlpRate = config.compat().otlpRequestsPerSecondPerSource();
    this.otlpPerSource = new RateLimiter(otlpRate, (int) Math.max(10, otlpRate * 10));
  }

  /**
   * Authenticates a Segment-style request: the write key from HTTP Basic, or {@code writeKey} in
   * the body.
   *
   * @return the product
   */
  public String authenticate(String basicUser, JsonNode body) {
    String key = basicUser;
    if ((key == null || key.isEmpty()) && body != null && body.path(Wire.WRITE_KEY).isTextual()) {
      key = body.path(Wire.WRITE_KEY).asText();
    }
    if (key == null || key.isEmpty()) {
      throw new Refusal(
          Kind.UNAUTHORIZED,
          "missing_write_key",
          "no write key: send it as the HTTP Basic user name or as writeKey in the body");
    }
    String product = products.productForKey(key);
    if (product == null) {
      throw new Refusal(Kind.UNAUTHORIZED, "unknown_write_key", "unknown write key");
    }
    perKey.acquire(product);
    return product;
  }

  /**
   * Authenticates a request by its write key, however the protocol carries it.
   *
   * @param how where the key goes, for the error when there is none
   * @return the product
   */
  public String authenticateKey(String key, String how) {
    if (key == null || key.isEmpty()) {
      throw new Refusal(Kind.UNAUTHORIZED, "missing_write_key", "no write key: " + how);
    }
    String product = products.productForKey(key);
    if (product == null) {
      throw new Refusal(Kind.UNAUTHORIZED, "unknown_write_key", "unknown write key");
    }
    perKey.acquire(product);
    return product;
  }

  /**
   * The product of an OTLP request that carries no key ({@code compat.otlp.product}, for CLIs such
   * as werf whose endpoint takes none), after the sender's and the product's rates.
   *
   * @return null when no product is open for OTLP
   */
  public String openOtlpProduct(String sourceKey) {
    String product = config.compat().otlpProduct();
    if (product == null) {
      return null;
    }
    otlpPerSource.acquire(sourceKey, "one sender of the open OTLP endpoint");
    perKey.acquire(product);
    return product;
  }

  /**
   * Maps, validates and stores the events of a Segment-style request; the refused ones are kept in
   * quarantine, in the same commit.
   *
   * @param endpoint {@code batch}, {@code import}, {@code track}, {@code identify}, {@code group},
   *     {@code page}, {@code screen} or {@code alias}
   */
  public Outcome segment(String product, String endpoint, JsonNode body, Instant receivedAt) {
    boolean single = !endpoint.equals(Wire.BATCH) && !endpoint.equals(Wire.IMPORT_ENDPOINT);
    List<JsonNode> items = single ? List.of(body) : batchItems(body);
    EventMapper.BatchContext context;
    try {
      context =
          single
              ? EventMapper.BatchContext.NONE
              : events.batchContext(body.get(Wire.CONTEXT), MAX_BATCH_CONTEXT_BYTES);
    } catch (InvalidEvent e) {
      throw new Refusal(
          e.tooLarge() ? Kind.TOO_LARGE : Kind.BAD_REQUEST, "invalid_context", e.getMessage());
    }
    List<Translated> translated = new ArrayList<>(items.size());
    for (JsonNode item : items) {
      translated.add(Translated.of(item));
    }
    return store(
        product,
        Protocol.SEGMENT,
        "/v1/" + endpoint,
        translated,
        context,
        single ? endpoint : null,
        receivedAt);
  }

  /**
   * The product whose browser key this is ({@code products.<p>.browser_key}), after the product's
   * rate; null when it is none.
   */
  public String browserProduct(String key) {
    if (key == null || key.isEmpty()) {
      return null;
    }
    byte[] presented = key.getBytes(StandardCharsets.UTF_8);
    String found = null;
    for (Map.Entry<String, String> e : config.compat().browserKeys().entrySet()) {
      if (MessageDigest.isEqual(e.getValue().getBytes(StandardCharsets.UTF_8), presented)) {
        found = e.getKey();
      }
    }
    if (found != null) {
      perKey.acquire(found);
    }
    return found;
  }

  /**
   * A Segment request written with a browser key (beacon.js's direct mode): only page views and
   * track events pass (anything else is refused with its reason), each as library {@code
   * beacon-js}, at most {@link #BROWSER_REQUESTS_PER_SECOND} requests a second per installation.
   */
  public Outcome segmentFromBrowser(
      String product, String endpoint, JsonNode body, Instant receivedAt) {
    boolean single = !endpoint.equals(Wire.BATCH) && !endpoint.equals(Wire.IMPORT_ENDPOINT);
    List<JsonNode> items = single ? List.of(body) : batchItems(body);
    List<Translated> translated = new ArrayList<>(items.size());
    Set<String> installations = new HashSet<>();
    for (JsonNode item : items) {
      if (!(item instanceof ObjectNode o)) {
        translated.add(Translated.of(item));
        continue;
      }
      String wrong = BrowserEvents.refusal(o, o.path(Wire.TYPE).asText(single ? endpoint : ""));
      if (wrong != null) {
        translated.add(Translated.refused(o, wrong));
        continue;
      }
      installations.add(o.path(Wire.ANONYMOUS_ID).asText());
      translated.add(Translated.of(o));
    }
    for (String installation : installations) {
      browserPerInstallation.acquire(
          product + "\u0000" + installation, "one installation's web UI");
    }
    return store(
        product,
        Protocol.SEGMENT,
        "/v1/" + endpoint,
        translated,
        EventMapper.BatchContext.NONE,
        single ? endpoint : null,
        receivedAt);
  }

  /** Requests a second one installation's web UI may send with a browser key (burst: ten times). */
  static final double BROWSER_REQUESTS_PER_SECOND = 20;

  /** The protocols ingest speaks: a label of its counters. */
  enum Protocol {
    SEGMENT("segment"),
    EMQX("emqx"),
    OTLP("otlp"),
    POSTHOG("posthog");

    final String label;

    Protocol(String label) {
      this.label = label;
    }
  }

  /** Spans of an OTLP export request, each an event (werf's as the SDK's command events). */
  public Outcome otlpSpans(String product, ExportTraceServiceRequest request, Instant receivedAt) {
    requireAtMost(OtlpMapper.count(request), "spans");
    return store(
        product,
        Protocol.OTLP,
        "/v1/traces",
        otlp.spans(product, request),
        EventMapper.BatchContext.NONE,
        null,
        receivedAt);
  }

  /** Log records of an OTLP export request, each an event. */
  public Outcome otlpLogs(String product, ExportLogsServiceRequest request, Instant receivedAt) {
    requireAtMost(OtlpMapper.count(request), "log records");
    return store(
        product,
        Protocol.OTLP,
        "/v1/logs",
        otlp.logs(request),
        EventMapper.BatchContext.NONE,
        null,
        receivedAt);
  }

  /**
   * A PostHog capture request, read once: its events, and the product its project token (the
   * product's write key) names, the envelope's, else the one every event and the query agree on.
   */
  public static final class PostHogCapture {
    private final String product;
    private final PostHogMapper.Request request;

    private PostHogCapture(String product, PostHogMapper.Request request) {
      this.product = product;
      this.request = request;
    }

    /** The product the request's token authenticated. */
    public String product() {
      return product;
    }
  }

  /**
   * Reads and authenticates a PostHog capture request; nothing is stored yet.
   *
   * @param queryToken {@code token} or {@code api_key} of the query, or null
   * @param querySentAt {@code _} or {@code sent_at} of the query (milliseconds), or null
   * @param defaultEvent the event of a record that names none ({@code /engage}), or null
   */
  public PostHogCapture posthogCapture(
      JsonNode body, String queryToken, String querySentAt, String defaultEvent) {
    PostHogMapper.Request r =
        PostHogMapper.request(body, queryToken, querySentAt, MAX_BATCH_EVENTS, defaultEvent);
    String token = r.token();
    if (token != null && token.startsWith("phx_")) {
      throw new Refusal(
          Kind.UNAUTHORIZED,
          "personal_key",
          "phx_ keys are PostHog personal API keys; send the product's Beacon write key as the"
              + " project token (api_key)");
    }
    String product =
        authenticateKey(
            token,
            "send the product's write key as the project token (posthog.init(key), api_key in the"
                + " body, or ?token= in the query)");
    return new PostHogCapture(product, r);
  }

  /**
   * The events of a PostHog capture request, each stored or refused (quarantined with its reason).
   *
   * @param endpoint the path it came to, for the quarantine
   */
  public Outcome posthog(PostHogCapture capture, String endpoint, Instant receivedAt) {
    PostHogMapper.Request r = capture.request;
    Duration skew = PostHogMapper.skew(r.sentAt(), receivedAt);
    List<Translated> translated = new ArrayList<>(r.events().size());
    for (JsonNode e : r.events()) {
      translated.add(PostHogMapper.event(e, receivedAt, skew));
    }
    return store(
        capture.product,
        Protocol.POSTHOG,
        endpoint,
        translated,
        EventMapper.BatchContext.NONE,
        null,
        receivedAt);
  }

  private static void requireAtMost(int n, String what) {
    if (n > MAX_BATCH_EVENTS) {
      throw new Refusal(
          Kind.TOO_LARGE,
          "batch_too_large",
          "the request has " + n + " " + what + "; the limit is " + MAX_BATCH_EVENTS);
    }
  }

  /**
   * Validates and stores translated events (quarantining the refused ones in the same commit).
   *
   * @param single the endpoint takes one event, whose refusal refuses the request; its type when
   *     the event names none
   */
  private Outcome store(
      String product,
      Protocol protocol,
      String endpoint,
      List<Translated> items,
      EventMapper.BatchContext context,
      String single,
      Instant receivedAt) {
    List<StoredEvent> valid = new ArrayList<>(items.size());
    List<Integer> invalid = new ArrayList<>();
    List<InvalidEvent> reasons = new ArrayList<>();
    List<JsonNode> invalidItems = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      Translated item = items.get(i);
      try {
        if (item.refusal() != null) {
          throw new InvalidEvent(item.refusal());
        }
        valid.add(events.segment(product, item.event(), context, single, receivedAt));
      } catch (InvalidEvent e) {
        invalid.add(i);
        reasons.add(e);
        invalidItems.add(item.event());
      }
    }
    Write.Kept kept =
        quarantineRows.toKeep(product, endpoint, reasons, invalidItems, context, receivedAt);
    Written written = commit(new Write(valid, kept == null ? List.of() : List.of(kept), List.of()));
    List<Rejected> rejected =
        QuarantineRows.rejected(
            invalid, reasons, invalidItems, kept == null ? null : written.keptIds().get(0));
    if (kept != null) {
      metrics
          .counter("beacon_quarantined_events_total", "product", product)
          .increment(kept.rejections().size());
    }
    if (single != null && !rejected.isEmpty()) {
      Rejected r = rejected.get(0);
      throw new Refusal(
          reasons.get(0).tooLarge() ? Kind.TOO_LARGE : Kind.BAD_REQUEST,
          "invalid_event",
          r.reason()
              + (r.quarantineId() > 0 ? " (kept in quarantine as #" + r.quarantineId() + ")" : ""));
    }
    return outcome(product, protocol, written.stored(), rejected);
  }

  /**
   * Before an EMQX report's body is read: the endpoint is configured, the sender ({@link
   * SourceKeys}) and the endpoint as a whole are within their rates, and today's byte budget is not
   * spent. The endpoint takes no credentials, so nothing is parsed for a sender refused here.
   */
  public void admitEmqx(String sourceKey) {
    if (config.emqxProduct() == null) {
      throw new Refusal(
          Kind.NOT_FOUND,
          "emqx_not_configured",
          "EMQX-style reports are not accepted here: set BEACON_COMPAT__EMQX__PRODUCT");
    }
    emqxPerSource.acquire(sourceKey, "one sender of the EMQX endpoint");
    emqxLimiter.acquire("the EMQX endpoint");
    emqxBytes.requireLeft();
  }

  /** Largest EMQX report body read, before decompression and after. */
  public int emqxMaxReportBytes() {
    return config.limits().emqxMaxReportBytes();
  }

  public Outcome emqx(JsonNode report, byte[] raw, Instant receivedAt) {
    String product = config.emqxProduct();
    if (product == null) {
      throw new Refusal(
          Kind.NOT_FOUND,
          "emqx_not_configured",
          "EMQX-style reports are not accepted here: set BEACON_COMPAT__EMQX__PRODUCT");
    }
    try {
      StoredEvent mapped = events.emqx(product, report, raw, receivedAt);
      emqxBytes.spend(mapped.properties().length());
      return outcome(
          product, Protocol.EMQX, commit(Write.events(List.of(mapped))).stored(), List.of());
    } catch (InvalidEvent e) {
      // Not kept: the EMQX endpoint takes no credentials, and the quarantine is for events
      // whose sender is known (anyone could fill it otherwise).
      throw new Refusal(
          e.tooLarge() ? Kind.TOO_LARGE : Kind.BAD_REQUEST, "invalid_report", e.getMessage());
    }
  }

  /** One quarantined event of a product; 404 when there is none with that id. */
  public QuarantinedEvent quarantined(String product, long id) {
    return store
        .quarantinedEvent(product, id)
        .orElseThrow(() -> new Refusal(Kind.NOT_FOUND, "not_found", "no quarantined event #" + id));
  }

  /** Validates a quarantined event again (after a fix) and stores it if it passes now. */
  public Outcome replay(String product, long id) {
    QuarantinedEvent q = quarantined(product, id);
    JsonNode wrapper;
    try {
      wrapper = mapper.readTree(q.raw());
    } catch (IOException e) {
      throw new Refusal(Kind.BAD_REQUEST, "unreadable", "quarantined event is unreadable");
    }
    if (wrapper.path("truncated").asBoolean(false)) {
      return new Outcome(
          0,
          0,
          List.of(
              new Rejected(0, null, "kept only in part (it was too large): cannot replay", id)));
    }
    String endpoint = wrapper.path("endpoint").asText();
    JsonNode event = wrapper.path("event");
    Instant now = Instant.now();
    StoredEvent mapped;
    try {
      EventMapper.BatchContext context =
          events.batchContext(wrapper.get("batchContext"), MAX_BATCH_CONTEXT_BYTES);
      mapped =
          endpoint.equals(Wire.EMQX_PATH)
              ? events.emqx(product, event, event.toString().getBytes(StandardCharsets.UTF_8), now)
              : events.segment(product, event, context, defaultType(endpoint), now);
    } catch (InvalidEvent e) {
      return new Outcome(0, 0, List.of(new Rejected(0, null, e.getMessage(), id)));
    }
    // Stored and released in one transaction: a crash leaves the event in quarantine or stored,
    // never both, never neither.
    Written written =
        commit(new Write(List.of(mapped), List.of(), List.of(new Write.Released(product, id))));
    return outcome(product, Protocol.SEGMENT, written.stored(), List.of());
  }

  private static String defaultType(String endpoint) {
    String e = endpoint.substring(endpoint.lastIndexOf('/') + 1);
    return e.equals(Wire.BATCH) || e.equals(Wire.IMPORT_ENDPOINT) ? null : e;
  }

  /** Hands the write to the group-commit writer and waits for its commit, within the timeout. */
  private Written commit(Write write) {
    try {
      return writer
          .submit(write)
          .get(config.writer().ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new Refusal(
          Kind.OVERLOADED, "commit_timeout", "the events were not committed in time; retry", 1);
    } catch (ExecutionException e) {
      throw new Refusal(Kind.OVERLOADED, "storage_unavailable", "storage is unavailable; retry", 5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new Refusal(Kind.OVERLOADED, "interrupted", "interrupted; retry", 1);
    }
  }

  private Outcome outcome(
      String product, Protocol protocol, boolean[] stored, List<Rejected> rejected) {
    int accepted = 0;
    for (boolean s : stored) {
      if (s) {
        accepted++;
      }
    }
    int duplicates = stored.length - accepted;
    metrics
        .counter(
            "beacon_ingest_events_total",
            "product",
            product,
            "protocol",
            protocol.label,
            "result",
            "accepted")
        .increment(accepted);
    metrics
        .counter(
            "beacon_ingest_events_total",
            "product",
            product,
            "protocol",
            protocol.label,
            "result",
            "duplicate")
        .increment(duplicates);
    metrics
        .counter(
            "beacon_ingest_events_total",
            "product",
            product,
            "protocol",
            protocol.label,
            "result",
            "rejected")
        .increment(rejected.size());
    return new Outcome(accepted, duplicates, rejected);
  }

  private List<JsonNode> batchItems(JsonNode body) {
    if (!body.isObject()) {
      throw new Refusal(
          Kind.BAD_REQUEST,
          "invalid_batch",
          "the body must be an object with a batch array, not " + EventMapper.kind(body));
    }
    JsonNode batch = body.get(Wire.BATCH);
    if (batch == null || !batch.isArray()) {
      throw new Refusal(Kind.BAD_REQUEST, "invalid_batch", "batch must be an array of events");
    }
    if (batch.isEmpty()) {
      throw new Refusal(Kind.BAD_REQUEST, "empty_batch", "the batch is empty");
    }
    if (batch.size() > MAX_BATCH_EVENTS) {
      throw new Refusal(
          Kind.TOO_LARGE,
          "batch_too_large",
          "the batch has " + batch.size() + " events; the limit is " + MAX_BATCH_EVENTS);
    }
    List<JsonNode> items = new ArrayList<>(batch.size());
    batch.forEach(items::add);
    return items;
  }
}
