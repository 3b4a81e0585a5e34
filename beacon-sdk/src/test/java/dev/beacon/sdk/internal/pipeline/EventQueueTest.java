package dev.beacon.sdk.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.beacon.sdk.internal.report.Event;
import dev.beacon.sdk.internal.report.EventProbe;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class EventQueueTest {
  @Test
  void holdsAtMostItsCapacityEvenWhenThatIsNoPowerOfTwo() {
    EventQueue q = new EventQueue(3);
    assertThat(q.offer(event(1))).isTrue();
    assertThat(q.offer(event(2))).isTrue();
    assertThat(q.offer(event(3))).isTrue();
    assertThat(q.isFull()).isTrue();
    assertThat(q.offer(event(4))).isFalse();
    assertThat(q.size()).isEqualTo(3);

    List<Event> out = new ArrayList<>();
    assertThat(q.drainTo(out, 1)).isEqualTo(1);
    assertThat(q.isFull()).isFalse();
    assertThat(q.offer(event(5))).isTrue();
    assertThat(q.offer(event(6))).isFalse();
    assertThat(q.drainTo(out, 10)).isEqualTo(3);
    assertThat(out).extracting(EventProbe::epochMillis).containsExactly(1L, 2L, 3L, 5L);
    assertThat(q.isEmpty()).isTrue();
    assertThat(q.drainTo(out, 10)).isZero();
  }

  @Test
  void clearForgetsEverythingAndFreesTheRoom() {
    EventQueue q = new EventQueue(4);
    for (int i = 0; i < 4; i++) {
      q.offer(event(i));
    }
    q.clear();
    assertThat(q.isEmpty()).isTrue();
    for (int i = 0; i < 4; i++) {
      assertThat(q.offer(event(i))).isTrue();
    }
  }

  @Test
  void refusesANonsenseCapacity() {
    assertThatThrownBy(() -> new EventQueue(0)).hasMessageContaining("capacity");
  }

  @Test
  void manyProducersAndADrainingConsumerLoseNothingAndDuplicateNothing() throws Exception {
    int producers = 4;
    int perProducer = 250_000;
    EventQueue q = new EventQueue(1000);
    BitSet accepted = new BitSet(producers * perProducer);
    AtomicLong acceptedCount = new AtomicLong();
    AtomicInteger overCapacity = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    List<Thread> threads = new ArrayList<>();
    List<BitSet> acceptedBy = new ArrayList<>();
    for (int t = 0; t < producers; t++) {
      int base = t * perProducer;
      BitSet mine = new BitSet();
      acceptedBy.add(mine);
      Thread th =
          new Thread(
              () -> {
                try {
                  start.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < perProducer; i++) {
                  // Both kinds: an Event, and a plain event whose name and time ride beside.
                  if (i % 2 == 0 ? q.offer(event(base + i)) : offerPlain(q, base + i)) {
                    mine.set(base + i);
                    acceptedCount.incrementAndGet();
                  }
                }
              });
      threads.add(th);
      th.start();
    }
    BitSet received = new BitSet();
    AtomicLong duplicates = new AtomicLong();
    AtomicLong torn = new AtomicLong();
    AtomicBoolean producing = new AtomicBoolean(true);
    Thread consumer =
        new Thread(
            () -> {
              List<Event> batch = new ArrayList<>();
              while (producing.get() || !q.isEmpty()) {
                if (q.size() > 1000) {
                  overCapacity.incrementAndGet();
                }
                batch.clear();
                q.drainTo(batch, 100);
                for (Event e : batch) {
                  int id = (int) EventProbe.epochMillis(e);
                  Object[] kv = EventProbe.keyValues(e);
                  if (id % 2 == 1 && (!EventProbe.name(e).equals("e" + id) || !kv[1].equals(id))) {
                    torn.incrementAndGet(); // a name or properties of another slot's event
                  }
                  if (received.get(id)) {
                    duplicates.incrementAndGet();
                  }
                  received.set(id);
                }
              }
            });
    consumer.start();
    start.countDown();
    for (Thread th : threads) {
      th.join();
    }
    producing.set(false);
    consumer.join();

    for (BitSet b : acceptedBy) {
      accepted.or(b);
    }
    assertThat(acceptedCount.get()).isPositive();
    assertThat(duplicates.get()).isZero();
    assertThat(torn.get()).isZero();
    assertThat(overCapacity.get()).isZero();
    assertThat(received).isEqualTo(accepted);
  }

  private static boolean offerPlain(EventQueue q, int id) {
    return q.offer("e" + id, Event.keyValues(Map.of("id", id)), id);
  }

  private static Event event(long id) {
    return Event.capture("e", null, id);
  }
}
