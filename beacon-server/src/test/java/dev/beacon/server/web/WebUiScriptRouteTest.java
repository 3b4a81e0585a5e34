package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.UiRelay;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server serves beacon.js as the SDK ships it, for pages that report to it directly. */
class WebUiScriptRouteTest {
  @TempDir Path data;

  @Test
  void theScriptIsServedAsTheSdkShipsIt() {
    try (TestServer s = TestServer.start(data)) {
      TestServer.Response r = s.get("/js/beacon.js", null);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("Content-Type")).startsWith("text/javascript");
      assertThat(r.header("X-Content-Type-Options")).isEqualTo("nosniff");
      assertThat(r.body()).isEqualTo(new String(UiRelay.script(), StandardCharsets.UTF_8));
    }
  }
}
