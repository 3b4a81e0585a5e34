package dev.beacon.sdk;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;

/**
 * A real HTTP server on a free loopback port standing in for a Beacon server: it records every
 * request (body un-gzipped) and answers as told.
 */
public final class TestCollector implements AutoCloseable {
  public static final ObjectMapper JSON = new ObjectMapper();

  /** One received request. */
  public record Request(String path, String authorization, String contentEncoding, String body) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  private final HttpServer server;
  private final List<Request> requests = new CopyOnWriteArrayList<>();
  private final List<Long> attemptMillis = new CopyOnWriteArrayList<>();
  private volatile int status = 200;
  private volatile String retryAfter;
  private volatile CountDownLatch hold = new CountDownLatch(0);

  private TestCollector(HttpServer server) {
    this.server = server;
    server.createContext("/", this::handle);
    server.setExecutor(Executors.newCachedThreadPool());
    server.start();
  }

  public static TestCollector start() {
    try {
      return new TestCollector(
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * On a given port, to bring back an endpoint that was dead or black-holed. The sockets the black
   * hole held may keep the port for a moment after it closed: binding is retried for 10 s.
   */
  public static TestCollector startOn(int port) {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      try {
        return new TestCollector(
            HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0));
      } catch (BindException stillHeld) {
        if (System.nanoTime() > deadline) {
          throw new UncheckedIOException(stillHeld);
        }
        LockSupport.parkNanos(50_000_000);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  static TestCollector startTls(SSLContext ssl) {
    try {
      HttpsServer s =
          HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      s.setHttpsConfigurator(new HttpsConfigurator(ssl));
      return new TestCollector(s);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public URI uri() {
    String scheme = server instanceof HttpsServer ? "https" : "http";
    return URI.create(scheme + "://localhost:" + server.getAddress().getPort());
  }

  /** Answer every request with this status from now on. */
  public TestCollector answer(int status, String retryAfter) {
    this.status = status;
    this.retryAfter = retryAfter;
    return this;
  }

  /** Answer nothing until {@code release} opens (a server stalled in a commit, a slow network). */
  public TestCollector holdUntil(CountDownLatch release) {
    this.hold = release;
    return this;
  }

  public List<Request> requests() {
    return new ArrayList<>(requests);
  }

  /** Requests answered with 2xx, that is, payloads delivered. */
  public List<Request> delivered() {
    return requests;
  }

  public List<Long> attemptMillis() {
    return attemptMillis;
  }

  /** Every message of every delivered batch. */
  public List<JsonNode> messages() {
    List<JsonNode> out = new ArrayList<>();
    for (Request r : requests) {
      r.json().get("batch").forEach(out::add);
    }
    return out;
  }

  private void handle(HttpExchange ex) throws IOException {
    attemptMillis.add(System.currentTimeMillis());
    byte[] raw;
    try (InputStream in = ex.getRequestBody()) {
      raw = in.readAllBytes();
    }
    try {
      hold.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    int answer = status;
    String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
    if (answer >= 200 && answer < 300) {
      byte[] body = raw;
      if ("gzip".equals(encoding)) {
        try (InputStream gz = new GZIPInputStream(new ByteArrayInputStream(raw))) {
          body = gz.readAllBytes();
        }
      }
      requests.add(
          new Request(
              ex.getRequestURI().getPath(),
              ex.getRequestHeaders().getFirst("Authorization"),
              encoding,
              new String(body, StandardCharsets.UTF_8)));
    }
    if (retryAfter != null) {
      ex.getResponseHeaders().add("Retry-After", retryAfter);
    }
    byte[] reply = "{}".getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(answer, reply.length);
    ex.getResponseBody().write(reply);
    ex.close();
  }

  @Override
  public void close() {
    server.stop(0);
    ((ExecutorService) server.getExecutor()).shutdownNow();
  }
}
