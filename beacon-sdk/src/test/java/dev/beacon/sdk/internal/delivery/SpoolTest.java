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
    // New drops are its 3 messages: the 40 were counted when they were dropped.
    assertThat(spool.takeEvictedMessages()).isEqualTo(3);
    assertThat(spool.pending()).hasSize(2);

    // A payload larger than the cap alone: its messages and its report, counted.
    assertThat(spool.add(new byte[300], 5, 7)).isNull();
    assertThat(spool.takeEvicted()).isEqualTo(12);
    assertThat(spool.takeEvictedMessages()).isEqualTo(5);
  }

  /**
   * The payload being sent (by the sender thread, beside the worker that spools) is never evicted:
   * the server may be storing it, and counting it as dropped too would count it twice. The next
   * oldest goes instead; once the attempt is over, it may go like any other.
   */
  @Test
  void thePayloadBeingSentIsNotEvicted() throws Exception {
    Spool spool = new Spool(dir, 250);
    byte[] payload = new byte[100];
    Path sending = spool.add(payload, 3, 0);
    Path next = spool.add(payload, 2, 0);
    spool.sending(sending);
    spool.add(payload, 1, 0);
    assertThat(spool.pending()).contains(sending).doesNotContain(next);
    assertThat(spool.takeEvicted()).isEqualTo(2);

    spool.sending(null);
    spool.add(payload, 1, 0);
    assertThat(spool.pending()).doesNotContain(sending);
    assertThat(spool.takeEvicted()).isEqualTo(3);
  }

  @Test
  void namesWrittenBeforeTheReportWasKeptStillRead() {
    Path old = dir.resolve("000001733500000-000000001-0badcafe-n12.json");
    assertThat(Spool.messagesIn(old)).isEqualTo(12);
    assertThat(Spool.droppedIn(old)).isZero();
  }
}
