package dev.beacon.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.protocol.Limits;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.ServerConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 19: the server's limits are beacon-protocol's, the sizes the SDK keeps to. A default that
 * drifts (in reference.conf or in code) fails here, before a server refuses what an SDK sends.
 */
class ProtocolLimitsTest {
  @Test
  void theServersDefaultLimitsAreTheProtocols() {
    ServerConfig.Limits limits = ConfigLoader.load(null, Map.of(), Map.of()).limits();
    assertThat(limits.maxRequestBytes()).isEqualTo(Limits.MAX_REQUEST_BYTES);
    assertThat(limits.maxEventBytes()).isEqualTo(Limits.MAX_EVENT_BYTES);
    assertThat(limits.maxDepth()).isEqualTo(Limits.MAX_DEPTH);
    assertThat(limits.maxStringChars()).isEqualTo(Limits.MAX_STRING_CHARS);
  }

  @Test
  void aBatchIsRefusedPastTheProtocolsLimitOnly() {
    assertThat(IngestService.MAX_BATCH_EVENTS).isEqualTo(Limits.MAX_BATCH_MESSAGES);
  }

  @Test
  void anOperatorMayStillSetALimit() {
    ServerConfig.Limits limits =
        ConfigLoader.load(null, Map.of("BEACON_LIMITS__MAX_EVENT_BYTES", "1024"), Map.of())
            .limits();
    assertThat(limits.maxEventBytes()).isEqualTo(1024);
    assertThat(limits.maxRequestBytes()).isEqualTo(Limits.MAX_REQUEST_BYTES);
  }
}
