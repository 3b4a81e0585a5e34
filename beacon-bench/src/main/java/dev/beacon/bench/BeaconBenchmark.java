package dev.beacon.bench;

import dev.beacon.bench.harness.Client;
import dev.beacon.bench.harness.SendBenchmark;
import java.net.URI;

/**
 * {@code Beacon.track()} on the caller's thread. At millions of calls per second the bounded queue
 * is full nearly all the time, so with the endpoint dead or black-holed this measures the path a
 * host pays under load: capture, offer, drop and count.
 */
public class BeaconBenchmark extends SendBenchmark {
  @Override
  protected Client open(URI endpoint) {
    return new BeaconClient(endpoint);
  }
}
