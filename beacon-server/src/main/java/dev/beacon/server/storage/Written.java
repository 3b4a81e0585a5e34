package dev.beacon.server.storage;

import java.util.List;

/**
 * What a {@link Write} did: for each event, in order, whether it was stored now (false: a duplicate
 * within the dedup window); for each {@link Write.Kept}, in order, the quarantine ids given to its
 * refused events.
 */
// Arrays: one flag or id per event, many per group; a Written is read, never compared or hashed.
@SuppressWarnings("ArrayRecordComponent")
public record Written(boolean[] stored, List<long[]> keptIds) {
  public Written {
    keptIds = List.copyOf(keptIds);
  }
}
