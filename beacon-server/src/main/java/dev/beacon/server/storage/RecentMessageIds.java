package dev.beacon.server.storage;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dedup window of a single-process store: message ids stored in the last {@code window} (at
 * most {@code capacity} of them), oldest first. Loaded from the store at start, so a client that
 * retries after a crash still finds its earlier attempt. Not thread-safe: the store's write lock
 * guards it.
 */
final class RecentMessageIds {
  private final long windowMillis;
  private final int capacity;
  private final LinkedHashMap<String, Long> ids = new LinkedHashMap<>();

  RecentMessageIds(Duration window, int capacity) {
    this.windowMillis = window.toMillis();
    this.capacity = capacity;
  }

  static String key(String product, String messageId) {
    return product + '\u0000' + messageId;
  }

  boolean contains(String product, String messageId) {
    return ids.containsKey(key(product, messageId));
  }

  void add(String product, String messageId, long receivedMillis) {
    ids.put(key(product, messageId), receivedMillis);
    Iterator<Map.Entry<String, Long>> it = ids.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Long> eldest = it.next();
      if (ids.size() > capacity || eldest.getValue() < receivedMillis - windowMillis) {
        it.remove();
      } else {
        break;
      }
    }
  }

  int size() {
    return ids.size();
  }
}
