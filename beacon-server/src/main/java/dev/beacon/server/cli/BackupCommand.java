package dev.beacon.server.cli;

import dev.beacon.server.backup.Backups;
import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.StorageException;
import dev.beacon.server.storage.Stores;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./beacon backup --to DIR}: a consistent copy of the embedded store and {@code
 * products.json}, from a running server ({@code --server}: it goes on taking events) or from the
 * store of a stopped one; {@code ./beacon restore} puts it in a new data directory.
 */
@Command(
    name = "backup",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Back up the embedded store (DuckDB) and products.json into a new directory.",
      "With --server, from the running server, which goes on taking events (admin password in "
          + ServerClient.PASSWORD_ENV
          + "); else from the store of --data/--config with the server stopped.",
      "PostgreSQL: use pg_dump (see the README)."
    })
final class BackupCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--to",
      required = true,
      paramLabel = "DIR",
      description = "A directory that does not exist yet, or is empty.")
  Path to;

  @Mixin RemoteOptions remote;

  @Mixin StoreOptions storage;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    try {
      if (Files.exists(to)) {
        try (var entries = Files.list(to)) {
          if (entries.findAny().isPresent()) {
            err.println("beacon backup: " + to + " is not empty; give a new directory");
            return 2;
          }
        }
      }
      return remote.given() ? fromServer(out, err) : fromStore(out, err);
    } catch (IOException e) {
      err.println("beacon backup: " + e.getMessage());
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  private int fromServer(PrintWriter out, PrintWriter err) throws IOException {
    try {
      HttpResponse<InputStream> r = remote.client().stream("GET", "/api/v1/backup");
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          err.println(
              "beacon backup: the server answered "
                  + r.statusCode()
                  + ": "
                  + new String(in.readNBytes(4096), StandardCharsets.UTF_8));
          return 1;
        }
        List<String> files = Backups.unpack(in, to);
        out.println("Backed up into " + to + ": " + String.join(", ", files));
        return 0;
      }
    } catch (IllegalArgumentException e) {
      err.println("beacon backup: " + e.getMessage());
      return 2;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private int fromStore(PrintWriter out, PrintWriter err) throws IOException {
    ServerConfig c = storage.load("beacon backup", err);
    if (c == null) {
      return 2;
    }
    if ("postgres".equals(c.storageType())) {
      err.println("beacon backup: PostgreSQL is backed up with pg_dump (see the README)");
      return 2;
    }
    Path zip = Files.createTempFile("beacon-backup", ".zip");
    try (EventStore store = Stores.open(c)) {
      try (var o = Files.newOutputStream(zip)) {
        Backups.write(store, c.dataDir(), BeaconCli.version(), o, c.dataDir().resolve("tmp"));
      }
      try (InputStream in = Files.newInputStream(zip)) {
        List<String> files = Backups.unpack(in, to);
        out.println("Backed up into " + to + ": " + String.join(", ", files));
      }
      return 0;
    } catch (StorageException e) {
      err.println("beacon backup: " + e.getMessage() + StoreOptions.hint(c) + ", or use --server");
      return 1;
    } finally {
      Files.deleteIfExists(zip);
    }
  }
}
