package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.internal.pipeline.PipelineProbe;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A host that emits far faster than any endpoint takes: the worker takes at most one queue's worth
 * per overload pause, so its work (and CPU) is bounded by time, not by what the host emits. The
 * rest is dropped and counted.
 */
class OverloadTest {
  @TempDir Path state;

  @Test
  void theWorkerTakesAtMostOneQueuePerPauseWhateverTheHostEmits() throws Exception {
    int queue = 64;
    Beacon beacon =
        TestBeacons.builder(state, Endpoints.dead()).maxQueueSize(queue).maxBatchSize(16).build();
    beacon.start();
    Map<String, Object> properties = Map.of("kind", "republish", "n", 1);
    long calls = 0;
    long start = System.nanoTime();
    try {
      // Long enough for several pauses whatever the machine's speed.
      while (System.nanoTime() - start < 1_000_000_000L) {
        for (int i = 0; i < 1000; i++) {
          beacon.track("rule_created", properties);
        }
        calls += 1000;
      }
      long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
      long accepted = calls - beacon.droppedEvents();
      long pauses = elapsedMillis / (PipelineProbe.OVERLOAD_PAUSE_NANOS / 1_000_000);
      // One queue's worth per pause, one more before the first pause, one queued at the end.
      assertThat(accepted).isLessThanOrEqualTo((pauses + 3) * queue);
      assertThat(beacon.droppedEvents()).isGreaterThan(calls / 2);
    } finally {
      beacon.close();
    }
  }
}
