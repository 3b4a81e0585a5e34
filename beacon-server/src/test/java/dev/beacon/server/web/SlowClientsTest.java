package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * L1 and L2: connections and requests in progress were unbounded, and a client that sent its
 * request slowly kept its connection for five minutes (Helidon's idle timeout) or for ever.
 */
class SlowClientsTest {
  @TempDir Path data;

  private static final String KEY_HEADER =
      "Authorization: " + TestServer.basic(TestServer.ACME_KEY, "") + "\r\n";

  /**
   * Clients on loopback that send a request one byte a second, each in one of three places: in the
   * request line, in the headers, or in the body. A reader per socket counts the connections that
   * the server has closed.
   */
  private static final class Trickle implements AutoCloseable {
    final List<Socket> sockets = new ArrayList<>();
    final CountDownLatch closedByServer;
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor();

    Trickle(int port, int count) throws IOException {
      closedByServer = new CountDownLatch(count);
      String[] starts = {
        "", // the request line itself
        "POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n", // then a header, slowly
        "POST /v1/batch HTTP/1.1\r\nHost: 127.0.0.1\r\n" // then the body, slowly
            + KEY_HEADER
            + "Content-Type: application/json\r\nContent-Length: 100\r\n\r\n"
      };
      for (int i = 0; i < count; i++) {
        Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
        sockets.add(socket);
        socket.getOutputStream().write(starts[i % 3].getBytes(StandardCharsets.US_ASCII));
        Thread.ofVirtual().start(() -> awaitClose(socket));
      }
      byte[][] drips = {
        "POST /v1/batch HTTP/1.1".getBytes(StandardCharsets.US_ASCII),
        "X-Slow: abcdefghijklmnopqrstuvwxyz".getBytes(StandardCharsets.US_ASCII),
        "[                                ".getBytes(StandardCharsets.US_ASCII)
      };
      int[] tick = {0};
      var unused =
          ticker.scheduleAtFixedRate(
              () -> {
                int t = tick[0]++;
                for (int i = 0; i < sockets.size(); i++) {
                  byte[] drip = drips[i % 3];
                  try {
                    OutputStream out = sockets.get(i).getOutputStream();
                    out.write(drip[Math.min(t, drip.length - 1)]);
                    out.flush();
                  } catch (IOException closed) {
                    // the server has closed it: the reader counts that
                  }
                }
              },
              1,
              1,
              TimeUnit.SECONDS);
    }

    private void awaitClose(Socket socket) {
      try (InputStream in = socket.getInputStream()) {
        while (in.read() >= 0) {
          // an answer, if any, before the close
        }
      } catch (IOException reset) {
        // closed by the server too
      }
      closedByServer.countDown();
    }

    @Override
    public void close() throws IOException {
      ticker.shutdownNow();
      for (Socket s : sockets) {
        s.close(); // which ends its reader
      }
    }
  }

  private final HttpClient http = HttpClient.newHttpClient();

  @AfterEach
  void closeClient() {
    http.close();
  }

  private HttpResponse<String> ingest(TestServer s, Duration timeout) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.server.port() + "/v1/batch"))
            .timeout(timeout)
            .header("Authorization", TestServer.basic(TestServer.ACME_KEY, ""))
            .header("Content-Type", "application/json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"batch\":[{\"type\":\"track\",\"event\":\"e\",\"anonymousId\":\"a\"}]}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void fiveHundredClientsSendingAByteASecondNeitherStopIngestNorKeepTheirConnections_L1_L2()
      throws Exception {
    try (TestServer s =
            TestServer.start(
                data,
                Map.of(
                    "BEACON_SERVER__IDLE_TIMEOUT", "6s",
                    "BEACON_SERVER__HEADER_TIMEOUT", "6s",
                    "BEACON_SERVER__BODY_TIMEOUT", "6s"));
        Trickle slow = new Trickle(s.server.port(), 500)) {
      HttpResponse<String> r = ingest(s, Duration.ofSeconds(10));
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      assertThat(slow.closedByServer.getCount()).as("slow connections still open").isEqualTo(500);
      assertThat(s.server.store().count("acme")).isEqualTo(1);

      // Each deadline (6 s) ends its connection: the request line, the headers, the body.
      await().atMost(Duration.ofSeconds(20)).until(() -> slow.closedByServer.getCount() == 0);
      assertThat(ingest(s, Duration.ofSeconds(10)).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void pastMaxConcurrentRequestsTheAnswerIs503WithRetryAfter_L1() throws Exception {
    try (TestServer s =
            TestServer.start(
                data,
                Map.of(
                    "BEACON_SERVER__MAX_CONCURRENT_REQUESTS", "1",
                    "BEACON_SERVER__BODY_TIMEOUT", "3s"));
        Trickle slow = new Trickle(s.server.port(), 3)) { // the third one sends a body slowly
      AtomicReference<HttpResponse<String>> refused = new AtomicReference<>();
      await() // once the slow body's request holds the only permit
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> {
                HttpResponse<String> r = ingest(s, Duration.ofSeconds(10));
                refused.set(r);
                return r.statusCode() == 503;
              });
      assertThat(refused.get().headers().firstValue("Retry-After")).contains("1");
      assertThat(refused.get().body()).contains("\"error\":\"overloaded\"");
      // The slow body is cut off at its deadline, and its permit is free again.
      await()
          .atMost(Duration.ofSeconds(15))
          .until(() -> ingest(s, Duration.ofSeconds(10)).statusCode() == 200);
      assertThat(slow.closedByServer.getCount()).as("the slow body's connection").isLessThan(3);
    }
  }

  @Test
  void pastMaxConnectionsANewConnectionWaitsUntilOneCloses_L1() throws Exception {
    try (TestServer s = TestServer.start(data, Map.of("BEACON_SERVER__MAX_CONNECTIONS", "2"))) {
      Socket a = new Socket(InetAddress.getLoopbackAddress(), s.server.port());
      Socket b = new Socket(InetAddress.getLoopbackAddress(), s.server.port());
      try (a;
          b) {
        // Both held (idle): a third connection is not taken, so its request gets no answer.
        assertThatThrownBy(() -> ingest(s, Duration.ofSeconds(2)))
            .isInstanceOf(HttpTimeoutException.class);
      }
      assertThat(ingest(s, Duration.ofSeconds(10)).statusCode()).isEqualTo(200);
    }
  }
}
