package dev.beacon.server.cli;

import picocli.CommandLine.Option;

/** The option of a command that can work through a running server's admin API instead. */
final class RemoteOptions {
  @Option(
      names = "--server",
      paramLabel = "URL",
      description =
          "A running server, e.g. http://localhost:8080 (admin password in "
              + ServerClient.PASSWORD_ENV
              + ").")
  String server;

  boolean given() {
    return server != null;
  }

  /**
   * The server's admin API.
   *
   * @throws IllegalArgumentException naming what is missing or wrong
   */
  ServerClient client() {
    return ServerClient.of(server, BeaconCli.env());
  }
}
