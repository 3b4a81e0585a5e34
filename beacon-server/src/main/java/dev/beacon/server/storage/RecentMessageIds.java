package dev.beacon.server.storage;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The dedup window of a single-process store: message ids stored in the last {@code window}, at
 * most {@code capacityPerProduct} of them per product, oldest first. Per product, so that one write
 * key flooding new ids evicts only its own product's ids, never another's. Loaded from the store at
 * start, so a client that retries after a crash still finds its earlier attempt. Not thread-safe
 * (the store's write lock guards it), but for {@link #hashes}, which reads only the key.
 *
 * <p>An id is kept as its 128-bit SipHash under a key of this process's own (the window is loaded
 * again at each start, so the key never needs to be kept): 16 bytes, whatever the id's length, and
 * no client can aim two ids at one hash without the key (the chance that two of a product's 2
 * million ids share one by accident is about 2<sup>-87</sup>). With the index and the blocks'
 * times, an id takes about 23 bytes at the cap ({@link IdWindow}; {@code RecentMessageIdsTest}
 * measures it), so 2,000,000 ids of one product take about 45 MB.
 */
final class RecentMessageIds {
  private final long windowMillis;
  private final int capacityPerProduct;
  private final SipHash hash = SipHash.withRandomKey();
  private final Map<String, IdWindow> byProduct = new HashMap<>();

  /** What {@link #touch} read, kept so that its reads are made. */
  @SuppressWarnings("unused")
  private long touched;

  RecentMessageIds(Duration window, int capacityPerProduct) {
    this.windowMillis = window.toMillis();
    this.capacityPerProduct = capacityPerProduct;
  }

  static String key(String product, String messageId) {
    return product + '\u0000' + messageId;
  }

  boolean contains(String product, String messageId) {
    IdWindow ids = byProduct.get(product);
    if (ids == null) {
      return false;
    }
    long lo = hash.hash(messageId);
    return ids.contains(lo, hash.high());
  }

  /**
   * The keyed hashes of the events' message ids, two longs an event, so that a write hashes each id
   * once for {@link #contains(String, long[], int)} and {@link #add(String, long[], int, long)}.
   * Thread-safe (it reads only the key): a request's thread hashes its events before the write
   * waits for the store's lock ({@link Write.Prepared}).
   */
  long[] hashes(List<StoredEvent> events) {
    SipHash h = hash.another();
    long[] out = new long[2 * events.size()];
    for (int i = 0; i < events.size(); i++) {
      out[2 * i] = h.hash(events.get(i).messageId());
      out[2 * i + 1] = h.high();
    }
    return out;
  }

  /**
   * Which events of one write are the first of their product and id in it (a batch may carry an id
   * twice): by their hashes, in a small table of this call's own, without a string per event.
   */
  static boolean[] firstInCall(List<StoredEvent> events, long[] hashes) {
    int n = events.size();
    boolean[] first = new boolean[n];
    int[] slots = new int[Integer.highestOneBit(Math.max(1, 2 * n - 1)) << 1];
    int mask = slots.length - 1;
    for (int i = 0; i < n; i++) {
      long lo = hashes[2 * i];
      long hi = hashes[2 * i + 1];
      int s = (int) (lo ^ (lo >>> 32)) & mask;
      boolean seen = false;
      for (; slots[s] != 0; s = (s + 1) & mask) {
        int j = slots[s] - 1;
        if (hashes[2 * j] == lo
            && hashes[2 * j + 1] == hi
            && events.get(j).product().equals(events.get(i).product())) {
          seen = true;
          break;
        }
      }
      if (!seen) {
        slots[s] = i + 1;
        first[i] = true;
      }
    }
    return first;
  }

  /**
   * Before the events' ids are looked up ({@code adding} false) or added (true): reads the slots of
   * their windows they will need, all at once ({@link IdWindow#touch}).
   */
  void touch(List<StoredEvent> events, long[] hashes, boolean adding) {
    long sum = 0;
    int from = 0;
    while (from < events.size()) {
      String product = events.get(from).product();
      int to = from + 1;
      while (to < events.size() && events.get(to).product().equals(product)) {
        to++;
      }
      IdWindow ids = byProduct.get(product);
      if (ids != null) {
        sum += ids.touch(hashes, from, to, adding);
      }
      from = to;
    }
    touched = sum;
  }

  /** Whether the id hashed at {@code i} of {@link #hashes} is in the product's window. */
  boolean contains(String product, long[] hashes, int i) {
    IdWindow ids = byProduct.get(product);
    return ids != null && ids.contains(hashes[2 * i], hashes[2 * i + 1]);
  }

  /**
   * Adds the id hashed at {@code i} of {@link #hashes}, which the caller found not in the window
   * under the same lock (so it is not asked again).
   */
  void add(String product, long[] hashes, int i, long receivedMillis) {
    byProduct
        .computeIfAbsent(product, p -> new IdWindow(capacityPerProduct))
        .add(hashes[2 * i], hashes[2 * i + 1], receivedMillis, receivedMillis - windowMillis);
  }

  /** Adds an id if it is not yet in the window (loading the window from the store). */
  void add(String product, String messageId, long receivedMillis) {
    IdWindow ids = byProduct.computeIfAbsent(product, p -> new IdWindow(capacityPerProduct));
    long lo = hash.hash(messageId);
    long hi = hash.high();
    if (!ids.contains(lo, hi)) {
      ids.add(lo, hi, receivedMillis, receivedMillis - windowMillis);
    }
  }

  /** Takes an id out of the window (erasure). */
  void remove(String product, String messageId) {
    IdWindow ids = byProduct.get(product);
    if (ids != null) {
      long lo = hash.hash(messageId);
      ids.remove(lo, hash.high());
    }
  }

  int size() {
    int n = 0;
    for (IdWindow ids : byProduct.values()) {
      n += ids.size();
    }
    return n;
  }

  /** The ids held, of all products (a removed id's entry, left until evicted, aside). */
  long ids() {
    long n = 0;
    for (IdWindow w : byProduct.values()) {
      n += w.ids();
    }
    return n;
  }

  int size(String product) {
    IdWindow ids = byProduct.get(product);
    return ids == null ? 0 : ids.size();
  }

  /** What the windows' arrays take, in bytes. */
  long bytes() {
    long n = 0;
    for (IdWindow ids : byProduct.values()) {
      n += ids.bytes();
    }
    return n;
  }
}
