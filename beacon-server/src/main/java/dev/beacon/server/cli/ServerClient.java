package dev.beacon.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/**
 * The admin API of a running server, for the commands that work beside it ({@code --server URL}):
 * HTTP Basic as user {@code admin}, the password from {@code BEACON_ADMIN__PASSWORD} (as the server
 * reads it), never from the command line, where other users of the machine could read it.
 */
final class ServerClient {
  static final String PASSWORD_ENV = "BEACON_ADMIN__PASSWORD";

  private final URI base;
  private final String authorization;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private ServerClient(URI base, String password) {
    this.base = base;
    this.authorization =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(("admin:" + password).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A client of the server at {@code url}.
   *
   * @throws IllegalArgumentException naming what is missing or wrong
   */
  static ServerClient of(String url, Map<String, String> env) {
    String password = env.get(PASSWORD_ENV);
    if (password == null || password.isEmpty()) {
      throw new IllegalArgumentException("set " + PASSWORD_ENV + " to the server's admin password");
    }
    URI u;
    try {
      u = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--server " + url + " is not a URL");
    }
    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
      throw new IllegalArgumentException("--server must be an http:// or https:// URL");
    }
    return new ServerClient(u, password);
  }

  /** A request to {@code path} (from {@code /api/...}); the answer's body as text. */
  HttpResponse<String> send(String method, String path, Duration timeout)
      throws IOException, InterruptedException {
    return http.send(request(method, path, timeout), HttpResponse.BodyHandlers.ofString());
  }

  /** A request whose answer is streamed (an export, a backup). */
  HttpResponse<InputStream> stream(String method, String path)
      throws IOException, InterruptedException {
    return http.send(request(method, path, null), HttpResponse.BodyHandlers.ofInputStream());
  }

  private HttpRequest request(String method, String path, Duration timeout) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Authorization", authorization)
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (timeout != null) {
      b.timeout(timeout);
    }
    return b.build();
  }
}
