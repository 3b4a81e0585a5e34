package dev.beacon.server.storage;

/**
 * One product's recent message ids, as 128-bit keyed hashes: a ring in arrival order (16 bytes an
 * id), an open-addressing index into it (linear probing at a load of at most 0.6, so 6.7 bytes an
 * id at most; deletion by backward shift, so no tombstones pile up), and the newest arrival per
 * block of {@value #BLOCK} ids. The ring grows by doubling up to its capacity. Ids leave oldest
 * first: by the capacity, or when the newest arrival of the oldest's block is out of the window (so
 * an id may stay a little past the window, until its block's newest leaves it or the capacity
 * pushes it out, never shorter). Not thread-safe.
 */
final class IdWindow {
  static final int BLOCK = 1024;

  /**
   * The index's highest load. Linear probing's clusters grow fast with the load: a new id's lookup
   * probes about 13 slots at 0.8, 3.6 at 0.6. Measured at the cap of 2 M ids (a contains and an add
   * that evicts the oldest, one thread, 2026-12-07): 550 ns at 0.8 when the deletion's backward
   * shift read the ring for each entry it passed (17 % of the server's Java samples under batched
   * ingest), 217 ns at 0.8 with each entry's distance from home in the index, 145 ns at 0.6, for
   * 1.7 bytes more an id.
   */
  private static final double MAX_LOAD = 0.6;

  /** Bits of an index entry that hold its distance from its home slot. */
  private static final int DISTANCE_BITS = 4;

  private final int capacity;
  private long[] low;
  private long[] high;
  private long[] newestInBlock;

  /**
   * Ring position + 1 in the low {@link #positionBits} bits (0 is an empty slot); above them the
   * entry's distance from its home slot ({@link #DISTANCE_BITS}, all ones: that far or farther, see
   * the ring); above that as many top bits of the id's high half as fit, its tag. A lookup reads
   * the ring (a cache miss in a large window) only for the slots whose tag matches, not for every
   * slot of its probe sequence; a deletion's backward shift knows each entry's home from its
   * distance, without the ring.
   */
  private int[] index;

  private int positionBits;
  private int positionMask;
  private int distanceBits;
  private int distanceMask;
  private int tagShift;
  private int head;
  private int size;
  private int removedEntries; // ring entries of removed ids (left in place until evicted)

  IdWindow(int capacity) {
    this.capacity = capacity;
    allocate(Math.min(capacity, BLOCK));
  }

  /**
   * Reads the index slots the next lookups of these ids (two longs each, from {@code from} to
   * {@code to}) start from, and with {@code adding} those of the evictions their adding will make,
   * all at once. In a window of millions each such read is a cache miss; made one after another, as
   * a lookup's probe needs its slot before going on, they wait for memory in turn, but here none
   * depends on another, so the processor has many in flight and the lookups after find their slots
   * cached. Returns what it read (to be kept, so that the reads are not left out as unused).
   */
  long touch(long[] hashes, int from, int to, boolean adding) {
    long sum = 0;
    for (int i = from; i < to; i++) {
      sum += index[home(hashes[2 * i])];
    }
    int n = adding ? Math.min(size, Math.max(0, size + (to - from) - capacity)) : 0;
    for (int k = 0; k < n; k++) {
      sum += index[home(low[(head + k) % low.length])];
    }
    return sum;
  }

  boolean contains(long lo, long hi) {
    return slotOf(lo, hi) >= 0;
  }

  /** The index slot of an id, or -1. */
  private int slotOf(long lo, long hi) {
    int tag = tag(hi);
    for (int s = home(lo); index[s] != 0; s = next(s)) {
      int e = index[s];
      if (tagShift == 32 || e >>> tagShift == tag) {
        int p = (e & positionMask) - 1;
        if (low[p] == lo && high[p] == hi) {
          return s;
        }
      }
    }
    return -1;
  }

  /**
   * Takes an id out (erasure): out of the index at once; its place in the ring stays, marked
   * removed (both halves 0, which no id hashes to but with a chance of 2<sup>-128</sup>), until it
   * leaves by age.
   */
  void remove(long lo, long hi) {
    int s = slotOf(lo, hi);
    if (s >= 0) {
      int p = (index[s] & positionMask) - 1;
      deleteSlot(s);
      low[p] = 0;
      high[p] = 0;
      removedEntries++;
    }
  }

  private boolean removed(int p) {
    return low[p] == 0 && high[p] == 0;
  }

  /** Adds an id not in the window, after letting out those past the capacity or the cutoff. */
  void add(long lo, long hi, long millis, long cutoffMillis) {
    evictOlderThan(cutoffMillis);
    if (size == capacity) {
      evictHead();
    } else if (size == low.length) {
      grow();
    }
    int p = (head + size) % low.length;
    low[p] = lo;
    high[p] = hi;
    int block = p / BLOCK;
    newestInBlock[block] = p % BLOCK == 0 ? millis : Math.max(newestInBlock[block], millis);
    put(p, lo, hi);
    size++;
  }

  /** Indexes ring position {@code p}, which holds the id {@code lo}, {@code hi}. */
  private void put(int p, long lo, long hi) {
    int s = home(lo);
    int distance = 0;
    while (index[s] != 0) {
      s = next(s);
      distance++;
    }
    int tag = tag(hi);
    index[s] = (tagShift == 32 ? 0 : tag << tagShift) | withDistance(p + 1, distance);
  }

  /** The entry {@code e} with its distance from home set to {@code distance} (or saturated). */
  private int withDistance(int e, int distance) {
    int cleared = e & ~(distanceMask << positionBits);
    return cleared | (Math.min(distance, distanceMask) << positionBits);
  }

  /** The home slot of the entry {@code e} at slot {@code s}: from its distance, else the ring. */
  private int homeOf(int s, int e) {
    int distance = (e >>> positionBits) & distanceMask;
    if (distance < distanceMask) {
      int h = s - distance;
      return h < 0 ? h + index.length : h;
    }
    return home(low[(e & positionMask) - 1]);
  }

  void evictOlderThan(long cutoffMillis) {
    while (size > 0 && newestInBlock[head / BLOCK] < cutoffMillis) {
      evictHead();
    }
  }

  /** Ring entries, those of removed ids included (what bounds the window and takes its memory). */
  int size() {
    return size;
  }

  /** The ids it holds (a removed one's entry aside). */
  int ids() {
    return size - removedEntries;
  }

  /** What its arrays take, in bytes (the objects' headers aside). */
  long bytes() {
    return 8L * (low.length + high.length + newestInBlock.length) + 4L * index.length;
  }

  private void evictHead() {
    if (removed(head)) {
      removedEntries--;
    } else {
      int s = home(low[head]);
      while ((index[s] & positionMask) != head + 1) {
        s = next(s);
      }
      deleteSlot(s);
    }
    head = (head + 1) % low.length;
    size--;
  }

  /** Empties slot {@code i}, moving back the entries after it that would no longer be found. */
  private void deleteSlot(int i) {
    int j = i;
    while (true) {
      j = next(j);
      int e = index[j];
      if (e == 0) {
        break;
      }
      int home = homeOf(j, e);
      boolean stays = i <= j ? i < home && home <= j : i < home || home <= j;
      if (!stays) {
        int distance = i - home;
        index[i] = withDistance(e, distance < 0 ? distance + index.length : distance);
        i = j;
      }
    }
    index[i] = 0;
  }

  private void grow() {
    long[] oldLow = low;
    long[] oldHigh = high;
    long[] oldNewest = newestInBlock;
    int oldHead = head;
    int n = size;
    int gone = removedEntries;
    allocate((int) Math.min(capacity, 2L * oldLow.length));
    for (int k = 0; k < n; k++) {
      int from = (oldHead + k) % oldLow.length;
      low[k] = oldLow[from];
      high[k] = oldHigh[from];
      int block = k / BLOCK;
      long t = oldNewest[from / BLOCK];
      newestInBlock[block] = k % BLOCK == 0 ? t : Math.max(newestInBlock[block], t);
      if (!removed(k)) {
        put(k, low[k], high[k]);
      }
    }
    size = n;
    removedEntries = gone;
  }

  private void allocate(int ringLength) {
    low = new long[ringLength];
    high = new long[ringLength];
    newestInBlock = new long[(ringLength + BLOCK - 1) / BLOCK];
    index = new int[(int) Math.ceil(ringLength / MAX_LOAD) + 1];
    positionBits = 32 - Integer.numberOfLeadingZeros(ringLength); // holds ringLength itself
    positionMask = (int) ((1L << positionBits) - 1);
    distanceBits = Math.min(DISTANCE_BITS, 32 - positionBits);
    distanceMask = (1 << distanceBits) - 1; // all ones: "that far or farther", see the ring
    tagShift = positionBits + distanceBits; // 32: no tag bits left (a huge ring)
    head = 0;
    size = 0;
    removedEntries = 0;
  }

  /** The index slot an id starts from: its hash's top 32 bits scaled to the index's length. */
  private int home(long lo) {
    return (int) (((lo >>> 32) * index.length) >>> 32);
  }

  /** The top bits of the id's high half that fit above the distance (none in a huge ring). */
  private int tag(long hi) {
    int bits = 32 - tagShift;
    return bits == 0 ? 0 : (int) (hi >>> (64 - bits));
  }

  private int next(int slot) {
    return slot + 1 == index.length ? 0 : slot + 1;
  }
}
