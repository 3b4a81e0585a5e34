package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * M1: HTTP Basic checks bypassed the login limit, and one global bucket of ten a minute let anyone
 * lock the admin out. Clients are told apart by their address: every address of 127.0.0.0/8 is this
 * machine, so each test client binds one of its own.
 */
class LoginLimitTest {
  @TempDir Path data;

  private final List<HttpClient> clients = new ArrayList<>();

  @AfterEach
  void closeClients() {
    clients.forEach(HttpClient::close);
  }

  private HttpClient from(String address) throws Exception {
    HttpClient c = HttpClient.newBuilder().localAddress(InetAddress.getByName(address)).build();
    clients.add(c);
    return c;
  }

  private static URI uri(TestServer s, String path) {
    return URI.create("http://127.0.0.1:" + s.server.port() + path);
  }

  private static HttpResponse<String> basic(HttpClient client, TestServer s, String password)
      throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(s, "/api/v1/products"))
            .header("Authorization", TestServer.basic("admin", password))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> login(
      HttpClient client, TestServer s, String contentType, String body) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(s, "/api/v1/session"))
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> login(HttpClient client, TestServer s, String password)
      throws Exception {
    return login(client, s, "application/json", "{\"password\":\"" + password + "\"}");
  }

  private static long retryAfter(HttpResponse<String> r) {
    return Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
  }

  @Test
  void failedBasicChecksAndFailedLoginsShareOneLimitPerClient_M1() throws Exception {
    AtomicLong nanos = new AtomicLong(System.nanoTime());
    try (TestServer s = TestServer.start(data, Map.of(), nanos::get)) {
      HttpClient guesser = from("127.0.0.1");
      for (int i = 0; i < 5; i++) {
        assertThat(basic(guesser, s, "guess" + i).statusCode()).isEqualTo(401);
        assertThat(login(guesser, s, "guess-again" + i).statusCode()).isEqualTo(401);
      }
      // Ten failures: from this client, even the right password is not checked any more.
      HttpResponse<String> viaBasic = basic(guesser, s, TestServer.ADMIN_PASSWORD);
      assertThat(viaBasic.statusCode()).isEqualTo(429);
      assertThat(retryAfter(viaBasic)).isBetween(1L, 30L);
      assertThat(viaBasic.body()).contains("too many failed logins from this client");
      assertThat(login(guesser, s, TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(429);

      // Another client is not held back by this one's failures.
      assertThat(basic(from("127.0.0.2"), s, TestServer.ADMIN_PASSWORD).statusCode())
          .isEqualTo(200);

      // One more failure is allowed every 30 s.
      nanos.addAndGet(Duration.ofSeconds(31).toNanos());
      assertThat(basic(guesser, s, "guess-after-30s").statusCode()).isEqualTo(401);
      assertThat(basic(guesser, s, "and-one-more").statusCode()).isEqualTo(429);
      nanos.addAndGet(Duration.ofSeconds(31).toNanos());
      assertThat(login(guesser, s, TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aLoginMustBeJsonAndAMalformedOneDoesNotCount_M1() throws Exception {
    try (TestServer s = TestServer.start(data)) {
      HttpClient client = from("127.0.0.1");
      String right = "{\"password\":\"" + TestServer.ADMIN_PASSWORD + "\"}";
      for (int i = 0; i < 12; i++) {
        // text/plain is what another site's page may post without a CORS preflight.
        assertThat(login(client, s, "text/plain", right).statusCode()).isEqualTo(415);
        assertThat(login(client, s, "application/x-www-form-urlencoded", right).statusCode())
            .isEqualTo(415);
        assertThat(login(client, s, "application/json", "{}").statusCode()).isEqualTo(400);
        assertThat(login(client, s, "application/json", "not json").statusCode()).isEqualTo(400);
        assertThat(login(client, s, "application/json", "{\"password\":7}").statusCode())
            .isEqualTo(400);
      }
      assertThat(login(client, s, TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aFloodFromOtherClientsCannotLockOutAnAdminWhoLoggedInRecently_M1() throws Exception {
    try (TestServer s =
        TestServer.start(
            data,
            Map.of(
                "BEACON_ADMIN__LOGIN__FAILURES_PER_CLIENT", "2",
                "BEACON_ADMIN__LOGIN__FAILURES_GLOBAL", "4",
                "BEACON_ADMIN__LOGIN__GLOBAL_REFILL", "1h"))) {
      HttpClient admin = from("127.0.0.1");
      assertThat(login(admin, s, TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);

      for (String attacker : new String[] {"127.0.0.2", "127.0.0.3"}) {
        HttpClient c = from(attacker);
        assertThat(basic(c, s, "guess1").statusCode()).isEqualTo(401);
        assertThat(login(c, s, "guess2").statusCode()).isEqualTo(401);
      }
      // Four failures spend the global limit: clients without a recent login are refused...
      HttpResponse<String> third = basic(from("127.0.0.4"), s, "guess3");
      assertThat(third.statusCode()).isEqualTo(429);
      assertThat(third.body()).contains("too many failed logins to this server");
      assertThat(retryAfter(third)).isPositive();
      assertThat(login(from("127.0.0.5"), s, TestServer.ADMIN_PASSWORD).statusCode())
          .isEqualTo(429);

      // ...but not the admin, who logged in from her address before the flood.
      assertThat(basic(admin, s, TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
      assertThat(login(admin, s, TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
      assertThat(login(admin, s, "a-typo").statusCode()).isEqualTo(401);
      assertThat(login(admin, s, TestServer.ADMIN_PASSWORD).statusCode()).isEqualTo(200);
    }
  }
}
