package dev.beacon.sdk.picocli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.TestBeacons;
import dev.beacon.sdk.TestCollector;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class BeaconPicocliTest {
  @TempDir Path state;

  @Command(
      name = "tool",
      subcommands = {Deploy.class})
  static final class Tool {}

  @Command(name = "deploy")
  static final class Deploy implements Callable<Integer> {
    @Option(names = {"-v", "--verbose"})
    boolean[] verbose;

    @Option(names = "--target")
    String target;

    @Option(names = "--region")
    String region;

    @Option(names = "--explode")
    boolean explode;

    @Override
    public Integer call() {
      if (explode) {
        throw new IllegalStateException("boom at /home/someone/secret");
      }
      return 4;
    }
  }

  @AfterEach
  void uploadersGone() {
    TestBeacons.awaitUploadersGone(state);
  }

  private Beacon beacon(TestCollector collector) {
    return Beacon.builder("tool")
        .version("3.1.0")
        .endpoint(collector.uri())
        .writeKey("wk_tool")
        .stateDirectory(state)
        .forCommandLine()
        .build();
  }

  private static boolean telemetryOffHere() {
    String dnt = System.getenv("DO_NOT_TRACK");
    return dnt != null && !dnt.isBlank() && !dnt.equals("0") && !dnt.equalsIgnoreCase("false");
  }

  @Test
  void commandPathOptionNamesAndTheExitCodeComeFromPicocli() {
    try (TestCollector collector = TestCollector.start()) {
      CommandLine cl = new CommandLine(new Tool());
      // A default value provider stands for values given by the environment.
      cl.setDefaultValueProvider(
          a ->
              a instanceof CommandLine.Model.OptionSpec o && o.longestName().equals("--region")
                  ? "eu-west"
                  : null);
      int code =
          BeaconPicocli.execute(
              cl, beacon(collector), "deploy", "-v", "-v", "--target", "prod-db-7");
      assertThat(code).isEqualTo(4);
      if (telemetryOffHere()) {
        return;
      }
      // At least once: a payload whose answer the exit cut off is sent again by the detached
      // uploader, with the same message id, which the server stores once.
      await().atMost(Duration.ofSeconds(10)).until(() -> distinctIds(collector) == 2);
      JsonNode started = byEvent(collector.messages(), "CommandStarted");
      assertThat(started.at("/properties/command").asText()).isEqualTo("tool deploy");
      assertThat(started.at("/properties/eventData/options").toString())
          .isEqualTo(
              "[{\"name\":\"verbose\",\"asCli\":true,\"asEnv\":false,\"count\":2},"
                  + "{\"name\":\"target\",\"asCli\":true,\"asEnv\":false,\"count\":1},"
                  + "{\"name\":\"region\",\"asCli\":false,\"asEnv\":true,\"count\":1}]");
      JsonNode exited = byEvent(collector.messages(), "CommandExited");
      assertThat(exited.at("/properties/eventData/exitCode").asInt()).isEqualTo(4);
      assertThat(collector.requests().toString())
          .doesNotContain("prod-db-7")
          .doesNotContain("eu-west");
    }
  }

  @Test
  void anExceptionEscapingTheCommandIsReportedWithPicocliExitCode() {
    try (TestCollector collector = TestCollector.start()) {
      CommandLine cl = new CommandLine(new Tool());
      cl.setErr(new PrintWriter(new StringWriter()));
      int code = BeaconPicocli.execute(cl, beacon(collector), "deploy", "--explode");
      assertThat(code).isEqualTo(1);
      if (telemetryOffHere()) {
        return;
      }
      // At least once: a payload whose answer the exit cut off is sent again by the detached
      // uploader, with the same message id, which the server stores once.
      await().atMost(Duration.ofSeconds(10)).until(() -> distinctIds(collector) == 2);
      JsonNode exited = byEvent(collector.messages(), "CommandExited");
      assertThat(exited.at("/properties/eventData/exitCode").asInt()).isEqualTo(1);
      assertThat(collector.requests().toString()).doesNotContain("secret");
    }
  }

  @Test
  void aUsageErrorSendsNothingAndStillClosesTheBeacon() {
    try (TestCollector collector = TestCollector.start()) {
      CommandLine cl = new CommandLine(new Tool());
      cl.setErr(new PrintWriter(new StringWriter()));
      assertThat(BeaconPicocli.execute(cl, beacon(collector), "deploy", "--nope")).isEqualTo(2);
      assertThat(collector.messages()).isEmpty();
    }
  }

  private static long distinctIds(TestCollector collector) {
    return collector.messages().stream().map(m -> m.get("messageId").asText()).distinct().count();
  }

  private static JsonNode byEvent(List<JsonNode> messages, String event) {
    return messages.stream()
        .filter(m -> m.get("event").asText().equals(event))
        .findFirst()
        .orElseThrow();
  }
}
