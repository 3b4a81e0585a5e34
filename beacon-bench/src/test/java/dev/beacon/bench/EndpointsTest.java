package dev.beacon.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.bench.harness.Lifecycle;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The three endpoints behave as their names say, and Beacon holds its promises against the dead
 * one.
 */
class EndpointsTest {
  @Test
  void aliveAnswersDeadRefusesBlackholeAcceptsAndNeverAnswers() throws Exception {
    try (Endpoints e = new Endpoints()) {
      HttpResponse<String> res =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create(e.alive() + "/v1/batch"))
                      .POST(HttpRequest.BodyPublishers.ofString("{\"batch\":[]}"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(res.statusCode()).isEqualTo(200);

      URI dead = URI.create(e.dead());
      assertThatThrownBy(() -> new Socket(dead.getHost(), dead.getPort()).close())
          .isInstanceOf(ConnectException.class);

      URI hole = URI.create(e.blackhole());
      try (Socket s = new Socket(hole.getHost(), hole.getPort())) {
        s.getOutputStream()
            .write("POST / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        s.setSoTimeout(300);
        InputStream in = s.getInputStream();
        assertThatThrownBy(in::read).isInstanceOf(SocketTimeoutException.class);
      }
    }
  }

  @Test
  void beaconAgainstADeadEndpointRetainsLittleClosesAndLeavesNoThread() throws Exception {
    try (Endpoints e = new Endpoints()) {
      System.setProperty("bench.endpoint.dead", e.dead());
      System.setProperty("bench.closeWaitSeconds", "30");
      JsonNode r = Results.JSON.readTree(Lifecycle.run(300_000, uri -> new BeaconClient(uri)));

      assertThat(r.path("calls").asLong()).isEqualTo(300_000);
      assertThat(r.path("retainedBytes").asLong()).isLessThan(8 << 20);
      assertThat(r.path("closeReturned").asBoolean()).isTrue();
      // The sinks' own HTTP dispatcher runs in this JVM too; none of Beacon's threads may be left.
      assertThat(r.path("nonDaemonThreads").toString()).doesNotContain("beacon");
    } finally {
      System.clearProperty("bench.endpoint.dead");
      System.clearProperty("bench.closeWaitSeconds");
    }
  }
}
