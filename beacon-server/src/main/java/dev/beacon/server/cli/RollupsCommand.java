package dev.beacon.server.cli;

import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.storage.BackfillProgress;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.StorageException;
import dev.beacon.server.storage.Stores;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./beacon rollups rebuild}: makes a product's rollups again from its raw events, on the
 * store the configuration names (DuckDB: while no server has the file open; PostgreSQL: beside
 * running servers, which keep rolling up what they receive).
 */
@Command(
    name = "rollups",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = "Manage the rollups the dashboard reads.",
    subcommands = {RollupsCommand.Rebuild.class})
final class RollupsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  @Command(
      name = "rebuild",
      mixinStandardHelpOptions = true,
      versionProvider = BeaconCli.Version.class,
      description = {
        "Delete a product's rollups and make them again from its raw events.",
        "What raw retention has deleted cannot come back: rollup history older than the oldest"
            + " raw event is lost."
      })
  static final class Rebuild implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--product", required = true, paramLabel = "P", description = "The product.")
    String product;

    @Mixin StoreOptions storage;

    @Override
    public Integer call() {
      PrintWriter out = spec.commandLine().getOut();
      PrintWriter err = spec.commandLine().getErr();
      try {
        return rebuild(out, err);
      } finally {
        out.flush();
        err.flush();
      }
    }

    private int rebuild(PrintWriter out, PrintWriter err) {
      ServerConfig c = storage.load("beacon rollups rebuild", err);
      if (c == null) {
        return 2;
      }
      try (EventStore store = Stores.open(c)) {
        if (store.count(product) == 0) {
          err.println("beacon rollups rebuild: product " + product + " has no events here");
          return 1;
        }
        store.rebuildRollups(product);
        out.println("Rebuilding the rollups of " + product + " from its raw events...");
        out.flush();
        long[] events = {0};
        store.completeRollups(p -> report(p, events, out), () -> false);
        out.println("Done: " + events[0] + " events rolled up.");
        return 0;
      } catch (StorageException e) {
        err.println("beacon rollups rebuild: " + e.getMessage() + StoreOptions.hint(c));
        return 1;
      }
    }

    private static void report(BackfillProgress p, long[] events, PrintWriter out) {
      events[0] += p.events();
      if (p.done() || p.upTo().getEpochSecond() % 86_400 == 0) {
        out.println("  " + p.product() + ": events before " + p.upTo() + " (" + events[0] + ")");
        out.flush();
      }
    }
  }
}
