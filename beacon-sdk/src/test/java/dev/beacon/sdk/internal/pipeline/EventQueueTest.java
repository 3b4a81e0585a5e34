package dev.beacon.sdk.internal.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import dev.beacon.sdk.internal.report.Event;
import dev.beacon.sdk.internal.report.EventProbe;
import java.lang.management.ManagementFactory;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.ConcurrentModificationException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    return q.offer("e" + id, Map.of("id", id), id);
  }

  /**
   * A slot's array carries one event after another (capacity 1: always the same slot), yet each
   * event keeps its own properties, fewer or more than the last's, and none of a later one's.
   */
  @Test
  void eachEventKeepsItsOwnPropertiesThoughItsSlotsArrayIsReused() {
    EventQueue q = new EventQueue(1);
    List<Event> out = new ArrayList<>();
    Map<String, Object> three = new LinkedHashMap<>();
    three.put("a", 1);
    three.put("b", 2);
    three.put("c", 3);
    assertThat(q.offer("three", three, 1)).isTrue();
    assertThat(q.offer("refused", three, 2)).as("full").isFalse();
    q.drainTo(out, 10);
    assertThat(q.offer("one", Map.of("d", 4), 3)).isTrue();
    q.drainTo(out, 10);
    assertThat(q.offer("none", null, 4)).isTrue();
    q.drainTo(out, 10);
    Map<String, Object> forty = new LinkedHashMap<>(); // past what a slot keeps: made for it
    for (int i = 0; i < EventQueue.KEPT_MAX_PROPERTIES + 8; i++) {
      forty.put("k" + i, i);
    }
    assertThat(q.offer("forty", forty, 5)).isTrue();
    q.drainTo(out, 10);
    assertThat(q.offer("two", Map.of("e", 5), 6)).isTrue();
    q.drainTo(out, 10);

    assertThat(out)
        .extracting(EventProbe::name)
        .containsExactly("three", "one", "none", "forty", "two");
    assertThat(EventProbe.keyValues(out.get(0))).containsExactly("a", 1, "b", 2, "c", 3);
    assertThat(EventProbe.keyValues(out.get(1))).containsExactly("d", 4);
    assertThat(EventProbe.keyValues(out.get(2))).isEmpty();
    assertThat(EventProbe.keyValues(out.get(3))).hasSize(2 * forty.size()).contains("k39", 39);
    assertThat(EventProbe.keyValues(out.get(4))).containsExactly("e", 5);
  }

  /**
   * A host's map that throws while it is copied (here as a map changed under the copy does) gives
   * its claimed slot up: the caller gets the exception, and the queue neither waits for that slot
   * forever nor hands out an event for it.
   */
  @Test
  void aMapThatThrowsWhileCopiedGivesUpItsSlotAndTheQueueGoesOn() {
    EventQueue q = new EventQueue(4);
    Map<String, Object> hostile =
        new AbstractMap<>() {
          @Override
          public Set<Entry<String, Object>> entrySet() {
            throw new ConcurrentModificationException("changed under the copy");
          }

          @Override
          public int size() {
            return 3;
          }
        };
    assertThat(q.offer("before", Map.of("a", 1), 1)).isTrue();
    assertThatThrownBy(() -> q.offer("hostile", hostile, 2))
        .isInstanceOf(ConcurrentModificationException.class);
    assertThat(q.offer("after", Map.of("b", 2), 3)).isTrue();

    List<Event> out = new ArrayList<>();
    assertThat(q.drainTo(out, 10)).isEqualTo(2);
    assertThat(out).extracting(EventProbe::name).containsExactly("before", "after");
    assertThat(q.isEmpty()).isTrue();
    for (int i = 0; i < 4; i++) {
      assertThat(q.offer("again", Map.of("c", i), 10 + i)).as("all four slots free").isTrue();
    }
  }

  /**
   * Issue 20's target for a host's call, at most 100 bytes: a {@code track} whose event the queue
   * takes allocates nothing on the host's thread once its slot has carried an event as large (ten
   * properties of an unmodifiable map, as a product keeps them). Allocation is counted by the JVM
   * ({@code ThreadMXBean}), not timed.
   */
  @Test
  void aCallAllocatesNothingOnceItsSlotCarriedAnEventAsLarge() {
    Map<String, Object> p = new LinkedHashMap<>();
    for (int i = 0; i < 10; i++) {
      p.put("property" + i, i % 2 == 0 ? "value" + i : Integer.valueOf(i));
    }
    Map<String, Object> properties = Collections.unmodifiableMap(p);
    EventQueue q = new EventQueue(1000);
    List<Event> out = new ArrayList<>();
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    long allocated = 0;
    long calls = 0;
    for (int round = 0; round < 30; round++) {
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < 1000; i++) {
        q.offer("rule_created", properties, i);
      }
      long after = threads.getCurrentThreadAllocatedBytes();
      if (round > 0) { // the first round made the slots' arrays
        allocated += after - before;
        calls += 1000;
      }
      out.clear();
      q.drainTo(out, 1000); // the worker's part, not counted
    }
    assertThat(EventProbe.keyValues(out.get(999))).hasSize(20).contains("property9", 9);
    assertThat((double) allocated / calls).as("bytes a call").isLessThan(8.0);
  }

  private static Event event(long id) {
    return Event.capture("e", null, id);
  }
}
