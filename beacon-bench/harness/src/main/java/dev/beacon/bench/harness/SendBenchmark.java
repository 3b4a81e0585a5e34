package dev.beacon.bench.harness;

import java.net.URI;
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
 * The cost of one event on the caller's thread, the same for every SDK: one thread, ten prebuilt
 * properties, JMH {@code SampleTime} (every call's time is a sample, so the tail is real), with the
 * endpoint alive, dead or black-holed. Each SDK's module extends this with a one-line {@link
 * #open}; JMH generates the benchmark for the subclass.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public abstract class SendBenchmark {
  @Param({"alive", "dead", "blackhole"})
  public String endpoint;

  private Client client;
  private Map<String, Object> properties;

  /** Builds and starts the SDK as a host would, sending to {@code endpoint}. */
  protected abstract Client open(URI endpoint) throws Exception;

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    properties = Peer.tenProperties();
    client = open(Peer.endpoint(endpoint));
  }

  @Benchmark
  public void send() {
    client.send(Peer.EVENT, properties);
  }

  @TearDown(Level.Trial)
  public void tearDown() throws InterruptedException {
    // Bounded: how long close() takes is Lifecycle's measurement, not this one's.
    Peer.closeWithin(client, 5);
  }
}
