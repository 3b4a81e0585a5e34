package dev.beacon.server.web;

import dev.beacon.server.Refusal.Kind;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Instant;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Refused requests, by reason and by code, since the server started: on {@code /metrics} as {@code
 * beacon_refused_requests_total{reason, code}} and in the dashboard's Settings. What was refused
 * and why, never by whom: no key, address or body is counted, and every code is one of the server's
 * own.
 */
final class RefusalCounts {
  /** Why requests are refused, as an operator looks for it. */
  enum Reason {
    UNAUTHORIZED,
    TOO_LARGE,
    RATE_LIMITED,
    MALFORMED,
    UNKNOWN_PATH,
    /** A path that exists, asking for what does not (a product, a quarantined event). */
    NOT_FOUND,
    OVERLOADED,
    CONFLICT;

    String label() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The code of a request no route takes. */
  static final String UNKNOWN_PATH_CODE = "unknown_path";

  private final MeterRegistry metrics;
  private final Instant since = Instant.now();
  private final Map<Reason, LongAdder> byReason = new EnumMap<>(Reason.class);
  private final Map<String, LongAdder> byCode = new ConcurrentHashMap<>();

  RefusalCounts(MeterRegistry metrics) {
    this.metrics = metrics;
    for (Reason r : Reason.values()) {
      byReason.put(r, new LongAdder());
    }
  }

  static Reason reason(Kind kind, String code) {
    return switch (kind) {
      case UNAUTHORIZED, FORBIDDEN -> Reason.UNAUTHORIZED;
      case TOO_LARGE -> Reason.TOO_LARGE;
      case RATE_LIMITED -> Reason.RATE_LIMITED;
      case BAD_REQUEST, UNSUPPORTED_MEDIA_TYPE -> Reason.MALFORMED;
      case NOT_FOUND -> code.equals(UNKNOWN_PATH_CODE) ? Reason.UNKNOWN_PATH : Reason.NOT_FOUND;
      case OVERLOADED -> Reason.OVERLOADED;
      case CONFLICT -> Reason.CONFLICT;
    };
  }

  void count(Reason reason, String code) {
    metrics
        .counter("beacon_refused_requests_total", "reason", reason.label(), "code", code)
        .increment();
    byReason.get(reason).increment();
    byCode.computeIfAbsent(reason.label() + "/" + code, k -> new LongAdder()).increment();
  }

  /** For the admin API: since when, and the counts by reason (every reason, zeros too). */
  Map<String, Object> snapshot() {
    Map<String, Long> reasons = new LinkedHashMap<>();
    byReason.forEach((r, n) -> reasons.put(r.label(), n.sum()));
    Map<String, Long> codes = new TreeMap<>();
    byCode.forEach((c, n) -> codes.put(c, n.sum()));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("since", since.toString());
    m.put("reasons", reasons);
    m.put("codes", codes);
    return m;
  }
}
