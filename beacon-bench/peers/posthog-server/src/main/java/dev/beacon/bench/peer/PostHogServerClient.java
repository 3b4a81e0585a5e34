package dev.beacon.bench.peer;

import com.posthog.server.PostHog;
import com.posthog.server.PostHogCaptureOptions;
import com.posthog.server.PostHogConfig;
import com.posthog.server.PostHogInterface;
import dev.beacon.bench.harness.Client;
import java.net.URI;
import java.util.Map;

/**
 * PostHog's {@code com.posthog:posthog-server} as its documentation sets it up: defaults, {@code
 * close()}. The capture options are built once per property map, as the other SDKs get theirs.
 */
public final class PostHogServerClient implements Client {
  private final PostHogInterface posthog;
  private Map<String, Object> lastProperties;
  private PostHogCaptureOptions lastOptions;

  public PostHogServerClient(URI endpoint) {
    posthog = PostHog.with(PostHogConfig.builder("phc_bench").host(endpoint.toString()).build());
  }

  @Override
  public void send(String event, Map<String, Object> properties) {
    if (properties != lastProperties) {
      lastOptions = PostHogCaptureOptions.builder().properties(properties).build();
      lastProperties = properties;
    }
    posthog.capture("bench-user", event, lastOptions);
  }

  @Override
  public void close() {
    posthog.close();
  }
}
