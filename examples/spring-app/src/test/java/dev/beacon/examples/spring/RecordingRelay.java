package dev.beacon.examples.spring;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.zip.GZIPInputStream;

/**
 * Stands between the SDK and the real server: keeps the bytes of every request as sent (unzipped to
 * read them), passes them on unchanged and hands back the server's answer.
 */
final class RecordingRelay implements AutoCloseable {
  private final HttpServer server;
  private final URI target;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<String> bodies = new CopyOnWriteArrayList<>();

  RecordingRelay(URI target) {
    this.target = target;
    try {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/", this::relay);
    server.start();
  }

  URI uri() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  /** Every request body the SDK sent, as text. */
  List<String> bodies() {
    return bodies;
  }

  private void relay(HttpExchange ex) throws IOException {
    byte[] raw = ex.getRequestBody().readAllBytes();
    String encoding = ex.getRequestHeaders().getFirst("Content-Encoding");
    byte[] text = raw;
    if ("gzip".equals(encoding)) {
      try (InputStream in = new GZIPInputStream(new ByteArrayInputStream(raw))) {
        text = in.readAllBytes();
      }
    }
    bodies.add(new String(text, StandardCharsets.UTF_8));
    HttpRequest.Builder forward =
        HttpRequest.newBuilder(target.resolve(ex.getRequestURI().getRawPath()))
            .POST(HttpRequest.BodyPublishers.ofByteArray(raw));
    for (String h : List.of("Authorization", "Content-Type", "Content-Encoding")) {
      String v = ex.getRequestHeaders().getFirst(h);
      if (v != null) {
        forward.header(h, v);
      }
    }
    try {
      HttpResponse<byte[]> answer =
          http.send(forward.build(), HttpResponse.BodyHandlers.ofByteArray());
      ex.sendResponseHeaders(
          answer.statusCode(), answer.body().length == 0 ? -1 : answer.body().length);
      ex.getResponseBody().write(answer.body());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      ex.sendResponseHeaders(503, -1);
    } finally {
      ex.close();
    }
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
