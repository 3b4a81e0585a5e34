package dev.beacon.bench.peer;

import dev.beacon.bench.harness.Client;
import dev.beacon.bench.harness.SendBenchmark;
import java.net.URI;

/** {@code emit} of the OpenTelemetry logs SDK. */
public class OpenTelemetryBenchmark extends SendBenchmark {
  @Override
  protected Client open(URI endpoint) {
    return new OpenTelemetryClient(endpoint);
  }
}
