package dev.beacon.server.storage;

import java.util.Arrays;

/**
 * Which member rows exist, and which day ranges seen rows cover, for the store's one writer: a
 * write leaves out what is known to be there already, so that an installation's hundredth event of
 * a day costs no rollup row but its counters. Direct-mapped (each key has one slot, a newer key
 * takes it), 2^18 slots of two longs (4 MiB), keys compared by a 64-bit hash; what it forgets is
 * written again, which the upsert makes harmless. Only a store with a single writer may use it
 * (DuckDB, which holds its file locked): it learns a write once that write has committed, and
 * forgets everything when rollups are deleted.
 */
final class RollupCache {
  private static final int SLOTS = 1 << 18;
  private final long[] keys = new long[SLOTS];
  private final long[] values = new long[SLOTS];

  /** The key a member row is known by here (computed once for a check and the learning after). */
  static long memberKey(RollupDelta.MemberKey k) {
    return withDay(hash(k.product(), k.family(), k.scope(), k.member()), k.day().toEpochDay());
  }

  /** The key a seen row is known by here. */
  static long seenKey(RollupDelta.SeenKey k) {
    return nonZero(hash(k.product(), k.family(), k.scope(), k.name(), k.member()) ^ 0x5bd1e995L);
  }

  /** Whether the member row of {@link #memberKey} {@code h} is known to exist. */
  boolean hasMember(long h) {
    int slot = slot(h);
    return keys[slot] == h && values[slot] == 1;
  }

  void addMember(long h) {
    int slot = slot(h);
    keys[slot] = h;
    values[slot] = 1;
  }

  /** Whether the seen row of {@link #seenKey} {@code h} is known to cover these days already. */
  boolean covers(long h, long firstDay, long lastDay) {
    int slot = slot(h);
    if (keys[slot] != h) {
      return false;
    }
    long v = values[slot];
    return (v >>> 32) <= firstDay && (v & 0xffffffffL) >= lastDay;
  }

  void addSeen(long h, long firstDay, long lastDay) {
    int slot = slot(h);
    if (keys[slot] == h) {
      firstDay = Math.min(firstDay, values[slot] >>> 32);
      lastDay = Math.max(lastDay, values[slot] & 0xffffffffL);
    }
    keys[slot] = h;
    values[slot] = (firstDay << 32) | lastDay;
  }

  void clear() {
    Arrays.fill(keys, 0);
    Arrays.fill(values, 0);
  }

  private static int slot(long h) {
    return (int) (h ^ (h >>> 29)) & (SLOTS - 1);
  }

  /**
   * FNV-1a over the parts' UTF-16 code units (no copy on the writer's thread), a separator that no
   * code unit equals between them.
   */
  private static long hash(String... parts) {
    long h = 0xcbf29ce484222325L;
    for (String p : parts) {
      for (int i = 0; i < p.length(); i++) {
        h ^= p.charAt(i);
        h *= 0x100000001b3L;
      }
      h ^= 0x10000;
      h *= 0x100000001b3L;
    }
    return h;
  }

  /** FNV-1a continued over a day number's two halves (no text made of the day). */
  private static long withDay(long h, long epochDay) {
    h ^= epochDay & 0xffffffffL;
    h *= 0x100000001b3L;
    h ^= epochDay >>> 32;
    h *= 0x100000001b3L;
    return nonZero(h);
  }

  private static long nonZero(long h) {
    return h == 0 ? 1 : h; // 0 marks an empty slot
  }
}
