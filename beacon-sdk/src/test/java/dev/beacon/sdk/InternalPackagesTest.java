package dev.beacon.sdk;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code dev.beacon.sdk.internal.*} stays inside this module: no other module of the build names
 * it, by import, by a fully qualified name or in a string (a class launched by name), so that the
 * SDK's public API is exactly its root package. And inside, the internal packages say what they are
 * and never reach back up to the facade.
 */
class InternalPackagesTest {
  /** A reference to an internal package, however it is spelt (spaces around the dots too). */
  static final Pattern INTERNAL =
      Pattern.compile("dev\\s*\\.\\s*beacon\\s*\\.\\s*sdk\\s*\\.\\s*internal\\b");

  /** The facade's own types, which the internal packages must not use: the cycle cut. */
  static final Pattern FACADE =
      Pattern.compile(
          "dev\\.beacon\\.sdk\\.(Beacon|BeaconBuilder|CommandRun|SourceAgent|Source)\\b");

  static final String NOT_FOR_PUBLIC_USE =
      "This package is internal and is hence not for public use. Its APIs are unstable and can"
          + " change at any time.";

  /**
   * The modules that use the SDK, each with the least number of its files that name {@code
   * dev.beacon.sdk}: a scan that found fewer looked in the wrong place and proves nothing.
   */
  private static final Map<String, Integer> USERS =
      Map.of(
          "beacon-sdk-picocli", 2,
          "beacon-sdk-dcos", 2,
          "examples", 4,
          "beacon-bench", 1,
          "beacon-server", 5);

  private static Path moduleDirectory() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).toAbsolutePath();
  }

  /** The build's root: the parent of this module, checked by its parent POM. */
  private static Path buildRoot() throws IOException {
    Path root = moduleDirectory().getParent();
    assertThat(root.resolve("pom.xml")).exists();
    assertThat(Files.readString(root.resolve("pom.xml"))).contains("<module>beacon-sdk</module>");
    return root;
  }

  @Test
  void noOtherModuleOfTheBuildUsesAnInternalPackage() throws IOException {
    Path root = buildRoot();
    Path self = moduleDirectory();
    List<Path> scanned = new ArrayList<>();
    Set<String> offenders = new TreeSet<>();
    try (Stream<Path> files = Files.walk(root)) {
      files
          .filter(Files::isRegularFile)
          .filter(p -> !p.startsWith(self) && isSourceOrBuildFile(root.relativize(p)))
          .filter(p -> size(p) < 1 << 20) // data a server left, not code
          .forEach(
              p -> {
                scanned.add(p);
                if (INTERNAL.matcher(text(p)).find()) {
                  offenders.add(root.relativize(p).toString());
                }
              });
    }
    assertThat(offenders).as("files of other modules that use dev.beacon.sdk.internal").isEmpty();

    // A scan that looked in the wrong place would pass without proving anything.
    Map<String, Integer> users = new LinkedHashMap<>();
    for (Path p : scanned) {
      String module = root.relativize(p).getName(0).toString();
      if (USERS.containsKey(module) && text(p).contains("dev.beacon.sdk")) {
        users.merge(module, 1, Integer::sum);
      }
    }
    USERS.forEach(
        (module, least) ->
            assertThat(users.getOrDefault(module, 0))
                .as("files of " + module + " that use the SDK, as scanned")
                .isGreaterThanOrEqualTo(least));
    assertThat(scanned.stream().filter(p -> p.toString().endsWith(".java")).count())
        .as("Java files scanned outside beacon-sdk")
        .isGreaterThanOrEqualTo(100);
  }

  @Test
  void theScanFindsAnImportAFullyQualifiedNameAndAClassNameInAString() {
    assertThat(INTERNAL.matcher("import dev.beacon.sdk.internal.json.JsonReader;").find()).isTrue();
    assertThat(INTERNAL.matcher("import static dev.beacon.sdk.internal.x.Y.z;").find()).isTrue();
    assertThat(
            INTERNAL.matcher("Object o = dev.beacon.sdk.internal.json.JsonReader.parse(s);").find())
        .isTrue();
    assertThat(INTERNAL.matcher("dev.beacon.sdk\n    .internal.report.Event e;").find()).isTrue();
    assertThat(
            INTERNAL
                .matcher("cmd.add(\"dev.beacon.sdk.internal.delivery.DetachedUploader\");")
                .find())
        .isTrue();
    assertThat(INTERNAL.matcher("import dev.beacon.sdk.Beacon;").find()).isFalse();
    assertThat(INTERNAL.matcher("import dev.beacon.sdk.internalized.X;").find()).isFalse();
  }

  @Test
  void theInternalPackagesNeverUseTheFacadeAndEachSaysItIsInternal() throws IOException {
    Path internal = moduleDirectory().resolve("src/main/java/dev/beacon/sdk/internal");
    List<Path> packages;
    try (Stream<Path> dirs = Files.list(internal)) {
      packages = dirs.filter(Files::isDirectory).sorted().toList();
    }
    assertThat(packages).hasSizeGreaterThanOrEqualTo(8);
    Set<String> undocumented = new TreeSet<>();
    Set<String> reachingUp = new TreeSet<>();
    for (Path pkg : packages) {
      Path info = pkg.resolve("package-info.java");
      if (!Files.exists(info) || !flat(text(info)).contains(NOT_FOR_PUBLIC_USE)) {
        undocumented.add(pkg.getFileName().toString());
      }
      try (Stream<Path> files = Files.walk(pkg)) {
        files
            .filter(p -> p.toString().endsWith(".java"))
            .filter(p -> FACADE.matcher(text(p)).find())
            .forEach(p -> reachingUp.add(internal.relativize(p).toString()));
      }
    }
    assertThat(undocumented)
        .as("internal packages without the not-for-public-use sentence")
        .isEmpty();
    assertThat(reachingUp)
        .as("internal classes that use Beacon, its builder or its commands")
        .isEmpty();
  }

  /** Sources, build files and scripts; not documentation (a README may name the packages). */
  private static boolean isSourceOrBuildFile(Path relative) {
    for (Path part : relative) {
      String name = part.toString();
      if (name.equals("target") || name.startsWith(".")) {
        return false; // build output, .git, .mvn, Jazzer's corpus
      }
    }
    String name = relative.getFileName().toString();
    return !name.endsWith(".md") && !name.endsWith(".jar");
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String text(Path p) {
    try {
      return new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1); // any bytes read
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Javadoc text on one line: the comment's line breaks and stars removed. */
  private static String flat(String javadoc) {
    return javadoc.replaceAll("\\s*\\n\\s*\\*?\\s*", " ");
  }
}
