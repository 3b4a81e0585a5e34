package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ProjectIdTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(
      strings = {
        "https://user:pw@github.com/org/repo.git",
        "ssh://git@github.com:22/org/repo",
        "git@github.com:org/repo.git",
        "https://github.com/org/repo?x=1",
        "https://GitHub.com/org/repo/",
        "ssh://git@github.com/org/repo.git"
      })
  void everySpellingOfAnOriginNormalizesToHostAndPath(String url) {
    assertThat(ProjectId.normalize(url)).isEqualTo("github.com/org/repo");
  }

  @Test
  void localPathsHaveNoProjectId() {
    assertThat(ProjectId.normalize("/srv/git/repo.git")).isNull();
    assertThat(ProjectId.normalize("../repo")).isNull();
  }

  @Test
  void theIdIsTheSha256OfTheNormalizedOriginFoundByWalkingUp() throws Exception {
    Path repo = tmp.resolve("repo");
    Files.createDirectories(repo.resolve(".git"));
    Files.writeString(
        repo.resolve(".git/config"),
        "[core]\n\tbare = false\n[remote \"upstream\"]\n\turl = https://other.example/x/y\n"
            + "[remote \"origin\"]\n\turl = git@github.com:org/repo.git\n"
            + "\tfetch = +refs/heads/*:refs/remotes/origin/*\n");
    Path deep = Files.createDirectories(repo.resolve("src/main/java"));
    String id = ProjectId.of(deep);
    assertThat(id).hasSize(64).isEqualTo(ProjectId.of(repo));
    assertThat(id).isEqualTo(sha256("github.com/org/repo"));
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
    assertThat(ProjectId.of(wt)).isEqualTo(sha256("github.com/org/repo"));
  }

  @Test
  void noRepositoryOrNoOriginIsNoIdAndNoError() throws Exception {
    assertThat(ProjectId.of(tmp)).isNull();
    Path repo = tmp.resolve("r");
    Files.createDirectories(repo.resolve(".git"));
    Files.writeString(repo.resolve(".git/config"), "[core]\n\tbare = false\n");
    assertThat(ProjectId.of(repo)).isNull();
  }

  private static String sha256(String s) throws Exception {
    byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes("UTF-8"));
    return java.util.HexFormat.of().formatHex(d);
  }
}
