package dev.beacon.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RollupDeltaTest {
  /**
   * A group commit adds each request's prepared delta whole ({@link Write.Prepared}): the rows are
   * those of its events added one by one, in order, whatever the split, with ties of time (a newest
   * report or version: the first of them) and requests settled before or not; and the requests'
   * deltas are left as they were, for a group that is tried again request by request.
   */
  @Test
  void addingRequestsDeltasWholeEqualsAddingTheirEventsInOrder() {
    for (long seed = 1; seed <= 30; seed++) {
      Random r = new Random(seed);
      List<StoredEvent> events = new ArrayList<>(RollupPropertyContract.stream("d" + seed, r));
      Collections.shuffle(events, r);
      // Ties: the same instant again with another version, OS and properties.
      for (int k = 0; k < 20; k++) {
        StoredEvent e = events.get(r.nextInt(events.size()));
        events.add(
            r.nextInt(events.size()),
            new StoredEvent(
                e.product(),
                e.messageId() + "-tie" + k,
                e.type(),
                e.event(),
                e.installationId(),
                e.clusterId(),
                e.timestamp(),
                e.receivedAt(),
                "9." + k,
                "os" + k,
                e.arch(),
                e.runtime(),
                e.library(),
                e.properties(),
                e.context()));
      }
      RollupDelta oneByOne = new RollupDelta();
      events.forEach(oneByOne::add);

      RollupDelta merged = new RollupDelta();
      List<RollupDelta> requests = new ArrayList<>();
      List<List<String>> before = new ArrayList<>();
      int from = 0;
      while (from < events.size()) {
        int to = Math.min(events.size(), from + 1 + r.nextInt(30));
        RollupDelta request = new RollupDelta();
        events.subList(from, to).forEach(request::add);
        if (r.nextBoolean()) {
          before.add(rows(request)); // settled first: its events already counts and members
        } else {
          before.add(null);
        }
        requests.add(request);
        merged.addAll(request);
        from = to;
      }
      assertThat(rows(merged)).as("seed %d", seed).isEqualTo(rows(oneByOne));
      for (int k = 0; k < requests.size(); k++) {
        List<String> after = rows(requests.get(k));
        if (before.get(k) != null) {
          assertThat(after)
              .as("seed %d, request %d left as it was", seed, k)
              .isEqualTo(before.get(k));
        }
      }
      // Merged into a second group (the one-by-one retry of a failed group commit): the same.
      RollupDelta again = new RollupDelta();
      requests.forEach(again::addAll);
      assertThat(rows(again)).as("seed %d, again", seed).isEqualTo(rows(oneByOne));
    }
  }

  /** Every table's rows, each as text, sorted (the maps keep the order keys came in). */
  private static List<String> rows(RollupDelta d) {
    List<String> out = new ArrayList<>();
    for (RollupTable t : RollupTable.values()) {
      for (Object[] row : d.rows(t)) {
        out.add(t + " " + Arrays.deepToString(row));
      }
    }
    Collections.sort(out);
    return out;
  }
}
