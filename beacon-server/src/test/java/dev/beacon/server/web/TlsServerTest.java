package dev.beacon.server.web;

import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.SendResult;
import dev.beacon.sdk.TelemetryMode;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS from PEM files, and the SDK trusting the server's private CA. */
class TlsServerTest {
  @TempDir Path dir;

  @Test
  void theServerSpeaksHttpsFromPemFilesAndTheSdkDeliversOverIt() throws Exception {
    Path p12 = dir.resolve("server.p12");
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
        p12.toString(),
        "-storetype",
        "PKCS12",
        "-storepass",
        "changeit");
    Path cert = dir.resolve("cert.pem");
    keytool(
        "-exportcert",
        "-rfc",
        "-alias",
        "server",
        "-keystore",
        p12.toString(),
        "-storepass",
        "changeit",
        "-file",
        cert.toString());
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(p12)) {
      ks.load(in, "changeit".toCharArray());
    }
    Key key = ks.getKey("server", "changeit".toCharArray());
    Path keyPem = dir.resolve("key.pem");
    Files.writeString(
        keyPem,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder().encodeToString(key.getEncoded())
            + "\n-----END PRIVATE KEY-----\n");

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

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor()).as(out).isZero();
  }
}
