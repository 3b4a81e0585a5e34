package dev.beacon.bench.peer;

import dev.beacon.bench.harness.Client;
import dev.beacon.bench.harness.SendBenchmark;
import java.net.URI;

/** {@code enqueue} of Segment's analytics-java. */
public class SegmentBenchmark extends SendBenchmark {
  @Override
  protected Client open(URI endpoint) {
    return new SegmentClient(endpoint);
  }
}
