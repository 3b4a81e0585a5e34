package dev.beacon.bench.peer;

import com.segment.analytics.Analytics;
import com.segment.analytics.messages.TrackMessage;
import dev.beacon.bench.harness.Client;
import java.net.URI;
import java.util.Map;

/** Segment's analytics-java as its README sets it up: defaults, {@code flush()} then shutdown. */
public final class SegmentClient implements Client {
  private final Analytics analytics;

  public SegmentClient(URI endpoint) {
    analytics = Analytics.builder("wk_bench").endpoint(endpoint.toString()).build();
  }

  @Override
  public void send(String event, Map<String, Object> properties) {
    analytics.enqueue(TrackMessage.builder(event).userId("bench-user").properties(properties));
  }

  @Override
  public void close() {
    analytics.flush();
    analytics.shutdown();
  }
}
