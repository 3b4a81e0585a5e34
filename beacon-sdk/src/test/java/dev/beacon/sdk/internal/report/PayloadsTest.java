package dev.beacon.sdk.internal.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PayloadsTest {
  /**
   * Audit L7: the message limit is in UTF-8 bytes, as the server counts it (the whole SDK's side of
   * it is in HostileValuesTest).
   */
  @Test
  void l7TheMessageLimitIsCountedInUtf8Bytes() {
    assertThat(Payloads.overMessageLimit("€".repeat(21_845))).isFalse(); // 65,535 bytes
    assertThat(Payloads.overMessageLimit("€".repeat(21_846))).isTrue();
    assertThat(Payloads.overMessageLimit("a".repeat(65_536))).isFalse();
    assertThat(Payloads.overMessageLimit("a".repeat(65_537))).isTrue();
  }
}
