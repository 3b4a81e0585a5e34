package dev.beacon.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18: the README's quick start, its commands as the README writes them (read from it, so it
 * cannot drift), each step's output checked; then what a newcomer meets next: a wrong write key
 * that {@code ./beacon status} names, and the spooled payloads arriving once the key is right.
 *
 * <p>The commands run in a directory of their own that links to the clone's launcher, wrapper and
 * build output, so their data (the server's {@code beacon-data}, the service's {@code demo-data},
 * the CLI's state under {@code $HOME}) stays out of the clone. The first command, the build, is the
 * one that made the jars this test runs: it is checked, not run again inside the build.
 */
class QuickStartIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path sandbox;

  private final List<Process> background = new ArrayList<>();

  @AfterEach
  void stopBackground() throws InterruptedException {
    for (Process p : background) {
      p.descendants().forEach(ProcessHandle::destroy);
      p.destroy();
    }
    for (Process p : background) {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
      }
    }
  }

  @Test
  void theReadmesQuickStartGetsAProductsOwnEventsOntoTheServer() throws Exception {
    requirePorts();
    List<String> commands = quickStart();
    assertThat(commands).hasSize(5);
    assertThat(commands.get(0)).isEqualTo("./mvnw -q install -DskipTests");
    assertThat(ROOT.resolve("beacon-server/target/beacon-server.jar")).isRegularFile();
    assertThat(ROOT.resolve("examples/server-app/target/server-app.jar")).isRegularFile();
    assertThat(ROOT.resolve("examples/cli-app/target/cli-app.jar")).isRegularFile();
    linkTheClone();

    // 2. The server, with product demo and its key.
    assertThat(commands.get(1)).endsWith("./beacon serve &");
    Output server = inBackground(commands.get(1));
    server.awaitLine("Beacon is running: http://localhost:8080", Duration.ofMinutes(2));
    assertThat(server.text())
        .contains(
            "product demo: write key from the configuration (BEACON_PRODUCTS__DEMO__WRITE_KEY)")
        .doesNotContain("wk_demo_quickstart");

    // 3. The example service, which reports about 10 s after its start.
    assertThat(commands.get(2)).endsWith("&");
    Output service = inBackground(commands.get(2));
    service.awaitLine("demo server on http://127.0.0.1:9090", Duration.ofSeconds(60));

    // 4. The example CLI: one command, its events sent at once (or by its uploader).
    Result cli = run(commands.get(3), Map.of());
    assertThat(cli.exit()).as(cli.out()).isZero();
    assertThat(cli.out()).isEqualTo("built v1\n"); // nothing of telemetry on the terminal

    // 5. What the server got: run again until the service's first report is in, as the README says.
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(2))
        .until(() -> summary(commands.get(4)).path("events").asLong() >= 3);
    JsonNode summary = summary(commands.get(4));
    assertThat(summary.path("product").asText()).isEqualTo("demo");
    assertThat(summary.path("active_installations").asLong()).isEqualTo(2); // the service, the CLI
    assertThat(summary.path("versions").toString()).contains("1.4.2", "0.9.1");

    // A wrong key, as an operator might set it: the CLI still says nothing, ./beacon status names
    // the problem, and the payloads wait in the spool.
    long before = summary(commands.get(4)).path("events").asLong();
    Path cliState = sandbox.resolve("home/.config/demo/telemetry");
    Result wrong =
        run(
            "java -jar examples/cli-app/target/cli-app.jar build --tag v2",
            Map.of("DEMO_TELEMETRY_WRITE_KEY", "wk_not_the_servers_key"));
    assertThat(wrong.out()).isEqualTo("built v2\n");
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> status(cliState).contains("last delivery: refused"));
    assertThat(status(cliState))
        .contains("HTTP 401", "does not know this write key", "DEMO_TELEMETRY_WRITE_KEY")
        .contains("payload(s)")
        .doesNotContain("wk_not_the_servers_key");

    // The right key again: the next run (or its uploader) delivers what was spooled, once.
    Result right = run("java -jar examples/cli-app/target/cli-app.jar build --tag v3", Map.of());
    assertThat(right.out()).isEqualTo("built v3\n");
    await()
        .atMost(Duration.ofSeconds(90))
        .pollInterval(Duration.ofSeconds(1))
        .until(() -> summary(commands.get(4)).path("events").asLong() >= before + 4);
    await().atMost(Duration.ofSeconds(30)).until(() -> status(cliState).contains("spool: empty"));
    // Two runs, two events each (started, exited): every one stored, none twice, and it stays so
    // (would a payload come twice, it would within these seconds).
    await()
        .during(Duration.ofSeconds(3))
        .atMost(Duration.ofSeconds(10))
        .until(() -> summary(commands.get(4)).path("events").asLong() == before + 4);
    assertThat(status(cliState)).contains("last delivery: delivered");

    // The example service with a wrong key: it warns once in its own log, ./beacon status names
    // the problem, and its report waits in the spool until a restart with the right key.
    Path serviceState = sandbox.resolve("svc/telemetry");
    long beforeService = summary(commands.get(4)).path("events").asLong();
    Output wrongService =
        inBackground(
            "java -jar examples/server-app/target/server-app.jar 9091 &",
            Map.of("DEMO_TELEMETRY_WRITE_KEY", "wk_not_the_servers_key", "DEMO_DATA", "svc"));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> status(serviceState).contains("last delivery: refused"));
    assertThat(status(serviceState)).contains("DEMO_TELEMETRY_WRITE_KEY", "payload(s)");
    wrongService.awaitLine("WARNING: telemetry for demo: delivery refused", Duration.ofSeconds(10));
    assertThat(wrongService.text()).doesNotContain("wk_not_the_servers_key");
    wrongService.stop();
    assertThat(summary(commands.get(4)).path("events").asLong()).isEqualTo(beforeService);

    Output rightService =
        inBackground(
            "java -jar examples/server-app/target/server-app.jar 9091 &",
            Map.of("DEMO_DATA", "svc"));
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> status(serviceState).contains("spool: empty"));
    assertThat(status(serviceState)).contains("last delivery: delivered");
    assertThat(summary(commands.get(4)).path("events").asLong()).isGreaterThan(beforeService);
    rightService.stop();
  }

  /** 8080 (the server), 9090 (the example service), 9091 (its second run here). */
  private static void requirePorts() {
    for (int port : new int[] {8080, 9090, 9091}) {
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("0.0.0.0"))) {
        s.setReuseAddress(true);
      } catch (IOException taken) {
        String why = "port " + port + ", which the quick start's commands use, is taken here";
        if (System.getenv("CI") != null) {
          throw new AssertionError(why);
        }
        Assumptions.abort(why + "; free it to run this test");
      }
    }
  }

  /** The quick start's command lines, between the README's markers. */
  static List<String> quickStart() throws IOException {
    List<String> lines = Files.readAllLines(ROOT.resolve("README.md"), UTF_8);
    List<String> commands = new ArrayList<>();
    boolean inside = false;
    boolean fenced = false;
    for (String line : lines) {
      if (line.startsWith("<!-- quickstart")) {
        inside = true;
      } else if (line.startsWith("<!-- /quickstart")) {
        break;
      } else if (inside && line.startsWith("```")) {
        fenced = !fenced;
      } else if (inside && fenced && !line.isBlank() && !line.startsWith("#")) {
        commands.add(line.strip());
      }
    }
    return commands;
  }

  /** The clone's launcher, wrapper, modules and README, seen from the sandbox. */
  private void linkTheClone() throws Exception {
    for (String name :
        List.of(
            "beacon",
            "mvnw",
            ".mvn",
            "pom.xml",
            "README.md",
            "beacon-protocol",
            "beacon-sdk",
            "beacon-server",
            "examples")) {
      Path link = sandbox.resolve(name);
      Files.createSymbolicLink(link, ROOT.resolve(name));
      // ./beacon rebuilds when a source is newer than the jar: a link made now must not look so.
      Result touched =
          runPlain(List.of("touch", "-h", "-r", ROOT.resolve(name).toString(), link.toString()));
      assertThat(touched.exit()).as(touched.out()).isZero();
    }
    Files.createDirectories(sandbox.resolve("home"));
  }

  private Map<String, String> env(ProcessBuilder pb) {
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("BEACON_") || k.startsWith("DEMO_"));
    env.remove("XDG_CONFIG_HOME");
    env.remove("DO_NOT_TRACK");
    env.put("HOME", sandbox.resolve("home").toString());
    env.put("LANG", "C.UTF-8"); // the log's level names (WARNING) are the root locale's
    env.remove("LC_ALL");
    env.remove("LC_MESSAGES");
    return env;
  }

  private Output inBackground(String line) throws IOException {
    return inBackground(line, Map.of());
  }

  private Output inBackground(String line, Map<String, String> extraEnv) throws IOException {
    String command = line.substring(0, line.length() - 1).strip(); // without its "&"
    ProcessBuilder pb =
        new ProcessBuilder("bash", "-c", command)
            .directory(sandbox.toFile())
            .redirectErrorStream(true);
    env(pb).putAll(extraEnv);
    Process p = pb.start();
    background.add(p);
    return new Output(p);
  }

  private record Result(int exit, String out) {}

  private Result run(String line, Map<String, String> extraEnv) throws Exception {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", line).directory(sandbox.toFile());
    env(pb).putAll(extraEnv);
    pb.redirectError(ProcessBuilder.Redirect.DISCARD);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(line).isTrue();
    return new Result(p.exitValue(), out);
  }

  private Result runPlain(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  private JsonNode summary(String curlLine) throws Exception {
    Result r = run(curlLine, Map.of());
    return r.out().isBlank() ? JSON.createObjectNode() : JSON.readTree(r.out());
  }

  private String status(Path state) throws Exception {
    return run("./beacon status --product demo --state " + state, Map.of()).out();
  }

  /** A background command's output, read as it comes. */
  private static final class Output {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Process process;

    Output(Process p) {
      this.process = p;
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(new InputStreamReader(p.getInputStream(), UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    lines.add(line);
                  }
                } catch (IOException ended) {
                  // the process ended
                }
              },
              "quickstart-output");
      reader.setDaemon(true);
      reader.start();
    }

    void awaitLine(String prefix, Duration within) {
      await()
          .atMost(within)
          .alias("a line starting with: " + prefix + "\nseen:\n" + text())
          .until(() -> lines.stream().anyMatch(l -> l.startsWith(prefix)));
    }

    String text() {
      return String.join("\n", lines);
    }

    /** SIGTERM, as an operator's stop: the product closes its SDK, which keeps the spool. */
    void stop() throws InterruptedException {
      process.descendants().forEach(ProcessHandle::destroy);
      process.destroy();
      assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
    }
  }
}
