package dev.beacon.sdk.internal.cli;

import dev.beacon.sdk.internal.config.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;

/**
 * werf's project id: a keyed hash of the git origin of the working directory, normalized to host
 * and path, so every clone of a repository has the same id whoever clones it and however
 * (credentials, port, {@code .git}, query and scheme are dropped). Read from {@code .git/config},
 * walking up to the repository root, without running {@code git}. No id when there is no repository
 * or no origin, when the origin is a local path (as git reads it: {@code /srv/x}, {@code ./x},
 * {@code file://}, a Windows drive {@code C:/...} or {@code C:\...}), or when the repository's root
 * is the user's home folder or above it: a dotfiles repository would give every command run
 * anywhere under {@code $HOME} a per-user id.
 *
 * <p>The hash is HMAC-SHA-256 keyed by {@value #KEY_PREFIX} and the product's name, not a plain
 * SHA-256 (security audit 2026-12, M9). What that buys, and what it does not:
 *
 * <ul>
 *   <li>the same repository has unrelated ids in two products, so their data cannot be joined on
 *       it, and a table of hashes of public repository names computed once (for plain SHA-256, or
 *       for werf) does not apply;
 *   <li>it does <b>not</b> stop a dictionary attack by anyone who knows the product's name, which
 *       is public (it travels in every payload): the vendor, or whoever reads the payloads, can
 *       still hash candidate names ({@code github.com/org/repo}, guessed internal hosts) and find
 *       matches.
 * </ul>
 *
 * A key the vendor does not know cannot exist: the SDK is the vendor's code. A key per installation
 * would stop the dictionary but make every clone a different project, which defeats the id's one
 * purpose (counting distinct projects across users). So the id stays a pseudonym of a repository
 * name; what the SDK can do is send none for a local path or a home-folder repository.
 */
public final class ProjectId {
  static final String KEY_PREFIX = "beacon-project-id/v2:";
  private static final int MAX_CONFIG_BYTES = 1024 * 1024;

  private ProjectId() {}

  /** The id for a command run with these settings, or null. */
  public static String of(Settings s) {
    List<Path> homes = new ArrayList<>();
    for (String home :
        new String[] {
          s.environment.get("HOME"),
          s.environment.get("USERPROFILE"),
          s.systemProperties.getProperty("user.home")
        }) {
      if (home != null && !home.isBlank()) {
        try {
          homes.add(Path.of(home));
        } catch (RuntimeException invalid) {
          // not a path on this system
        }
      }
    }
    return of(s.workingDirectory, s.product, homes);
  }

  /**
   * @param homes the user's home folders (from {@code $HOME}, {@code user.home}): a repository
   *     there or above gives no id
   */
  static String of(Path workingDirectory, String product, Collection<Path> homes) {
    try {
      Path dir = workingDirectory.toAbsolutePath().normalize();
      for (Path d = dir; d != null; d = d.getParent()) {
        Path git = d.resolve(".git");
        if (Files.isDirectory(git) || Files.isRegularFile(git)) {
          if (atOrAboveHome(d, homes)) {
            return null;
          }
          String url = originUrl(d, git);
          String normalized = url == null ? null : normalize(url);
          return normalized == null ? null : hmac(product, normalized);
        }
      }
      return null;
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  private static boolean atOrAboveHome(Path root, Collection<Path> homes) {
    for (Path home : homes) {
      for (Path h : List.of(home.toAbsolutePath().normalize(), realPath(home))) {
        if (h.startsWith(root) || h.startsWith(realPath(root))) {
          return true;
        }
      }
    }
    return false;
  }

  private static Path realPath(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException | RuntimeException absent) {
      return p.toAbsolutePath().normalize();
    }
  }

  /** {@code host/path} of a git remote URL, or null when it has none (a local path). */
  static String normalize(String url) {
    String u = url.strip();
    String host;
    String path;
    int scheme = u.indexOf("://");
    if (isLocalPath(u)) {
      return null;
    }
    if (scheme > 0) {
      if (u.regionMatches(true, 0, "file:", 0, 5)) {
        return null;
      }
      URI uri;
      try {
        uri = URI.create(u);
      } catch (IllegalArgumentException e) {
        return null;
      }
      host = uri.getHost();
      path = uri.getPath();
      if (host == null && uri.getAuthority() != null) {
        // ssh://git@host:org/repo is not a valid URI port; take the authority by hand.
        String authority = uri.getAuthority();
        authority = authority.substring(authority.lastIndexOf('@') + 1);
        int colon = authority.indexOf(':');
        host = colon < 0 ? authority : authority.substring(0, colon);
      }
    } else {
      // scp-like: [user@]host:path
      int colon = u.indexOf(':');
      if (colon <= 0) {
        return null;
      }
      host = u.substring(u.lastIndexOf('@', colon) + 1, colon);
      path = u.substring(colon + 1);
    }
    if (host == null || host.isEmpty() || path == null) {
      return null;
    }
    int query = path.indexOf('?');
    if (query >= 0) {
      path = path.substring(0, query);
    }
    path = path.replaceAll("^/+", "").replaceAll("/+$", "");
    if (path.endsWith(".git")) {
      // "org/repo.git", and "srv/repo/.git" (a repository's own git folder) is "srv/repo"
      path = path.substring(0, path.length() - 4).replaceAll("/+$", "");
    }
    if (path.isEmpty()) {
      return null;
    }
    return host.toLowerCase(Locale.ROOT) + "/" + path;
  }

  /**
   * Whether git reads this remote as a path on this machine: no colon, or a slash before the first
   * colon ({@code ./a:b}, {@code /srv/x}), or a Windows drive letter ({@code C:/x}, {@code C:\x}),
   * which git treats as local although it looks like {@code host:path}.
   */
  static boolean isLocalPath(String u) {
    int colon = u.indexOf(':');
    if (colon < 0 || u.startsWith("/") || u.startsWith(".") || u.startsWith("\\")) {
      return true;
    }
    int slash = u.indexOf('/');
    int backslash = u.indexOf('\\');
    if ((slash >= 0 && slash < colon) || (backslash >= 0 && backslash < colon)) {
      return true;
    }
    return colon == 1
        && isAsciiLetter(u.charAt(0))
        && (u.length() == 2 || u.charAt(2) == '/' || u.charAt(2) == '\\');
  }

  private static boolean isAsciiLetter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  }

  /** The origin of the repository whose root is {@code root}, with {@code git} its ".git". */
  private static String originUrl(Path root, Path git) {
    if (Files.isDirectory(git)) {
      return remoteUrl(git.resolve("config"));
    }
    // A worktree or submodule: ".git" names the real git directory.
    Path gitDir = gitDirFromFile(git, root);
    if (gitDir == null) {
      return null;
    }
    Path common = gitDir;
    List<String> commondir = lines(gitDir.resolve("commondir"));
    if (!commondir.isEmpty()) {
      common = gitDir.resolve(commondir.get(0).strip()).normalize();
    }
    return remoteUrl(common.resolve("config"));
  }

  private static Path gitDirFromFile(Path gitFile, Path dir) {
    for (String line : lines(gitFile)) {
      if (line.startsWith("gitdir:")) {
        return dir.resolve(line.substring("gitdir:".length()).strip()).normalize();
      }
    }
    return null;
  }

  /** The url of [remote "origin"] in a git config file (read up to 1 MiB), or null. */
  static String remoteUrl(Path config) {
    try (InputStream in = Files.newInputStream(config)) {
      byte[] bytes = in.readNBytes(MAX_CONFIG_BYTES + 1);
      if (bytes.length > MAX_CONFIG_BYTES) {
        return null;
      }
      return GitConfig.originUrl(new String(bytes, StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException absent) {
      return null;
    }
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (Exception absent) {
      return List.of();
    }
  }

  static String hmac(String product, String normalizedOrigin) {
    return HmacSha256.hex(KEY_PREFIX + product, normalizedOrigin);
  }
}
