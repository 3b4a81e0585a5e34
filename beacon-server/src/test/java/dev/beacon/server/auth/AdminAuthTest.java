package dev.beacon.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminAuthTest {
  @TempDir Path data;

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void aGeneratedPasswordIsShownOnceAndOnlyItsHashIsKept() throws Exception {
    Path hashFile = data.resolve("admin-password.hash");
    AdminAuth first = AdminAuth.create(null, hashFile);
    String password = first.generatedPassword();
    assertThat(password).hasSizeGreaterThanOrEqualTo(20);
    assertThat(Files.readString(hashFile))
        .startsWith("pbkdf2-sha256$210000$")
        .doesNotContain(password);
    assertThat(first.allows(basic("admin", password))).isTrue();

    AdminAuth restarted = AdminAuth.create(null, hashFile);
    assertThat(restarted.generatedPassword()).isNull();
    assertThat(restarted.allows(basic("admin", password))).isTrue();
    assertThat(restarted.allows(basic("admin", password + "x"))).isFalse();
    assertThat(restarted.allows(basic("root", password))).isFalse();
    assertThat(restarted.allows("Basic !!!not-base64")).isFalse();
    assertThat(restarted.allows("Bearer " + password)).isFalse();
    assertThat(restarted.allows(null)).isFalse();
  }

  @Test
  void aConfiguredPasswordWinsAndWritesNothing() throws Exception {
    Path hashFile = data.resolve("admin-password.hash");
    AdminAuth auth = AdminAuth.create("from-env", hashFile);
    assertThat(auth.generatedPassword()).isNull();
    assertThat(auth.allows(basic("admin", "from-env"))).isTrue();
    assertThat(hashFile).doesNotExist();
  }
}
