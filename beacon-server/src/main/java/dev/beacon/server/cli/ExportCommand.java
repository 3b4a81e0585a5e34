package dev.beacon.server.cli;

import dev.beacon.server.config.ServerConfig;
import dev.beacon.server.export.EventExport;
import dev.beacon.server.export.ExportFormat;
import dev.beacon.server.export.ExportWindow;
import dev.beacon.server.storage.EventStore;
import dev.beacon.server.storage.StorageException;
import dev.beacon.server.storage.Stores;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./beacon export}: a product's stored events, every field, as JSON lines, CSV or Parquet,
 * through a running server ({@code --server}) or from the store directly.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = {
      "Export a product's events (every stored field) as jsonl, csv or parquet.",
      "With --server, through the running server (admin password in "
          + ServerClient.PASSWORD_ENV
          + "); else from the store of --data/--config (DuckDB: stop the server first)."
    })
final class ExportCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(names = "--product", required = true, paramLabel = "P", description = "The product.")
  String product;

  @Option(
      names = "--format",
      defaultValue = "jsonl",
      paramLabel = "F",
      description = "jsonl (default), csv or parquet.")
  String format;

  @Option(names = "--days", paramLabel = "N", description = "The last N UTC days (default 30).")
  Integer days;

  @Option(names = "--from", paramLabel = "WHEN", description = "From a date or instant (UTC).")
  String from;

  @Option(names = "--to", paramLabel = "WHEN", description = "Up to a date or instant, excluded.")
  String to;

  @Option(
      names = "--out",
      required = true,
      paramLabel = "FILE",
      description = "The file to write (replaced).")
  Path out;

  @Mixin RemoteOptions remote;

  @Mixin StoreOptions storage;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      ExportFormat f = ExportFormat.of(format);
      ExportWindow window = ExportWindow.of(from, to, days);
      return remote.given() ? throughServer(f, err) : fromStore(f, window, err);
    } catch (IllegalArgumentException e) {
      err.println("beacon export: " + e.getMessage());
      return 2;
    } finally {
      err.flush();
    }
  }

  private int throughServer(ExportFormat f, PrintWriter err) {
    StringBuilder query = new StringBuilder("?format=" + f.extension);
    if (days != null) {
      query.append("&days=").append(days);
    }
    if (from != null) {
      query.append("&from=").append(URLEncoder.encode(from, StandardCharsets.UTF_8));
    }
    if (to != null) {
      query.append("&to=").append(URLEncoder.encode(to, StandardCharsets.UTF_8));
    }
    try {
      HttpResponse<InputStream> r =
          remote.client().stream(
              "GET",
              "/api/v1/products/"
                  + URLEncoder.encode(product, StandardCharsets.UTF_8)
                  + "/export"
                  + query);
      try (InputStream in = r.body()) {
        if (r.statusCode() != 200) {
          err.println(
              "beacon export: the server answered "
                  + r.statusCode()
                  + ": "
                  + new String(in.readNBytes(4096), StandardCharsets.UTF_8));
          return 1;
        }
        long bytes;
        try (OutputStream o = new FileOutputStream(out.toFile())) {
          bytes = in.transferTo(o);
        }
        err.println("Exported " + bytes + " bytes to " + out);
        return 0;
      }
    } catch (IOException e) {
      err.println("beacon export: " + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  private int fromStore(ExportFormat f, ExportWindow window, PrintWriter err) {
    ServerConfig c = storage.load("beacon export", err);
    if (c == null) {
      return 2;
    }
    try (EventStore store = Stores.open(c);
        OutputStream o = Files.newOutputStream(out)) {
      long n =
          EventExport.write(
              store, product, window.from(), window.to(), f, o, c.dataDir().resolve("tmp"));
      err.println("Exported " + n + " events to " + out);
      return 0;
    } catch (StorageException e) {
      err.println("beacon export: " + e.getMessage() + StoreOptions.hint(c) + ", or use --server");
      return 1;
    } catch (IOException e) {
      err.println("beacon export: " + e);
      return 1;
    }
  }
}
