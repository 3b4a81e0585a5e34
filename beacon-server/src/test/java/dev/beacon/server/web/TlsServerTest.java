package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.SelfSignedCertificate;
import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.TelemetryMode;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS from PEM files, and the SDK trusting the server's private CA. */
class TlsServerTest {
  @TempDir Path dir;

  @Test
  void theServerSpeaksHttpsFromPemFilesAndTheSdkDeliversOverIt() throws Exception {
    SelfSignedCertificate pem = SelfSignedCertificate.create(dir);
    Path cert = pem.certificatePem;
    Path keyPem = pem.privateKeyPem;

    try (TestServer s =
        TestServer.start(
            dir.resolve("data"),
            Map.of(
                "BEACON_SERVER__TLS__CERT", cert.toString(),
                "BEACON_SERVER__TLS__KEY", keyPem.toString()))) {
      assertThat(s.server.url()).startsWith("https://");
      Beacon beacon =
          Beacon.builder("acme")
              .version("1.0.0")
              .endpoint(URI.create(s.server.url()))
              .writeKey(TestServer.ACME_KEY)
              .trustedCertificates(cert)
              .stateDirectory(dir.resolve("state"))
              .registerMBean(false)
              .build();
      SendResult r = beacon.control().sendReportNow();
      beacon.close();
      if (beacon.control().status().mode() == TelemetryMode.OFF) {
        return; // DO_NOT_TRACK on this machine
      }
      assertThat(r.outcome()).as(r.detail()).isEqualTo(SendResult.Outcome.DELIVERED);
      assertThat(s.server.store().count("acme")).isEqualTo(1);
    }
  }
}
