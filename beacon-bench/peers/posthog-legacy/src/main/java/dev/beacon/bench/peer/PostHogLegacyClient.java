package dev.beacon.bench.peer;

import com.posthog.java.PostHog;
import dev.beacon.bench.harness.Client;
import java.net.URI;
import java.util.Map;

/**
 * PostHog's legacy {@code com.posthog.java:posthog} as its README sets it up: defaults, shutdown.
 */
public final class PostHogLegacyClient implements Client {
  private final PostHog posthog;

  public PostHogLegacyClient(URI endpoint) {
    posthog = new PostHog.Builder("phc_bench").host(endpoint.toString()).build();
  }

  @Override
  public void send(String event, Map<String, Object> properties) {
    posthog.capture("bench-user", event, properties);
  }

  @Override
  public void close() {
    posthog.shutdown();
  }
}
