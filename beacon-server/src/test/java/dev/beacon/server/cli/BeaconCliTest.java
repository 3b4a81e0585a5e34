package dev.beacon.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.beacon.sdk.TestCollector;
import dev.beacon.server.storage.DuckDbStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The operator commands, run in process with this JVM's environment. The product name is unique to
 * these tests, so no variable of the machine decides for it unless DO_NOT_TRACK is set.
 */
class BeaconCliTest {
  private static final String PRODUCT = "beacon-cli-test";

  @TempDir Path tmp;

  /** One run of the command line: its exit code and what it printed. */
  record Run(int exit, String out, String err) {}

  /** Runs the command line in this JVM, as {@code ./beacon ARGS} would. */
  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = BeaconCli.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(exit, out.toString(), err.toString());
  }

  private static boolean doNotTrack() {
    String dnt = System.getenv("DO_NOT_TRACK");
    return dnt != null && !dnt.isBlank() && !dnt.equals("0") && !dnt.equalsIgnoreCase("false");
  }

  /** Issue 18: --help and --version on every command, nested ones too. */
  @Test
  void everyCommandAnswersHelpAndVersion() {
    List<String[]> commands = new ArrayList<>();
    collect(new CommandLine(new BeaconCli()), new ArrayList<>(), commands);
    assertThat(commands.size()).isGreaterThanOrEqualTo(9); // beacon, 6 commands, products add|list
    for (String[] path : commands) {
      String[] help = Arrays.copyOf(path, path.length + 1);
      help[path.length] = "--help";
      Run h = run(help);
      assertThat(h.exit()).as(String.join(" ", help)).isZero();
      assertThat(h.out()).as(String.join(" ", help)).contains("Usage: beacon");
      help[path.length] = "--version";
      Run v = run(help);
      assertThat(v.exit()).as(String.join(" ", help)).isZero();
      assertThat(v.out()).startsWith("beacon 0.").doesNotContain("unknown");
    }
  }

  private static void collect(CommandLine c, List<String> path, List<String[]> out) {
    out.add(path.toArray(new String[0]));
    c.getSubcommands()
        .forEach(
            (name, sub) -> {
              if (!name.equals("help")) {
                List<String> deeper = new ArrayList<>(path);
                deeper.add(name);
                collect(sub, deeper, out);
              }
            });
  }

  @Test
  void statusPrintsTheModeAndTheReasonAndCreatesNothing() {
    Path state = tmp.resolve("state");
    Run r = run("status", "--product", PRODUCT, "--state", state.toString());
    assertThat(r.exit()).isZero();
    if (doNotTrack()) {
      assertThat(r.out()).contains("telemetry for beacon-cli-test: off", "DO_NOT_TRACK");
    } else {
      assertThat(r.out())
          .contains("telemetry for beacon-cli-test: on")
          .contains("reason: the product's default is on (no setting found)");
    }
    assertThat(r.out()).contains("BEACON_CLI_TEST_TELEMETRY=on|off|local");
    assertThat(state).doesNotExist();
  }

  @Test
  void previewPrintsTheReportAsJsonAndWritesNothing() throws Exception {
    Path state = tmp.resolve("state");
    Run r = run("preview", "--product", PRODUCT, "--state", state.toString(), "--compact");
    assertThat(r.exit()).isZero();
    var json = new ObjectMapper().readTree(r.out());
    assertThat(json.at("/batch/0/type").asText()).isEqualTo("report");
    assertThat(json.at("/batch/0/context/app/name").asText()).isEqualTo(PRODUCT);
    assertThat(json.at("/batch/0/properties/os_name").asText()).isNotBlank();
    assertThat(state).doesNotExist();
  }

  @Test
  void reportSendsOneReportNowAndSaysSo() {
    try (TestCollector collector = TestCollector.start()) {
      Run r =
          run(
              "report",
              "--product",
              PRODUCT,
              "--endpoint",
              collector.uri().toString(),
              "--write-key",
              "wk_cli",
              "--state",
              tmp.resolve("state").toString());
      if (doNotTrack()) {
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("not sent");
        assertThat(collector.delivered()).isEmpty();
      } else {
        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("delivered: HTTP 200");
        assertThat(collector.delivered()).hasSize(1);
        assertThat(collector.delivered().get(0).authorization()).startsWith("Basic ");
      }
    }
  }

  @Test
  void reportToADeadEndpointFailsWithAClearMessage() throws Exception {
    int port;
    try (var s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run r =
        run(
            "report",
            "--product",
            PRODUCT,
            "--endpoint",
            "http://127.0.0.1:" + port,
            "--state",
            tmp.resolve("state").toString());
    if (!doNotTrack()) {
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.out()).contains("NOT delivered", "ConnectException");
    }
  }

  /** L4: a taken port used to print "Beacon is running: http://localhost:-1" and wait for ever. */
  @Test
  void serveExitsNonZeroWithAClearMessageWhenThePortIsTaken_L4() throws Exception {
    try (ServerSocket taken = new ServerSocket(0)) {
      int port = taken.getLocalPort();
      Run r =
          assertTimeoutPreemptively(
              Duration.ofSeconds(60),
              () ->
                  run(
                      "serve",
                      "--port",
                      Integer.toString(port),
                      "--data",
                      tmp.resolve("data").toString()));
      assertThat(r.exit()).isEqualTo(1);
      assertThat(r.err())
          .contains("beacon serve: cannot start: cannot listen on 0.0.0.0:" + port)
          .contains("port " + port + " is already in use");
      assertThat(r.out()).doesNotContain("Beacon is running");
    }
    // The store was closed: the data directory can be opened again at once.
    try (var store =
        new DuckDbStore(tmp.resolve("data/beacon.duckdb"), Duration.ofHours(1), 10, 10)) {
      assertThat(store.count("any")).isZero();
    }
  }

  @Test
  void anInvalidProductNameIsRefusedWithTheRule() {
    Run r = run("status", "--product", "Bad Name");
    assertThat(r.exit()).isNotZero();
    assertThat(r.err()).contains("product must be lower case");
  }
}
