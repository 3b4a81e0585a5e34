package dev.beacon.sdk.internal.delivery;

import dev.beacon.sdk.internal.config.BeaconVersion;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.config.TrustedCertificates;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.report.Redactor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.MalformedURLException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Locale;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * Posts one payload with the JDK's {@link HttpURLConnection}: gzip, HTTP Basic with the write key,
 * TLS verified (the JDK's CAs plus any configured extra CA), proxies from the JVM's {@link
 * java.net.ProxySelector}, short timeouts, keep-alive. The request in flight can be abandoned from
 * another thread, so {@code close()} never waits for a black-holed server.
 *
 * <p>Why not {@code java.net.http.HttpClient}: measured on this project's machine, a fresh JVM
 * spends ~200 ms building an {@code HttpClient} and ~80 ms on its first request; {@code
 * HttpURLConnection} sends its first request in ~40 ms. A CLI has 50 ms in all to exit.
 */
final class HttpExporter {
  private final URL url;
  private final String authorization;
  private final String userAgent;
  private final Duration connectTimeout;
  private final Duration requestTimeout;
  private final SSLSocketFactory tls;
  private volatile HttpURLConnection inFlight;

  HttpExporter(Settings s, QuietLog log) {
    this(s, log, s.batchUri());
  }

  /** An exporter that posts to {@code target} (null: none configured) instead of the batch path. */
  HttpExporter(Settings s, QuietLog log, URI target) {
    URL u = null;
    try {
      u = target == null ? null : target.toURL();
    } catch (MalformedURLException e) {
      u = null;
    }
    this.url = u;
    if (u != null && s.writeKey != null && sendsKeyInClear(u)) {
      // Allowed (a test server, a proxy on the same network), but the operator should know; once,
      // quietly, as every other finding of the SDK.
      log.failure(
          "cleartext",
          "the endpoint is plain http:// and not on this machine: the write key travels in clear;"
              + " use https://");
    }
    this.authorization =
        s.writeKey == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString((s.writeKey + ":").getBytes(StandardCharsets.UTF_8));
    this.userAgent = "beacon-sdk/" + BeaconVersion.VERSION + " (" + s.product + ")";
    this.connectTimeout = s.connectTimeout;
    this.requestTimeout = s.requestTimeout;
    this.tls =
        s.trustedCertificates == null
            ? null
            : TrustedCertificates.sslContext(s.trustedCertificates).getSocketFactory();
  }

  /**
   * Whether the write key would cross a network unencrypted: http, to a host that is not a loopback
   * literal or {@code localhost} (names are not resolved: this runs on the worker, but a lookup
   * still is not worth it for a log line).
   */
  static boolean sendsKeyInClear(URL u) {
    if (!"http".equalsIgnoreCase(u.getProtocol())) {
      return false;
    }
    String host = u.getHost().toLowerCase(Locale.ROOT);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (host.equals("localhost")
        || host.endsWith(".localhost")
        || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}")) {
      return false;
    }
    byte[] v6 = host.indexOf(':') >= 0 ? Redactor.ipv6Bytes(host) : null;
    if (v6 != null) {
      boolean loopback = v6[15] == 1;
      for (int i = 0; i < 15; i++) {
        loopback &= v6[i] == 0;
      }
      return !loopback;
    }
    return true;
  }

  /** Sends and waits at most {@code timeout} (capped by the request timeout). Never throws. */
  Outcome send(byte[] json, Duration timeout) {
    if (url == null) {
      return Outcome.retry(0, "no endpoint configured");
    }
    long waitMillis = Math.max(1, Math.min(timeout.toMillis(), requestTimeout.toMillis()));
    long deadline = System.nanoTime() + waitMillis * 1_000_000;
    HttpURLConnection c = null;
    try {
      byte[] body = gzip(json);
      c = (HttpURLConnection) url.openConnection();
      inFlight = c;
      if (tls != null && c instanceof HttpsURLConnection) {
        ((HttpsURLConnection) c).setSSLSocketFactory(tls);
      }
      c.setInstanceFollowRedirects(false);
      c.setUseCaches(false);
      c.setConnectTimeout((int) Math.max(1, Math.min(connectTimeout.toMillis(), waitMillis)));
      c.setReadTimeout((int) waitMillis);
      c.setRequestMethod("POST");
      c.setDoOutput(true);
      c.setFixedLengthStreamingMode(body.length);
      c.setRequestProperty("Content-Type", "application/json");
      c.setRequestProperty("Content-Encoding", "gzip");
      c.setRequestProperty("User-Agent", userAgent);
      if (authorization != null) {
        c.setRequestProperty("Authorization", authorization);
      }
      c.connect();
      long left = (deadline - System.nanoTime()) / 1_000_000;
      c.setReadTimeout((int) Math.max(1, left));
      try (OutputStream out = c.getOutputStream()) {
        out.write(body);
      }
      int status = c.getResponseCode();
      drain(c, status);
      return classify(status, c.getHeaderField("Retry-After"));
    } catch (SocketTimeoutException e) {
      return Outcome.retry(0, "no answer within " + waitMillis + " ms");
    } catch (IOException | RuntimeException e) {
      if (c != null && inFlight == null) {
        return Outcome.retry(0, "abandoned");
      }
      // Its message may name hosts and addresses: the log gets it, the status file only the class.
      return new Outcome(Outcome.Kind.RETRY, 0, describe(e), 0, e.getClass().getSimpleName());
    } finally {
      inFlight = null;
    }
  }

  /** Reads the (small) answer to its end, so the connection can be kept alive. */
  private static void drain(HttpURLConnection c, int status) {
    try (InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream()) {
      if (in != null) {
        byte[] buf = new byte[4096];
        int total = 0;
        int n;
        while ((n = in.read(buf)) > 0 && (total += n) < 1 << 20) {
          // discard
        }
      }
    } catch (IOException ignored) {
      // the status is what matters
    }
  }

  /** Abandons the request in flight, if any; its payload stays in the spool. */
  void cancel() {
    HttpURLConnection c = inFlight;
    inFlight = null;
    if (c != null) {
      c.disconnect(); // closes the socket: the blocked read on the worker fails at once
    }
  }

  /**
   * What an answer means for the payload. Only an answer about the payload itself (400, 413, 422)
   * drops it. Any other 4xx says something about the request's way or its credentials: a proxy
   * during maintenance (403, 404), a rotated or not yet configured key (401), a path being moved.
   * Dropping the spool for those would lose every payload of the outage (security audit 2026-12,
   * L11), so they are kept and retried at the longest backoff: the operator fixes the setting, and
   * the spool is sent then.
   */
  static Outcome classify(int status, String retryAfter) {
    if (status >= 200 && status < 300) {
      return new Outcome(Outcome.Kind.DELIVERED, 0, "HTTP " + status);
    }
    if (status == 408 || status == 425 || status == 429 || status >= 500) {
      return Outcome.retry(retryAfterMillis(retryAfter), "HTTP " + status);
    }
    if (status >= 300 && status < 400) {
      // Not followed (a redirect could lead anywhere) and not a reason to drop the payload:
      // the operator fixes the endpoint, and the spool is sent then.
      return Outcome.retry(0, "HTTP " + status + ": a redirect, not followed; check the endpoint");
    }
    if (status == 400 || status == 413 || status == 422) {
      return new Outcome(Outcome.Kind.REJECTED, 0, "HTTP " + status);
    }
    return new Outcome(
        Outcome.Kind.REFUSED,
        retryAfterMillis(retryAfter),
        "HTTP " + status + ": refused; check the endpoint and the write key",
        status);
  }

  /** {@code Retry-After} as delay-seconds or an HTTP date; 0 when absent or unreadable. */
  static long retryAfterMillis(String value) {
    if (value == null || value.isBlank()) {
      return 0;
    }
    String v = value.strip();
    try {
      return Math.max(0, Long.parseLong(v)) * 1000;
    } catch (NumberFormatException notSeconds) {
      try {
        ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
        // An HTTP date is wall-clock time by definition: the delay is taken once, here.
        return Math.max(0, at.toInstant().toEpochMilli() - System.currentTimeMillis());
      } catch (RuntimeException unreadable) {
        return 0;
      }
    }
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  private static byte[] gzip(byte[] json) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream(json.length / 4 + 64);
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(json);
    }
    return out.toByteArray();
  }

  static final class Outcome {
    enum Kind {
      DELIVERED,
      /** A failure that may pass (network, 5xx, 408, 429): retried with the backoff. */
      RETRY,
      /** The request was refused, not the payload (401, 403, 404...): kept, retried slowly. */
      REFUSED,
      /** The payload itself was refused (400, 413, 422): dropped. */
      REJECTED
    }

    final Kind kind;
    final long retryAfterMillis;
    final String detail;
    final int status; // the HTTP status; 0 when there was no answer

    /** What may be kept on disk of it: the detail, but only an exception's class, not its text. */
    final String summary;

    Outcome(Kind kind, long retryAfterMillis, String detail) {
      this(kind, retryAfterMillis, detail, 0);
    }

    Outcome(Kind kind, long retryAfterMillis, String detail, int status) {
      this(kind, retryAfterMillis, detail, status, detail);
    }

    Outcome(Kind kind, long retryAfterMillis, String detail, int status, String summary) {
      this.kind = kind;
      this.retryAfterMillis = retryAfterMillis;
      this.detail = detail;
      this.status = status;
      this.summary = summary;
    }

    static Outcome retry(long retryAfterMillis, String detail) {
      return new Outcome(Kind.RETRY, retryAfterMillis, detail);
    }

    /** Whether the payload stays spooled for a later attempt. */
    boolean kept() {
      return kind == Kind.RETRY || kind == Kind.REFUSED;
    }
  }
}
