package dev.beacon.sdk.internal.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.List;
import java.util.Locale;

/**
 * Fuzzes what {@link ProjectId} reads: the git config parser and the origin's normalization. Three
 * properties, one per input: arbitrary text never makes either throw and a found origin normalizes
 * to {@code host/path} or to nothing; a config built from git's syntax (sections in any case,
 * quoted subsections, comments, quoted values with escapes, continued lines) yields exactly the
 * origin git would read; an origin built from a host and a path in any spelling (scheme, user and
 * password, port, {@code .git}, trailing slash, query) normalizes to that host and path, and a
 * local path never to anything.
 */
class GitConfigFuzzTest {
  @FuzzTest(maxDuration = "10s")
  void theOriginIsReadAsGitReadsItAndNormalizedToHostAndPathOnly(FuzzedDataProvider data) {
    switch (data.consumeInt(0, 2)) {
      case 0 -> anyText(data.consumeRemainingAsString());
      case 1 -> builtConfig(data);
      default -> builtOrigin(data);
    }
  }

  private static void anyText(String text) {
    String url = GitConfig.originUrl(text);
    if (url == null) {
      return;
    }
    assertWellFormed(ProjectId.normalize(url));
  }

  private static void assertWellFormed(String normalized) {
    if (normalized == null) {
      return;
    }
    int slash = normalized.indexOf('/');
    assertThat(slash).as(normalized).isPositive();
    String host = normalized.substring(0, slash);
    String path = normalized.substring(slash + 1);
    assertThat(host).isEqualTo(host.toLowerCase(Locale.ROOT)).doesNotContain("@");
    assertThat(path).isNotEmpty().doesNotStartWith("/").doesNotEndWith("/").doesNotContain("?");
    assertThat(ProjectId.hmac("acme", normalized)).matches("[0-9a-f]{64}");
  }

  private static final List<String> NAMES = List.of("remote", "Remote", "REMOTE", "core", "branch");
  private static final List<String> SUBSECTIONS =
      List.of("origin", "Origin", "upstream", "", "ori\\\"gin", "orig\\in");
  private static final List<String> KEYS =
      List.of("url", "URL", "Url", "fetch", "pushurl", "url2", "# url", "; url");

  /** A config from git's syntax, and the origin git reads in it (the first url of the section). */
  private static void builtConfig(FuzzedDataProvider data) {
    StringBuilder text = new StringBuilder();
    String expected = null;
    boolean inOrigin = false;
    for (int s = data.consumeInt(0, 5); s > 0; s--) {
      String name = data.pickValue(NAMES);
      String sub = data.pickValue(SUBSECTIONS);
      boolean oldStyle = data.consumeBoolean() && sub.equals("origin");
      text.append(data.consumeBoolean() ? "" : "  ")
          .append(oldStyle ? "[" + name + ".origin]" : "[" + name + " \"" + sub + "\"]")
          .append(data.consumeBoolean() ? "" : " # a comment")
          .append('\n');
      // The subsection as git reads it: escapes resolved, compared case-sensitively.
      String unescaped = sub.replace("\\\"", "\"").replace("\\", "");
      inOrigin = name.equalsIgnoreCase("remote") && (oldStyle || unescaped.equals("origin"));
      for (int e = data.consumeInt(0, 4); e > 0; e--) {
        String key = data.pickValue(KEYS);
        // Printable ASCII without what git's syntax gives a meaning to.
        String value =
            data.consumeAsciiString(30).replaceAll("[^\\x20-\\x7e]|[\\\\\"#;]", "").strip();
        String written = value;
        switch (data.consumeInt(0, 3)) {
          case 0 -> {}
          case 1 -> written = "\"" + value + "\"";
          // quoted
          case 2 -> written = value + " ; trailing comment";
          default -> {
            // Continued on the next line; a comment ends at its line, so only a variable can be.
            if (value.length() > 1 && !key.startsWith("#") && !key.startsWith(";")) {
              int cut = value.length() / 2;
              written = value.substring(0, cut) + "\\\n" + value.substring(cut);
            }
          }
        }
        text.append('\t').append(key).append(data.consumeBoolean() ? " = " : "=").append(written);
        text.append('\n');
        if (inOrigin && expected == null && key.equalsIgnoreCase("url")) {
          expected = value;
        }
      }
    }
    assertThat(GitConfig.originUrl(text.toString())).as(text.toString()).isEqualTo(expected);
  }

  private static final String HOST_CHARS =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.";
  private static final String PATH_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789-_.~";

  /** An origin from a host and a path, spelled in any of git's ways; and local paths. */
  private static void builtOrigin(FuzzedDataProvider data) {
    String host = 'h' + pick(data, HOST_CHARS, 20);
    int segments = data.consumeInt(1, 4);
    StringBuilder path = new StringBuilder();
    for (int i = 0; i < segments; i++) {
      path.append(i > 0 ? "/" : "").append('p').append(pick(data, PATH_CHARS, 10));
    }
    String p = path.toString();
    if (p.endsWith(".git") || p.endsWith(".")) {
      p = p + "x"; // a name ending in .git is the suffix git drops
    }
    String user =
        data.consumeBoolean() ? "" : "git" + (data.consumeBoolean() ? ":secret" : "") + "@";
    String suffix =
        (data.consumeBoolean() ? ".git" : "")
            + (data.consumeBoolean() ? "/" : "")
            + (data.consumeBoolean() ? "?ref=main" : "");
    String url;
    switch (data.consumeInt(0, 4)) {
      case 0 ->
          url =
              "https://" + user + host + (data.consumeBoolean() ? ":8443" : "") + "/" + p + suffix;
      case 1 ->
          url = "ssh://" + user + host + (data.consumeBoolean() ? ":22" : "") + "/" + p + suffix;
      case 2 -> url = "git://" + host + "/" + p + suffix;
      case 3 ->
          // scp-like: [user@]host:path, no password in this syntax
          url = (user.isEmpty() ? "" : "git@") + host + ":" + p + suffix;
      default -> {
        String local =
            data.pickValue(
                List.of(
                    "/srv/git/",
                    "./",
                    "../",
                    "C:/Users/" + host + "/",
                    "D:\\src\\",
                    "file:///home/",
                    "\\\\server\\share\\"));
        assertThat(ProjectId.normalize(local + p + suffix)).as(local + p + suffix).isNull();
        return;
      }
    }
    String spaced = (data.consumeBoolean() ? "  " : "") + url + (data.consumeBoolean() ? "\t" : "");
    assertThat(ProjectId.normalize(spaced))
        .as(spaced)
        .isEqualTo(host.toLowerCase(Locale.ROOT) + "/" + p);
  }

  private static String pick(FuzzedDataProvider data, String chars, int max) {
    StringBuilder s = new StringBuilder();
    for (int n = data.consumeInt(0, max); n > 0; n--) {
      s.append(chars.charAt(data.consumeInt(0, chars.length() - 1)));
    }
    return s.toString();
  }
}
