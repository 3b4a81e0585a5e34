package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS is verified: a self-signed server is refused unless its certificate is configured. */
class TlsTest {
  @TempDir static Path keys;
  static SSLContext serverSsl;
  static Path caPem;

  @BeforeAll
  static void selfSignedCertificate() {
    SelfSignedCertificate cert = SelfSignedCertificate.create(keys);
    serverSsl = cert.serverContext;
    caPem = cert.certificatePem;
  }

  @Test
  void aSelfSignedServerIsRefusedByDefault(@TempDir Path state) {
    try (TestCollector server = TestCollector.startTls(serverSsl)) {
      Beacon beacon = TestBeacons.builder(state, server.uri()).build();
      SendResult result = beacon.control().sendReportNow();
      beacon.close();
      assertThat(result.outcome()).isEqualTo(SendResult.Outcome.SPOOLED);
      assertThat(result.detail()).containsIgnoringCase("SSL");
      assertThat(server.delivered()).isEmpty();
    }
  }

  @Test
  void aSelfSignedServerIsTrustedOnceItsCertificateIsConfigured(@TempDir Path state) {
    try (TestCollector server = TestCollector.startTls(serverSsl)) {
      Beacon beacon =
          TestBeacons.builder(
                  state, server.uri(), Map.of("ACME_TELEMETRY_CA_FILE", caPem.toString()))
              .build();
      SendResult result = beacon.control().sendReportNow();
      beacon.close();
      assertThat(result.outcome()).as(result.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
      assertThat(server.delivered()).hasSize(1);
    }
  }

  @Test
  void aCaFileWithoutACertificateKeepsTelemetryOffAndSaysWhy(@TempDir Path dir) throws Exception {
    Path junk = Files.writeString(dir.resolve("junk.pem"), "not a certificate\n");
    Beacon beacon =
        TestBeacons.builder(
                dir.resolve("state"), null, Map.of("ACME_TELEMETRY_CA_FILE", junk.toString()))
            .build();
    assertThat(beacon.control().status().mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(beacon.control().status().reason()).contains("holds no usable certificate");
    beacon.close();
  }

  @Test
  void anUnreadableCaFileKeepsTelemetryOffAndSaysWhy(@TempDir Path state) {
    Beacon beacon =
        TestBeacons.builder(state, null, Map.of("ACME_TELEMETRY_CA_FILE", "/nonexistent/ca.pem"))
            .build();
    assertThat(beacon.control().status().mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(beacon.control().status().reason()).contains("/nonexistent/ca.pem");
    beacon.close();
  }
}
