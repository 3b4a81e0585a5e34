package dev.beacon.sdk;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Locale;

/**
 * werf's project id: the SHA-256 of the git origin of the working directory, normalized to host and
 * path, so every clone of a repository has the same id whoever clones it and however (credentials,
 * port, {@code .git}, query and scheme are dropped). Read from {@code .git/config}, walking up to
 * the repository root, without running {@code git}. No repository or no origin: no id.
 */
final class ProjectId {
  private ProjectId() {}

  static String of(Path workingDirectory) {
    try {
      String url = originUrl(workingDirectory.toAbsolutePath());
      String normalized = url == null ? null : normalize(url);
      return normalized == null ? null : sha256(normalized);
    } catch (RuntimeException unreadable) {
      return null;
    }
  }

  /** {@code host/path} of a git remote URL, or null when it has none (a local path). */
  static String normalize(String url) {
    String u = url.strip();
    String host;
    String path;
    int scheme = u.indexOf("://");
    if (scheme > 0) {
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
      if (colon <= 0 || u.startsWith("/") || u.startsWith(".")) {
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
      path = path.substring(0, path.length() - 4);
    }
    if (path.isEmpty()) {
      return null;
    }
    return host.toLowerCase(Locale.ROOT) + "/" + path;
  }

  private static String originUrl(Path dir) {
    for (Path d = dir; d != null; d = d.getParent()) {
      Path git = d.resolve(".git");
      if (Files.isDirectory(git)) {
        return remoteUrl(git.resolve("config"));
      }
      if (Files.isRegularFile(git)) {
        // A worktree or submodule: ".git" names the real git directory.
        Path gitDir = gitDirFromFile(git, d);
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
    }
    return null;
  }

  private static Path gitDirFromFile(Path gitFile, Path dir) {
    for (String line : lines(gitFile)) {
      if (line.startsWith("gitdir:")) {
        return dir.resolve(line.substring("gitdir:".length()).strip()).normalize();
      }
    }
    return null;
  }

  /** The url of [remote "origin"] in a git config file. */
  static String remoteUrl(Path config) {
    boolean inOrigin = false;
    for (String raw : lines(config)) {
      String line = raw.strip();
      if (line.startsWith("[")) {
        inOrigin = line.replaceAll("\\s+", " ").equals("[remote \"origin\"]");
      } else if (inOrigin && line.startsWith("url")) {
        int eq = line.indexOf('=');
        if (eq > 0 && line.substring(0, eq).strip().equals("url")) {
          return line.substring(eq + 1).strip();
        }
      }
    }
    return null;
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (Exception absent) {
      return List.of();
    }
  }

  private static String sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder(64);
      for (byte b : d) {
        hex.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
