package dev.beacon.bench.harness;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The lifecycle measurement tells the SDKs that hold on to events from those that do not, the ones
 * whose close() hangs, and the ones that leave a thread keeping the JVM alive: each with a client
 * built to behave that way.
 */
class LifecycleTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @BeforeEach
  void endpoints() {
    System.setProperty("bench.endpoint.dead", "http://127.0.0.1:9");
    System.setProperty("bench.closeWaitSeconds", "1");
    System.setProperty("bench.stopAtMb", "64");
  }

  @AfterEach
  void clear() {
    System.clearProperty("bench.endpoint.dead");
    System.clearProperty("bench.closeWaitSeconds");
    System.clearProperty("bench.stopAtMb");
  }

  @Test
  void aClientThatDropsRetainsNothingClosesAtOnceAndLeavesNoThread() throws Exception {
    JsonNode r = run(200_000, uri -> new Dropping());

    assertThat(r.path("calls").asLong()).isEqualTo(200_000);
    assertThat(r.path("retainedBytes").asLong()).isLessThan(2 << 20);
    assertThat(r.path("stoppedAtLimit").asBoolean()).isFalse();
    assertThat(r.path("closeReturned").asBoolean()).isTrue();
    assertThat(r.path("nonDaemonThreads")).isEmpty();
    assertThat(r.path("failure").isNull()).isTrue();
  }

  @Test
  void aClientThatKeepsEveryEventIsCaughtAndStoppedAtTheLimit() throws Exception {
    JsonNode r = run(10_000_000, uri -> new Hoarding());

    assertThat(r.path("stoppedAtLimit").asBoolean()).isTrue();
    assertThat(r.path("calls").asLong()).isLessThan(10_000_000);
    assertThat(r.path("retainedBytes").asLong()).isGreaterThan(64L << 20);
  }

  @Test
  void aCloseThatHangsAndAThreadLeftRunningAreReported() throws Exception {
    Hanging client = new Hanging();
    try {
      JsonNode r = run(1_000, uri -> client);

      assertThat(r.path("closeReturned").asBoolean()).isFalse();
      assertThat(r.path("closeMs").asLong()).isGreaterThanOrEqualTo(1_000);
      assertThat(r.path("nonDaemonThreads").toString()).contains("hanging-sender");
    } finally {
      client.release.countDown();
    }
  }

  private static JsonNode run(long calls, Function<URI, Client> sdk) throws Exception {
    return JSON.readTree(Lifecycle.run(calls, sdk));
  }

  /** Like a bounded queue that is always full. */
  private static final class Dropping implements Client {
    @Override
    public void send(String event, Map<String, Object> properties) {
      // dropped: kept nowhere
    }

    @Override
    public void close() {}
  }

  /** Like an unbounded queue: a copy of every event, kept. */
  private static final class Hoarding implements Client {
    final List<byte[]> kept = new ArrayList<>();

    @Override
    public void send(String event, Map<String, Object> properties) {
      kept.add(new byte[512]);
    }

    @Override
    public void close() {}
  }

  /** A sender thread that is not a daemon, and a close() that waits for it. */
  private static final class Hanging implements Client {
    final CountDownLatch release = new CountDownLatch(1);
    final Thread sender =
        new Thread(
            () -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "hanging-sender");

    Hanging() {
      sender.start();
    }

    @Override
    public void send(String event, Map<String, Object> properties) {}

    @Override
    public void close() throws InterruptedException {
      sender.join();
    }
  }
}
