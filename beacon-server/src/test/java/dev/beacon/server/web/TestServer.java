package dev.beacon.server.web;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.ServerConfig;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.zip.GZIPOutputStream;

/** A real Beacon server on a free port, with two products, and a client for it. */
public final class TestServer implements AutoCloseable {
  public static final String ACME_KEY = "wk_acme_0123456789";
  public static final String EMQX_KEY = "wk_emqx_0123456789";
  public static final String ADMIN_PASSWORD = "admin-secret-42";
  static final ObjectMapper JSON = new ObjectMapper();

  public record Response(int status, String body, HttpResponse<?> raw) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON: " + body, e);
      }
    }

    public String header(String name) {
      return raw.headers().firstValue(name).orElse(null);
    }
  }

  public final BeaconServer server;
  private final HttpClient http = HttpClient.newHttpClient();

  private TestServer(BeaconServer server) {
    this.server = server;
  }

  public static TestServer start(Path data) {
    return start(data, Map.of());
  }

  public static TestServer start(Path data, Map<String, String> extraEnv) {
    return new TestServer(startServer(config(data, extraEnv)));
  }

  /** With the clock of sessions and login limits given (a test moves it on). */
  static TestServer start(Path data, Map<String, String> extraEnv, LongSupplier nanoTime) {
    try {
      return new TestServer(BeaconServer.start(config(data, extraEnv), nanoTime));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ServerConfig config(Path data, Map<String, String> extraEnv) {
    Map<String, String> env = new HashMap<>();
    env.put("BEACON_PRODUCTS__ACME__WRITE_KEY", ACME_KEY);
    env.put("BEACON_PRODUCTS__EMQX__WRITE_KEY", EMQX_KEY);
    env.put("BEACON_COMPAT__EMQX__PRODUCT", "emqx");
    env.put("BEACON_ADMIN__PASSWORD", ADMIN_PASSWORD);
    env.put("BEACON_SERVER__HOST", "127.0.0.1");
    env.putAll(extraEnv);
    return ConfigLoader.load(null, env, Map.of("server.port", 0, "data_dir", data.toString()));
  }

  static BeaconServer startServer(ServerConfig c) {
    try {
      return BeaconServer.start(c);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public URI uri(String path) {
    return URI.create(server.url() + path);
  }

  public static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  public Response post(String path, String body) {
    return post(path, body.getBytes(StandardCharsets.UTF_8), "Authorization", basic(ACME_KEY, ""));
  }

  public Response postGzip(String path, byte[] body, String... headers) {
    return post(path, gzip(body), with(headers, "Content-Encoding", "gzip"));
  }

  public Response post(String path, byte[] body, String... headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    boolean typed = false;
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
      typed |= headers[i].equalsIgnoreCase("Content-Type");
    }
    if (!typed) {
      b.header("Content-Type", "application/json");
    }
    return send(b.build());
  }

  public Response get(String path, String authorization) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b.build());
  }

  /** Any method, with an optional JSON body and authorization. */
  public Response request(String method, String path, String body, String authorization) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(uri(path))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return send(b.build());
  }

  /**
   * Waits until the server (or sink) on {@code port} answers /readyz with 200, a minute at most.
   */
  public static void awaitReady(HttpClient http, int port) {
    await()
        .atMost(Duration.ofSeconds(60))
        .ignoreExceptions()
        .until(
            () ->
                http.send(
                            HttpRequest.newBuilder(
                                    URI.create("http://127.0.0.1:" + port + "/readyz"))
                                .build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200);
  }

  public JsonNode summary(String product, int days) {
    Response r =
        get(
            "/api/v1/products/" + product + "/summary?days=" + days,
            basic("admin", ADMIN_PASSWORD));
    if (r.status() != 200) {
      throw new AssertionError("summary answered " + r.status() + ": " + r.body());
    }
    return r.json();
  }

  private Response send(HttpRequest request) {
    try {
      HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(r.statusCode(), r.body(), r);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  static String[] with(String[] headers, String... more) {
    String[] all = new String[headers.length + more.length];
    System.arraycopy(headers, 0, all, 0, headers.length);
    System.arraycopy(more, 0, all, headers.length, more.length);
    return all;
  }

  public static byte[] gzip(byte[] bytes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  @Override
  public void close() {
    server.close();
  }
}
