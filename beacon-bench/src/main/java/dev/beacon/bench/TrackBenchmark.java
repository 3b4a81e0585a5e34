package dev.beacon.bench;

import dev.beacon.sdk.Beacon;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of {@link Beacon#track} on the caller's thread, with ten prebuilt properties, while the
 * endpoint is dead (connection refused) or black-holed (accepts, never answers). At millions of
 * calls per second the bounded queue is full almost all the time, so this measures the hot path a
 * host really pays under load: capture, offer, and drop-and-count.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class TrackBenchmark {
  @Param({"dead", "blackhole"})
  public String endpoint;

  private Beacon beacon;
  private ServerSocket hole;
  private Path state;
  private final Map<String, Object> properties = new LinkedHashMap<>();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    for (int i = 0; i < 10; i++) {
      properties.put("property_" + i, i % 2 == 0 ? "value_" + i : i);
    }
    state = Files.createTempDirectory("beacon-bench");
    URI uri;
    hole = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
    uri = URI.create("http://127.0.0.1:" + hole.getLocalPort());
    if (endpoint.equals("dead")) {
      hole.close();
    }
    beacon =
        Beacon.builder("bench")
            .version("1.0.0")
            .endpoint(uri)
            .writeKey("wk_bench")
            .stateDirectory(state)
            .registerMBean(false)
            .build();
    beacon.start();
  }

  @Benchmark
  public void track() {
    beacon.track("rule_created", properties);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    long start = System.nanoTime();
    beacon.close();
    System.out.printf(
        "%nclose() with the endpoint %s took %d ms%n",
        endpoint, (System.nanoTime() - start) / 1_000_000);
    hole.close();
    try (var files = Files.walk(state)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(TrackBenchmark::delete);
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
