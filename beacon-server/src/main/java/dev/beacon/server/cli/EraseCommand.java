package dev.beacon.server.cli;

import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.storage.Erased;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.StorageException;
import dev.beacon.server.storage.Stores;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./beacon erase}: deletes everything stored of one installation (raw events, quarantined
 * bodies naming it, its rollup rows and what it added to the sums), through a running server's API
 * ({@code --server}) or on the store directly.
 */
@Command(
    name = "erase",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Erase one installation: its events, the quarantined bodies naming it, its rollups.",
      "With --server, through the running server (admin password in "
          + ServerClient.PASSWORD_ENV
          + "); else on the store of --data/--config (DuckDB: stop the server first)."
    })
final class EraseCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--product", required = true, paramLabel = "P", description = "The product.")
  String product;

  @Option(
      names = "--installation",
      required = true,
      paramLabel = "ID",
      description = "The installation id (`beacon status` prints it on the product's machine).")
  String installation;

  @Mixin RemoteOptions remote;

  @Mixin StoreOptions storage;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      return remote.given() ? throughServer(out, err) : onStore(out, err);
    } finally {
      out.flush();
      err.flush();
    }
  }

  private int throughServer(PrintWriter out, PrintWriter err) {
    try {
      ServerClient client = remote.client();
      HttpResponse<String> r =
          client.send(
              "DELETE",
              "/api/v1/products/"
                  + URLEncoder.encode(product, StandardCharsets.UTF_8)
                  + "/installations/"
                  + URLEncoder.encode(installation, StandardCharsets.UTF_8).replace("+", "%20"),
              Duration.ofMinutes(10));
      if (r.statusCode() != 200) {
        err.println("beacon erase: the server answered " + r.statusCode() + ": " + r.body());
        return 1;
      }
      out.println("Erased: " + r.body());
      return 0;
    } catch (IllegalArgumentException e) {
      err.println("beacon erase: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      err.println("beacon erase: cannot reach " + remote.server + ": " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private int onStore(PrintWriter out, PrintWriter err) {
    ServerConfig c = storage.load("beacon erase", err);
    if (c == null) {
      return 2;
    }
    try (EventStore store = Stores.open(c)) {
      Erased e = store.erase(product, installation, "command line");
      out.println(
          "Erased: "
              + e.events()
              + " events, "
              + e.quarantined()
              + " quarantined, "
              + e.rollupRows()
              + " rollup rows.");
      return 0;
    } catch (StorageException e) {
      err.println("beacon erase: " + e.getMessage() + StoreOptions.hint(c) + ", or use --server");
      return 1;
    }
  }
}
