package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.Map;
import javax.net.ssl.KeyManagerFactory;
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
  static void selfSignedCertificate() throws Exception {
    Path keystore = keys.resolve("server.p12");
    keytool(
        "-genkeypair",
        "-alias",
        "server",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=localhost",
        "-ext",
        "SAN=dns:localhost,ip:127.0.0.1",
        "-validity",
        "2",
        "-keystore",
        keystore.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit");
    caPem = keys.resolve("ca.pem");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "server",
        "-keystore",
        keystore.toString(),
        "-storepass",
        "changeit",
        "-file",
        caPem.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(keystore)) {
      ks.load(in, "changeit".toCharArray());
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, "changeit".toCharArray());
    serverSsl = SSLContext.getInstance("TLS");
    serverSsl.init(kmf.getKeyManagers(), null, null);
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
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
  void anUnreadableCaFileKeepsTelemetryOffAndSaysWhy(@TempDir Path state) {
    Beacon beacon =
        TestBeacons.builder(state, null, Map.of("ACME_TELEMETRY_CA_FILE", "/nonexistent/ca.pem"))
            .build();
    assertThat(beacon.control().status().mode()).isEqualTo(TelemetryMode.OFF);
    assertThat(beacon.control().status().reason()).contains("/nonexistent/ca.pem");
    beacon.close();
  }
}
