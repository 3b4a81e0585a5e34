package dev.beacon.sdk;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * A self-signed certificate for {@code localhost} and 127.0.0.1, made by the JDK's keytool, as PEM
 * files (the certificate, and the key as PKCS#8) and as a server {@link SSLContext}.
 */
public final class SelfSignedCertificate {
  private static final char[] PASSWORD = "changeit".toCharArray();

  public final Path certificatePem;
  public final Path privateKeyPem;
  public final SSLContext serverContext;

  private SelfSignedCertificate(Path cert, Path key, SSLContext ctx) {
    this.certificatePem = cert;
    this.privateKeyPem = key;
    this.serverContext = ctx;
  }

  public static SelfSignedCertificate create(Path dir) {
    try {
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
        ks.load(in, PASSWORD);
      }
      Path key = dir.resolve("key.pem");
      Files.writeString(
          key,
          "-----BEGIN PRIVATE KEY-----\n"
              + Base64.getMimeEncoder().encodeToString(ks.getKey("server", PASSWORD).getEncoded())
              + "\n-----END PRIVATE KEY-----\n");
      KeyManagerFactory kmf =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, PASSWORD);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return new SelfSignedCertificate(cert, key, ctx);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void keytool(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    try {
      if (p.waitFor() != 0) {
        throw new IOException("keytool failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
