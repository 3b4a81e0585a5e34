package dev.beacon.server.cli;

import dev.beacon.server.backup.Backups;
import dev.beacon.server.storage.DuckDbStore;
import dev.beacon.server.storage.StorageException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code ./beacon restore --from DIR --data NEW}: a backup into a new data directory. */
@Command(
    name = "restore",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Restore a backup (./beacon backup) into a new data directory, then start a server on it.",
      "Never over an existing store."
    })
final class RestoreCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--from",
      required = true,
      paramLabel = "DIR",
      description = "A backup directory.")
  Path from;

  @Option(
      names = "--data",
      required = true,
      paramLabel = "DIR",
      description = "The new data directory.")
  Path data;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      Backups.restore(from, data);
      // Opened once: the copy is a store this version reads (rollups, migrations, dedup window).
      long events;
      try (DuckDbStore store =
          new DuckDbStore(data.resolve(Backups.STORE), Duration.ofHours(24), 1, 1)) {
        events = store.totalEvents();
      }
      out.println(
          "Restored "
              + from
              + " into "
              + data
              + " ("
              + events
              + " events); start it with ./beacon serve --data "
              + data);
      return 0;
    } catch (IllegalStateException e) {
      err.println("beacon restore: " + e.getMessage());
      return 2;
    } catch (IOException | StorageException e) {
      err.println("beacon restore: " + e.getMessage());
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }
}
