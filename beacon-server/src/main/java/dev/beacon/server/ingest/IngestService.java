package dev.beacon.server.ingest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.ingest.IngestException.Problem;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.QuarantinedEvent;
import dev.beacon.server.storage.StoredEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
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
  static final int MAX_BATCH_EVENTS = 2500;

  /** Most refused events of one request kept in quarantine. */
  static final int MAX_QUARANTINED_PER_REQUEST = 100;

  /** What happened to each event of a request. */
  public record Outcome(int accepted, int duplicates, List<Rejected> rejected) {
    public boolean nothingAccepted() {
      return accepted == 0 && duplicates == 0;
    }
  }

  /** One refused event: its position in the request, its id if it had one, and why. */
  public record Rejected(int index, String messageId, String reason, long quarantineId) {}

  private final ServerConfig config;
  private final dev.beacon.server.auth.ProductRegistry products;
  private final EventStore store;
  private final GroupCommitWriter writer;
  private final ObjectMapper mapper;
  private final EventMapper events;
  private final RateLimiter perKey;
  private final RateLimiter emqxLimiter;
  private final MeterRegistry metrics;
  private final Map<String, Counter[]> counters = new java.util.concurrent.ConcurrentHashMap<>();

  public IngestService(
      ServerConfig config,
      dev.beacon.server.auth.ProductRegistry products,
      EventStore store,
      GroupCommitWriter writer,
      ObjectMapper mapper,
      MeterRegistry metrics) {
    this.config = config;
    this.products = products;
    this.store = store;
    this.writer = writer;
    this.mapper = mapper;
    this.events = new EventMapper(mapper, config.limits().maxEventBytes());
    this.perKey =
        new RateLimiter(config.limits().requestsPerSecondPerKey(), config.limits().burstPerKey());
    this.emqxLimiter =
        new RateLimiter(
            config.limits().emqxRequestsPerSecond(),
            (int) Math.max(1, config.limits().emqxRequestsPerSecond() * 2));
    this.metrics = metrics;
  }

  /**
   * Authenticates a Segment-style request: the write key from HTTP Basic, or {@code writeKey} in
   * the body.
   *
   * @return the product
   */
  public String authenticate(String basicUser, JsonNode body) {
    String key = basicUser;
    if ((key == null || key.isEmpty()) && body != null && body.path("writeKey").isTextual()) {
      key = body.path("writeKey").asText();
    }
    if (key == null || key.isEmpty()) {
      throw new IngestException(
          Problem.UNAUTHORIZED,
          "missing_write_key",
          "no write key: send it as the HTTP Basic user name or as writeKey in the body");
    }
    String product = products.productForKey(key);
    if (product == null) {
      throw new IngestException(Problem.UNAUTHORIZED, "unknown_write_key", "unknown write key");
    }
    perKey.acquire(product);
    return product;
  }

  /**
   * @param endpoint {@code batch}, {@code import}, {@code track}, {@code identify} or {@code group}
   */
  public Outcome segment(String product, String endpoint, JsonNode body, Instant receivedAt) {
    boolean single = !endpoint.equals("batch") && !endpoint.equals("import");
    List<JsonNode> items = single ? List.of(body) : batchItems(body);
    JsonNode batchContext = single ? null : body.get("context");
    List<StoredEvent> valid = new ArrayList<>(items.size());
    List<Integer> invalid = new ArrayList<>();
    List<String> reasons = new ArrayList<>();
    List<JsonNode> invalidItems = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      JsonNode item = withBatchContext(items.get(i), batchContext);
      try {
        valid.add(events.segment(product, item, single ? endpoint : null, receivedAt));
      } catch (InvalidEvent e) {
        invalid.add(i);
        reasons.add(e.getMessage());
        invalidItems.add(item);
      }
    }
    List<Rejected> rejected =
        quarantine(product, "/v1/" + endpoint, invalid, reasons, invalidItems, receivedAt);
    if (single && !rejected.isEmpty()) {
      Rejected r = rejected.get(0);
      throw new IngestException(
          r.reason().startsWith("the event is about") ? Problem.TOO_LARGE : Problem.BAD_REQUEST,
          "invalid_event",
          r.reason() + " (kept in quarantine as #" + r.quarantineId() + ")");
    }
    return commit(product, valid, rejected);
  }

  public Outcome emqx(JsonNode report, byte[] raw, Instant receivedAt) {
    String product = config.emqxProduct();
    if (product == null) {
      throw new IngestException(
          Problem.NOT_FOUND,
          "emqx_not_configured",
          "EMQX-style reports are not accepted here: set BEACON_COMPAT__EMQX__PRODUCT");
    }
    emqxLimiter.acquire("the EMQX endpoint");
    try {
      return commit(product, List.of(events.emqx(product, report, raw, receivedAt)), List.of());
    } catch (InvalidEvent e) {
      // Not kept: the EMQX endpoint takes no credentials, and the quarantine is for events
      // whose sender is known (anyone could fill it otherwise).
      throw new IngestException(
          e.getMessage().startsWith("the report is") ? Problem.TOO_LARGE : Problem.BAD_REQUEST,
          "invalid_report",
          e.getMessage());
    }
  }

  /** Validates a quarantined event again (after a fix) and stores it if it passes now. */
  public Outcome replay(String product, long id) {
    QuarantinedEvent q =
        store
            .quarantinedEvent(product, id)
            .orElseThrow(
                () ->
                    new IngestException(
                        Problem.NOT_FOUND, "not_found", "no quarantined event #" + id));
    JsonNode wrapper;
    try {
      wrapper = mapper.readTree(q.raw());
    } catch (java.io.IOException e) {
      throw new IngestException(
          Problem.BAD_REQUEST, "unreadable", "quarantined event is unreadable");
    }
    String endpoint = wrapper.path("endpoint").asText();
    JsonNode event = wrapper.path("event");
    Instant now = Instant.now();
    StoredEvent mapped;
    try {
      mapped =
          endpoint.equals("/api/telemetry")
              ? events.emqx(
                  product,
                  event,
                  event.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8),
                  now)
              : events.segment(product, event, defaultType(endpoint), now);
    } catch (InvalidEvent e) {
      return new Outcome(0, 0, List.of(new Rejected(0, null, e.getMessage(), id)));
    }
    Outcome o = commit(product, List.of(mapped), List.of());
    store.release(product, id);
    return o;
  }

  private static String defaultType(String endpoint) {
    String e = endpoint.substring(endpoint.lastIndexOf('/') + 1);
    return e.equals("batch") || e.equals("import") ? null : e;
  }

  private Outcome commit(String product, List<StoredEvent> valid, List<Rejected> rejected) {
    boolean[] stored;
    try {
      stored =
          writer.submit(valid).get(config.writer().ackTimeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IngestException(
          Problem.OVERLOADED, "commit_timeout", "the events were not committed in time; retry", 1);
    } catch (ExecutionException e) {
      throw new IngestException(
          Problem.OVERLOADED, "storage_unavailable", "storage is unavailable; retry", 5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IngestException(Problem.OVERLOADED, "interrupted", "interrupted; retry", 1);
    }
    int accepted = 0;
    for (boolean s : stored) {
      if (s) {
        accepted++;
      }
    }
    int duplicates = stored.length - accepted;
    metrics
        .counter("beacon_ingest_events_total", "product", product, "result", "accepted")
        .increment(accepted);
    metrics
        .counter("beacon_ingest_events_total", "product", product, "result", "duplicate")
        .increment(duplicates);
    metrics
        .counter("beacon_ingest_events_total", "product", product, "result", "rejected")
        .increment(rejected.size());
    return new Outcome(accepted, duplicates, rejected);
  }

  /** Accepted, duplicate and rejected counters of a product, looked up once. */
  private Counter[] counters(String product) {
    return counters.computeIfAbsent(
        product,
        p ->
            new Counter[] {
              metrics.counter("beacon_ingest_events_total", "product", p, "result", "accepted"),
              metrics.counter("beacon_ingest_events_total", "product", p, "result", "duplicate"),
              metrics.counter("beacon_ingest_events_total", "product", p, "result", "rejected")
            });
  }

  private List<JsonNode> batchItems(JsonNode body) {
    if (!body.isObject()) {
      throw new IngestException(
          Problem.BAD_REQUEST,
          "invalid_batch",
          "the body must be an object with a batch array, not " + EventMapper.kind(body));
    }
    JsonNode batch = body.get("batch");
    if (batch == null || !batch.isArray()) {
      throw new IngestException(
          Problem.BAD_REQUEST, "invalid_batch", "batch must be an array of events");
    }
    if (batch.isEmpty()) {
      throw new IngestException(Problem.BAD_REQUEST, "empty_batch", "the batch is empty");
    }
    if (batch.size() > MAX_BATCH_EVENTS) {
      throw new IngestException(
          Problem.TOO_LARGE,
          "batch_too_large",
          "the batch has " + batch.size() + " events; the limit is " + MAX_BATCH_EVENTS);
    }
    List<JsonNode> items = new ArrayList<>(batch.size());
    batch.forEach(items::add);
    return items;
  }

  /** Batch-level context fills in what an event's own context does not say. */
  private static JsonNode withBatchContext(JsonNode item, JsonNode batchContext) {
    if (batchContext == null || !batchContext.isObject() || !item.isObject()) {
      return item;
    }
    ObjectNode copy = ((ObjectNode) item).deepCopy();
    JsonNode own = copy.get("context");
    if (own != null && !own.isObject()) {
      return item; // leave it to validation to refuse
    }
    ObjectNode merged = ((ObjectNode) batchContext).deepCopy();
    if (own != null) {
      Iterator<Map.Entry<String, JsonNode>> it = own.properties().iterator();
      while (it.hasNext()) {
        Map.Entry<String, JsonNode> f = it.next();
        merged.set(f.getKey(), f.getValue());
      }
    }
    copy.set("context", merged);
    return copy;
  }

  /**
   * Keeps the refused events of one request in quarantine, in one transaction, at most {@value
   * #MAX_QUARANTINED_PER_REQUEST} of them: a flood of invalid events is refused and counted, not
   * kept whole.
   */
  private List<Rejected> quarantine(
      String product,
      String endpoint,
      List<Integer> positions,
      List<String> reasons,
      List<JsonNode> items,
      Instant at) {
    if (positions.isEmpty()) {
      return List.of();
    }
    int kept = Math.min(positions.size(), MAX_QUARANTINED_PER_REQUEST);
    List<dev.beacon.server.storage.Rejection> toKeep = new ArrayList<>(kept);
    for (int i = 0; i < kept; i++) {
      ObjectNode wrapper = mapper.createObjectNode();
      wrapper.put("endpoint", endpoint);
      wrapper.set("event", withoutPersonalData(items.get(i)));
      toKeep.add(new dev.beacon.server.storage.Rejection(reasons.get(i), wrapper.toString()));
    }
    long[] ids = store.quarantine(product, at, toKeep);
    metrics.counter("beacon_quarantined_events_total", "product", product).increment(kept);
    List<Rejected> out = new ArrayList<>(positions.size());
    for (int i = 0; i < positions.size(); i++) {
      JsonNode item = items.get(i);
      String messageId =
          item.isObject() && item.path("messageId").isTextual()
              ? item.path("messageId").asText()
              : null;
      out.add(
          i < kept
              ? new Rejected(positions.get(i), messageId, reasons.get(i), ids[i])
              : new Rejected(
                  positions.get(i),
                  messageId,
                  reasons.get(i)
                      + " (not kept: at most "
                      + MAX_QUARANTINED_PER_REQUEST
                      + " per request)",
                  0));
    }
    return out;
  }

  /** The raw event without what Beacon never keeps: user ids, traits and client addresses. */
  private static JsonNode withoutPersonalData(JsonNode item) {
    if (!item.isObject()) {
      return item;
    }
    ObjectNode copy = ((ObjectNode) item).deepCopy();
    copy.remove("userId");
    copy.remove("traits");
    if (copy.get("context") instanceof ObjectNode ctx) {
      ctx.remove("ip");
      ctx.remove("traits");
    }
    return copy;
  }
}
