package dev.beacon.bench.peer;

import dev.beacon.bench.harness.Client;
import dev.beacon.bench.harness.SendBenchmark;
import java.net.URI;

/** {@code capture} of PostHog's legacy Java library. */
public class PostHogLegacyBenchmark extends SendBenchmark {
  @Override
  protected Client open(URI endpoint) {
    return new PostHogLegacyClient(endpoint);
  }
}
