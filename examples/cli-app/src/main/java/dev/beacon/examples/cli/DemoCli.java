package dev.beacon.examples.cli;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.picocli.BeaconPicocli;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A picocli CLI that reports command events as werf does (env prefix {@code DEMO_}): {@code demo
 * build --tag VALUE [--push]} succeeds, {@code demo fail} exits with status 3, {@code demo version}
 * is never reported. Turn telemetry off with {@code DEMO_TELEMETRY=off}; see what is sent with
 * {@code DEMO_TELEMETRY_LOG_FILE=sent.jsonl}.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    subcommands = {DemoCli.Build.class, DemoCli.Fail.class, DemoCli.Version.class})
public final class DemoCli {
  public static void main(String[] args) {
    Beacon beacon =
        Beacon.builder("demo")
            .version("0.9.1")
            .channel("stable")
            // What the README's quick start runs; an operator routes it elsewhere without code:
            // DEMO_TELEMETRY_ENDPOINT=https://... DEMO_TELEMETRY_WRITE_KEY=wk_...
            .endpoint(URI.create("http://localhost:8080"))
            .writeKey("wk_demo_quickstart")
            .untrackedCommands("demo version")
            .forCommandLine()
            .build();
    System.exit(BeaconPicocli.execute(new CommandLine(new DemoCli()), beacon, args));
  }

  @Command(name = "build", description = "Build an image (pretends to).")
  static final class Build implements Callable<Integer> {
    @Option(names = "--tag", required = true, defaultValue = "${env:DEMO_TAG}")
    String tag;

    @Option(names = "--push", description = "Push after building.")
    boolean push;

    @Override
    public Integer call() {
      System.out.println("built " + tag + (push ? " and pushed" : ""));
      return 0;
    }
  }

  @Command(name = "fail", description = "Fail with exit status 3.")
  static final class Fail implements Callable<Integer> {
    @Override
    public Integer call() {
      System.err.println("failing on purpose");
      return 3;
    }
  }

  @Command(name = "version", description = "Print the version (never reported).")
  static final class Version implements Runnable {
    @Override
    public void run() {
      System.out.println("demo 0.9.1");
    }
  }
}
