package dev.beacon.bench;

import dev.beacon.bench.harness.Client;
import dev.beacon.bench.harness.SendBenchmark;
import java.net.URI;
import java.util.Map;

/**
 * No SDK at all: a call that only reads its arguments. Its tail is the machine's (the scheduler,
 * the hypervisor, timer interrupts), the floor under every SDK's figures in the same run.
 */
public class FloorBenchmark extends SendBenchmark {
  @Override
  protected Client open(URI endpoint) {
    return new Floor();
  }

  /** Touches the event and its properties, keeps nothing. */
  static final class Floor implements Client {
    @SuppressWarnings("UnusedVariable") // written so that the work is not optimised away
    private int sink;

    @Override
    public void send(String event, Map<String, Object> properties) {
      sink += event.length() + properties.size();
    }

    @Override
    public void close() {}
  }
}
