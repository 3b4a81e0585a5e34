package dev.beacon.sdk;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.Collection;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.zip.GZIPOutputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * Posts one payload with the JDK's {@link HttpClient}: gzip, HTTP Basic with the write key, TLS
 * verified (the JDK's CAs plus any configured extra CA), proxies from the JVM's {@link
 * ProxySelector}, short timeouts. The request in flight can be cancelled from another thread, so
 * {@code close()} never waits for a black-holed server.
 */
final class HttpExporter {
  private final URI uri;
  private final String authorization;
  private final String userAgent;
  private final Duration requestTimeout;
  private final HttpClient client;
  private volatile CompletableFuture<HttpResponse<Void>> inFlight;

  HttpExporter(Settings s) {
    this.uri = s.batchUri();
    this.authorization =
        s.writeKey == null
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString((s.writeKey + ":").getBytes(StandardCharsets.UTF_8));
    this.userAgent = "beacon-sdk/" + BeaconVersion.VERSION + " (" + s.product + ")";
    this.requestTimeout = s.requestTimeout;
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(s.connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(
                java.util.concurrent.Executors.newCachedThreadPool(
                    DaemonThreads.factory("beacon-" + s.product + "-http")));
    ProxySelector proxies = ProxySelector.getDefault();
    if (proxies != null) {
      b.proxy(proxies);
    }
    if (s.trustedCertificates != null) {
      b.sslContext(sslContextTrusting(s.trustedCertificates));
    }
    this.client = b.build();
  }

  /** Sends and waits at most {@code timeout} (capped by the request timeout). Never throws. */
  Outcome send(byte[] json, Duration timeout) {
    if (uri == null) {
      return Outcome.retry(0, "no endpoint configured");
    }
    Duration wait = timeout.compareTo(requestTimeout) < 0 ? timeout : requestTimeout;
    CompletableFuture<HttpResponse<Void>> f;
    try {
      HttpRequest.Builder request =
          HttpRequest.newBuilder(uri)
              .timeout(wait.isZero() ? Duration.ofMillis(1) : wait)
              .header("Content-Type", "application/json")
              .header("Content-Encoding", "gzip")
              .header("User-Agent", userAgent)
              .POST(HttpRequest.BodyPublishers.ofByteArray(gzip(json)));
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      f = client.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding());
      inFlight = f;
    } catch (RuntimeException | IOException e) {
      return Outcome.retry(0, describe(e));
    }
    try {
      HttpResponse<Void> r = f.get(wait.toMillis() + 100, TimeUnit.MILLISECONDS);
      return classify(r.statusCode(), r.headers().firstValue("Retry-After").orElse(null));
    } catch (ExecutionException e) {
      return Outcome.retry(0, describe(e.getCause()));
    } catch (TimeoutException | CancellationException e) {
      f.cancel(true);
      return Outcome.retry(0, "no answer within " + wait.toMillis() + " ms");
    } catch (InterruptedException e) {
      f.cancel(true);
      Thread.currentThread().interrupt();
      return Outcome.retry(0, "interrupted");
    } finally {
      inFlight = null;
    }
  }

  /** Abandons the request in flight, if any; its payload stays in the spool. */
  void cancel() {
    CompletableFuture<HttpResponse<Void>> f = inFlight;
    if (f != null) {
      f.cancel(true);
    }
  }

  static Outcome classify(int status, String retryAfter) {
    if (status >= 200 && status < 300) {
      return new Outcome(Outcome.Kind.DELIVERED, 0, "HTTP " + status);
    }
    if (status == 408 || status == 429 || status >= 500) {
      return Outcome.retry(retryAfterMillis(retryAfter), "HTTP " + status);
    }
    return new Outcome(Outcome.Kind.REJECTED, 0, "HTTP " + status);
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

  /** The JDK's trusted CAs plus the certificates of a PEM file. */
  static SSLContext sslContextTrusting(Path pem) {
    try {
      KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
      ks.load(null, null);
      int i = 0;
      for (X509Certificate ca : defaultTrustManager().getAcceptedIssuers()) {
        ks.setCertificateEntry("jdk-" + i++, ca);
      }
      Collection<? extends Certificate> extra;
      try (InputStream in = Files.newInputStream(pem)) {
        extra = CertificateFactory.getInstance("X.509").generateCertificates(in);
      }
      if (extra.isEmpty()) {
        throw new IllegalArgumentException("no certificate in " + pem);
      }
      for (Certificate c : extra) {
        ks.setCertificateEntry("extra-" + i++, c);
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(ks);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("cannot read CA certificates from " + pem + ": " + e, e);
    }
  }

  private static X509TrustManager defaultTrustManager() throws GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init((KeyStore) null);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509TrustManager) {
        return (X509TrustManager) tm;
      }
    }
    throw new GeneralSecurityException("the JDK has no X509 trust manager");
  }

  static final class Outcome {
    enum Kind {
      DELIVERED,
      RETRY,
      REJECTED
    }

    final Kind kind;
    final long retryAfterMillis;
    final String detail;

    Outcome(Kind kind, long retryAfterMillis, String detail) {
      this.kind = kind;
      this.retryAfterMillis = retryAfterMillis;
      this.detail = detail;
    }

    static Outcome retry(long retryAfterMillis, String detail) {
      return new Outcome(Kind.RETRY, retryAfterMillis, detail);
    }
  }
}
