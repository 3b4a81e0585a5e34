package dev.beacon.server.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    description =
        "Run the Beacon server (ingest, storage, dashboard) on the embedded DuckDB store.")
final class ServeCommand implements Callable<Integer> {
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(
      names = "--port",
      defaultValue = "8080",
      description = "HTTP port (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--data",
      defaultValue = "beacon-data",
      description = "Data directory (default: ${DEFAULT-VALUE}).")
  Path data;

  @Option(names = "--demo", description = "Fill an empty store with a simulated fleet.")
  boolean demo;

  @Override
  public Integer call() {
    spec.commandLine()
        .getErr()
        .println(
            "beacon serve: the server is not built yet (issue #4). The SDK and the operator"
                + " commands (status, preview, report) work today.");
    return 1;
  }
}
