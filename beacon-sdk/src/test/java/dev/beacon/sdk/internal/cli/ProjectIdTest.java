package dev.beacon.sdk.internal.cli;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.beacon.sdk.TestBeacons;
import dev.beacon.sdk.internal.config.Settings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProjectIdTest {
  @TempDir Path tmp;

  /** A home folder the repositories of these tests are not in. */
  private Path home() {
    return tmp.resolve("home");
  }

  private String of(Path dir) {
    return ProjectId.of(dir, "acme", List.of(home()));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://user:pw@github.com/org/repo.git",
        "ssh://git@github.com:22/org/repo",
        "git@github.com:org/repo.git",
        "https://github.com/org/repo?x=1",
        "https://GitHub.com/org/repo/",
        "ssh://git@github.com/org/repo.git",
        "ssh://git@github.com/org/repo/.git",
        "git@github.com:org/repo/.git/"
      })
  void everySpellingOfAnOriginNormalizesToHostAndPath(String url) {
    assertThat(ProjectId.normalize(url)).isEqualTo("github.com/org/repo");
  }

  /** Security audit 2026-12, M9: a Windows clone's path is local, as git reads it. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "/srv/git/repo.git",
        "../repo",
        "./a:b",
        "dir/sub:x",
        "C:/Users/alice/src/x",
        "C:\\Users\\alice\\src\\x",
        "d:/repo.git",
        "\\\\server\\share\\repo",
        "file:///srv/git/repo.git",
        "FILE://C:/Users/alice/x"
      })
  void localPathsHaveNoProjectId(String url) {
    assertThat(ProjectId.normalize(url)).isNull();
  }

  @Test
  void aOneLetterSshHostFollowedByAPathThatIsNoDriveStaysRemote() {
    assertThat(ProjectId.normalize("g:org/repo")).isEqualTo("g/org/repo");
  }

  /**
   * Security audit 2026-12, M9: not a plain SHA-256 (the same for every product, reversible with
   * one table of public names) but an HMAC keyed by the product.
   */
  @Test
  void theIdIsAnHmacOfTheNormalizedOriginKeyedByTheProductFoundByWalkingUp() throws Exception {
    Path repo = tmp.resolve("repo");
    Files.createDirectories(repo.resolve(".git"));
    Files.writeString(
        repo.resolve(".git/config"),
        """
        [core]
        \tbare = false
        [remote "upstream"]
        \turl = https://other.example/x/y
        [remote "origin"]
        \turl = git@github.com:org/repo.git
        \tfetch = +refs/heads/*:refs/remotes/origin/*
        """);
    Path deep = Files.createDirectories(repo.resolve("src/main/java"));
    String id = of(deep);
    assertThat(id).hasSize(64).isEqualTo(of(repo));
    assertThat(id).isEqualTo(hmac("beacon-project-id/v2:acme", "github.com/org/repo"));
    assertThat(id).isNotEqualTo(sha256("github.com/org/repo"));
    assertThat(ProjectId.of(repo, "other-product", List.of(home()))).isNotEqualTo(id);
  }

  @Test
  void aWorktreeFindsTheOriginOfItsMainRepository() throws Exception {
    Path main = tmp.resolve("main");
    Files.createDirectories(main.resolve(".git/worktrees/wt"));
    Files.writeString(
        main.resolve(".git/config"), "[remote \"origin\"]\n  url = https://github.com/org/repo\n");
    Files.writeString(main.resolve(".git/worktrees/wt/commondir"), "../..\n");
    Path wt = Files.createDirectories(tmp.resolve("wt"));
    Files.writeString(wt.resolve(".git"), "gitdir: " + main.resolve(".git/worktrees/wt") + "\n");
    assertThat(of(wt)).isEqualTo(hmac("beacon-project-id/v2:acme", "github.com/org/repo"));
  }

  @Test
  void noRepositoryOrNoOriginIsNoIdAndNoError() throws Exception {
    assertThat(of(tmp)).isNull();
    Path repo = tmp.resolve("r");
    Files.createDirectories(repo.resolve(".git"));
    Files.writeString(repo.resolve(".git/config"), "[core]\n\tbare = false\n");
    assertThat(of(repo)).isNull();
  }

  /** Security audit 2026-12, M9: a dotfiles repository would be a per-user id. */
  @Test
  void aRepositoryAtTheHomeFolderOrAboveItGivesNoIdEvenFromDeepBelow() throws Exception {
    Path home = Files.createDirectories(home());
    Files.createDirectories(home.resolve(".git"));
    Files.writeString(
        home.resolve(".git/config"),
        "[remote \"origin\"]\n\turl = https://github.com/alice/dotfiles.git\n");
    Path project = Files.createDirectories(home.resolve("src/tool"));
    assertThat(ProjectId.of(project, "acme", List.of(home))).isNull();
    assertThat(ProjectId.of(home, "acme", List.of(home))).isNull();
    // A repository of its own below the home folder keeps its id.
    Files.createDirectories(project.resolve(".git"));
    Files.writeString(
        project.resolve(".git/config"), "[remote \"origin\"]\n\turl = https://github.com/o/t\n");
    assertThat(ProjectId.of(project, "acme", List.of(home))).hasSize(64);
    // A repository above the home folder (a whole disk under git) gives none either.
    Path above = tmp.resolve("above");
    Path innerHome = Files.createDirectories(above.resolve("users/alice"));
    Files.createDirectories(above.resolve(".git"));
    Files.writeString(
        above.resolve(".git/config"), "[remote \"origin\"]\n\turl = https://github.com/o/disk\n");
    assertThat(ProjectId.of(above.resolve("users"), "acme", List.of(innerHome))).isNull();
  }

  @Test
  void theSettingsHomeFolderComesFromHomeAndUserHome() throws Exception {
    Path home = Files.createDirectories(home());
    Files.createDirectories(home.resolve(".git"));
    Files.writeString(
        home.resolve(".git/config"), "[remote \"origin\"]\n\turl = https://github.com/a/dots\n");
    Settings viaEnv =
        TestBeacons.settings(
            TestBeacons.builder(tmp.resolve("s1"), null, Map.of("HOME", home.toString()))
                .workingDirectory(home.resolve("x")));
    assertThat(ProjectId.of(viaEnv)).isNull();
    Properties sys = new Properties();
    sys.setProperty("user.home", home.toString());
    Settings viaProperty =
        TestBeacons.settings(
            TestBeacons.builder(tmp.resolve("s2"), null, Map.of(), sys)
                .workingDirectory(home.resolve("x")));
    assertThat(ProjectId.of(viaProperty)).isNull();
    Settings elsewhere =
        TestBeacons.settings(TestBeacons.builder(tmp.resolve("s3"), null).workingDirectory(home));
    assertThat(ProjectId.of(elsewhere)).hasSize(64);
  }

  /** The hand-written HMAC-SHA-256 (no cold JCE start on a CLI's path) agrees with the JDK's. */
  @Test
  void theHandWrittenHmacAgreesWithTheJdksForEveryLengthAroundTheBlockSize() throws Exception {
    Random random = new Random(42);
    for (int length = 0; length < 200; length++) {
      byte[] message = new byte[length];
      random.nextBytes(message);
      byte[] key = new byte[length % 3 == 0 ? 100 : length % 70]; // longer than a block, too
      random.nextBytes(key);
      assertThat(HmacSha256.sha256(message))
          .isEqualTo(MessageDigest.getInstance("SHA-256").digest(message));
      if (key.length > 0) {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        assertThat(HmacSha256.mac(key, message)).isEqualTo(mac.doFinal(message));
      }
    }
  }

  private static String hmac(String key, String s) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key.getBytes(UTF_8), "HmacSHA256"));
    return HexFormat.of().formatHex(mac.doFinal(s.getBytes(UTF_8)));
  }

  private static String sha256(String s) throws Exception {
    byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(UTF_8));
    return HexFormat.of().formatHex(d);
  }
}
