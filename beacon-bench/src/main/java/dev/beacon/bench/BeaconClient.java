package dev.beacon.bench;

import dev.beacon.bench.harness.Client;
import dev.beacon.sdk.Beacon;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/** Beacon's SDK as a host sets it up: defaults, a state directory of its own, close at the end. */
public final class BeaconClient implements Client {
  private final Path state;
  private final Beacon beacon;

  public BeaconClient(URI endpoint) {
    try {
      state = Files.createTempDirectory("beacon-bench");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    beacon =
        Beacon.builder("bench")
            .version("1.0.0")
            .endpoint(endpoint)
            .writeKey("wk_bench")
            .stateDirectory(state)
            .registerMBean(false)
            .build();
    beacon.start();
  }

  @Override
  public void send(String event, Map<String, Object> properties) {
    beacon.track(event, properties);
  }

  @Override
  public void close() throws IOException {
    beacon.close();
    BenchRun.deleteTree(state);
  }
}
