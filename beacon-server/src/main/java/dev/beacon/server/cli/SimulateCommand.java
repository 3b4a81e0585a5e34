package dev.beacon.server.cli;

import dev.beacon.server.simulate.Simulator;
import java.io.PrintWriter;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Send a realistic fleet history to a Beacon server: installations that come and go,"
          + " upgrades, clusters, OS and hardware mixes, plugins and features, CLI runs with"
          + " failures, DC/OS health. Deterministic for a seed: running it twice stores nothing twice."
    })
final class SimulateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--endpoint",
      required = true,
      paramLabel = "URL",
      description = "The server's base URL.")
  URI endpoint;

  @Option(
      names = "--write-key",
      required = true,
      paramLabel = "KEY",
      description = "The product's write key.")
  String writeKey;

  @Option(
      names = "--installations",
      defaultValue = "200",
      description = "Installations (default ${DEFAULT-VALUE}).")
  int installations;

  @Option(
      names = "--days",
      defaultValue = "60",
      description = "Days of history (default ${DEFAULT-VALUE}).")
  int days;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description = "Random seed (default ${DEFAULT-VALUE}).")
  long seed;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (installations < 1 || days < 1 || installations > 1_000_000 || days > 3650) {
      spec.commandLine()
          .getErr()
          .println("simulate: --installations 1..1000000 and --days 1..3650");
      return 2;
    }
    Simulator.Result r = new Simulator(endpoint, writeKey).run(installations, days, seed);
    out.printf(
        "sent %d events from %d installations over %d days: %d accepted, %d duplicates, %d rejected%n",
        r.events(), installations, days, r.accepted(), r.duplicates(), r.rejected());
    out.flush();
    return r.rejected() == 0 ? 0 : 1;
  }
}
