package dev.beacon.sdk.internal.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Eviction counts what it drops: the messages of an evicted payload and the dropped events it was
 * to report, so that a drop count never dies with the payload that carried it.
 */
class SpoolTest {
  @TempDir Path dir;

  @Test
  void anEvictedPayloadsReportedDropsAreCountedAgain() throws Exception {
    Spool spool = new Spool(dir, 250);
    byte[] payload = new byte[100];
    Path first = spool.add(payload, 3, 40);
    spool.add(payload, 2, 0);
    assertThat(Spool.messagesIn(first)).isEqualTo(3);
    assertThat(Spool.droppedIn(first)).isEqualTo(40);
    assertThat(spool.takeEvicted()).isZero();

    spool.add(payload, 1, 0); // the oldest (3 messages, 40 dropped events reported) goes
    assertThat(spool.takeEvicted()).isEqualTo(43);
    assertThat(spool.pending()).hasSize(2);

    // A payload larger than the cap alone: its messages and its report, counted.
    assertThat(spool.add(new byte[300], 5, 7)).isNull();
    assertThat(spool.takeEvicted()).isEqualTo(12);
  }

  @Test
  void namesWrittenBeforeTheReportWasKeptStillRead() {
    Path old = dir.resolve("000001733500000-000000001-0badcafe-n12.json");
    assertThat(Spool.messagesIn(old)).isEqualTo(12);
    assertThat(Spool.droppedIn(old)).isZero();
  }
}
