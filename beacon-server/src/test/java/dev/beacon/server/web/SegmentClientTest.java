package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.segment.analytics.Analytics;
import com.segment.analytics.Callback;
import com.segment.analytics.Log;
import com.segment.analytics.messages.Message;
import com.segment.analytics.messages.TrackMessage;
import dev.beacon.server.storage.StoredEvent;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment's own Java client (com.segment.analytics.java:analytics) talks to Beacon as if it were
 * Segment: its track events arrive through the Segment-compatible endpoint and are stored, with
 * what Beacon does not keep (the user id) left out.
 */
class SegmentClientTest {
  private static final int EVENTS = 5;

  @TempDir Path data;

  @Test
  void segmentsJavaClientGivenBeaconAsItsEndpointDeliversTrackEventsThatAreStored() {
    // With only an endpoint, the client posts to its default path, /v1/import/.
    try (TestServer s = TestServer.start(data)) {
      deliverAndCheck(s, Analytics.builder(TestServer.ACME_KEY).endpoint(s.server.url()));
    }
  }

  @Test
  void segmentsJavaClientPostingToV1BatchDeliversTrackEventsThatAreStored() {
    try (TestServer s = TestServer.start(data)) {
      deliverAndCheck(
          s,
          Analytics.builder(TestServer.ACME_KEY)
              .endpoint(s.server.url())
              .setUploadURL(s.server.url() + "/v1/batch"));
    }
  }

  /**
   * Sends {@link #EVENTS} track messages through the client (one batch, flushed, then shut down,
   * which waits for the upload) and checks what Beacon stored.
   */
  private static void deliverAndCheck(TestServer s, Analytics.Builder builder) {
    List<Message> delivered = new CopyOnWriteArrayList<>();
    List<String> failures = new CopyOnWriteArrayList<>();
    List<String> log = new CopyOnWriteArrayList<>();
    Analytics analytics =
        builder
            .flushQueueSize(EVENTS)
            .retries(1)
            .log(recordingLog(log))
            .callback(
                new Callback() {
                  @Override
                  public void success(Message message) {
                    delivered.add(message);
                  }

                  @Override
                  public void failure(Message message, Throwable error) {
                    failures.add(message.messageId() + ": " + error);
                  }
                })
            .build();
    try {
      for (int i = 0; i < EVENTS; i++) {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("plan", "pro");
        properties.put("seats", 10 + i);
        properties.put("beta", i % 2 == 0);
        TrackMessage.Builder m =
            TrackMessage.builder("segment_event_" + i)
                .messageId("segment-msg-" + i)
                .anonymousId("segment-installation-" + (i % 2))
                .properties(properties);
        if (i == 0) {
          m.userId("jane@example.com"); // Beacon never keeps it
        }
        analytics.enqueue(m);
      }
      analytics.flush();
    } finally {
      analytics.shutdown();
    }

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              assertThat(failures).as("client failures; client log: %s", log).isEmpty();
              assertThat(s.server.store().count("acme"))
                  .as("stored events; client log: %s", log)
                  .isEqualTo(EVENTS);
            });
    await().atMost(Duration.ofSeconds(5)).until(() -> delivered.size() == EVENTS);
    assertThat(failures).isEmpty();

    List<StoredEvent> events =
        s.server.store().events("acme", 100).stream()
            .sorted(Comparator.comparing(StoredEvent::event))
            .toList();
    assertThat(events).hasSize(EVENTS);
    for (int i = 0; i < EVENTS; i++) {
      StoredEvent e = events.get(i);
      assertThat(e.type()).isEqualTo("track");
      assertThat(e.event()).isEqualTo("segment_event_" + i);
      assertThat(e.messageId()).isEqualTo("segment-msg-" + i);
      assertThat(e.installationId()).isEqualTo("segment-installation-" + (i % 2));
      assertThat(e.library()).isEqualTo("analytics-java");
      JsonNode props = json(e.properties());
      assertThat(props.get("plan").asText()).isEqualTo("pro");
      assertThat(props.get("seats").asInt()).isEqualTo(10 + i);
      assertThat(props.get("beta").asBoolean()).isEqualTo(i % 2 == 0);
      assertThat(e.properties() + e.context()).doesNotContain("jane@example.com");
    }
    assertThat(s.server.store().quarantined("acme", 10)).isEmpty();
  }

  @SuppressWarnings("AnnotateFormatMethod") // Segment's Log interface: not ours to annotate
  private static Log recordingLog(List<String> sink) {
    return new Log() {
      @Override
      public void print(Level level, String format, Object... args) {
        sink.add(level + " " + String.format(format, args));
      }

      @Override
      public void print(Level level, Throwable error, String format, Object... args) {
        sink.add(level + " " + String.format(format, args) + ": " + error);
      }
    };
  }

  private static JsonNode json(String text) {
    try {
      return TestServer.JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
