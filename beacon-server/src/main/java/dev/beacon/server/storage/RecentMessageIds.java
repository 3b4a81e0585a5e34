package dev.beacon.server.storage;

import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The dedup window of a single-process store: message ids stored in the last {@code window}, at
 * most {@code capacityPerProduct} of them per product, oldest first. Per product, so that one write
 * key flooding new ids evicts only its own product's ids, never another's. Loaded from the store at
 * start, so a client that retries after a crash still finds its earlier attempt. Not thread-safe:
 * the store's write lock guards it.
 *
 * <p>Memory, measured by {@code RecentMessageIdsTest}: about 150 bytes per 36-character UUID id
 * (the string, the map entry and the boxed time), so 2,000,000 ids of one product take about 300
 * MB. The README says the same.
 */
final class RecentMessageIds {
  private final long windowMillis;
  private final int capacityPerProduct;
  private final Map<String, LinkedHashMap<String, Long>> byProduct = new HashMap<>();

  RecentMessageIds(Duration window, int capacityPerProduct) {
    this.windowMillis = window.toMillis();
    this.capacityPerProduct = capacityPerProduct;
  }

  static String key(String product, String messageId) {
    return product + '\u0000' + messageId;
  }

  boolean contains(String product, String messageId) {
    LinkedHashMap<String, Long> ids = byProduct.get(product);
    return ids != null && ids.containsKey(messageId);
  }

  void add(String product, String messageId, long receivedMillis) {
    LinkedHashMap<String, Long> ids =
        byProduct.computeIfAbsent(product, p -> new LinkedHashMap<>());
    ids.put(messageId, receivedMillis);
    Iterator<Map.Entry<String, Long>> it = ids.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<String, Long> eldest = it.next();
      if (ids.size() > capacityPerProduct || eldest.getValue() < receivedMillis - windowMillis) {
        it.remove();
      } else {
        break;
      }
    }
  }

  int size() {
    int n = 0;
    for (LinkedHashMap<String, Long> ids : byProduct.values()) {
      n += ids.size();
    }
    return n;
  }

  int size(String product) {
    LinkedHashMap<String, Long> ids = byProduct.get(product);
    return ids == null ? 0 : ids.size();
  }
}
