package dev.beacon.server.cli;

import dev.beacon.server.auth.ProductRegistry;
import dev.beacon.server.config.ConfigLoader;
import dev.beacon.server.config.InvalidConfigException;
import dev.beacon.server.config.ServerConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code ./beacon products}: the products a server accepts, kept in its data directory beside the
 * configuration's. A server running on that directory sees a new product at its first request.
 */
@Command(
    name = "products",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = "List the products a server accepts, or add one (its write key shown once).",
    subcommands = {ProductsCommand.Add.class, ProductsCommand.ListProducts.class})
final class ProductsCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      scope = ScopeType.INHERIT,
      description = "Data directory (default ./beacon-data).")
  Path data;

  @Option(
      names = "--config",
      paramLabel = "FILE",
      scope = ScopeType.INHERIT,
      description = "HOCON configuration file.")
  Path config;

  @Override
  public Integer call() {
    spec.commandLine().usage(spec.commandLine().getOut());
    return 0;
  }

  /**
   * Why the data directory is not one a server uses, or null: it must exist (a key printed for a
   * directory no server reads would never be accepted) and belong to this user (files written as
   * root in the directory of a server running as its own user would lock that server out).
   */
  static String dataDirectoryProblem(Path dir) {
    Path abs = dir.toAbsolutePath();
    if (!Files.isDirectory(abs)) {
      return "no data directory at "
          + abs
          + ": start the server once (./beacon serve), or give the one it uses with --data";
    }
    try {
      String owner = Files.getOwner(abs).getName();
      String me = System.getProperty("user.name", "");
      if (!owner.equals(me)) {
        return abs
            + " belongs to "
            + owner
            + ", not to "
            + me
            + ": run this as the user the server runs as (e.g. sudo -u "
            + owner
            + " bin/beacon products ...)";
      }
    } catch (IOException | UnsupportedOperationException e) {
      // no owners on this file system: nothing to check
    }
    return null;
  }

  /** What a subcommand does with the registry; answers its exit code. */
  interface RegistryCommand {
    int run(ProductRegistry registry, PrintWriter out, PrintWriter err);
  }

  /** Opens the registry (exit 2 when the settings are invalid), runs the command, flushes. */
  int withRegistry(CommandSpec sub, RegistryCommand command) {
    PrintWriter out = sub.commandLine().getOut();
    PrintWriter err = sub.commandLine().getErr();
    ProductRegistry registry = registry(err);
    int exit = registry == null ? 2 : command.run(registry, out, err);
    out.flush();
    err.flush();
    return exit;
  }

  /** The server's registry as {@code ./beacon serve} with the same settings would open it. */
  ProductRegistry registry(PrintWriter err) {
    Map<String, Object> overrides = new LinkedHashMap<>();
    if (data != null) {
      overrides.put("data_dir", data.toString());
    }
    ServerConfig c;
    try {
      c = ConfigLoader.load(config, System.getenv(), overrides);
    } catch (InvalidConfigException e) {
      err.println("beacon products: " + e.getMessage());
      return null;
    }
    String problem = dataDirectoryProblem(c.dataDir());
    if (problem != null) {
      err.println("beacon products: " + problem);
      return null;
    }
    return new ProductRegistry(
        c.writeKeys(),
        c.dataDir().resolve("products.json"),
        c.minInstallationsPerBucket(),
        c.retentionDays());
  }

  @Command(
      name = "add",
      mixinStandardHelpOptions = true,
      versionProvider = BeaconCli.Version.class,
      description = "Declare a product and print its new write key, once (only a hash is kept).")
  static final class Add implements Callable<Integer> {
    @ParentCommand ProductsCommand parent;
    @Spec CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "Lower case letters, digits, '-' or '_'.")
    String name;

    @Override
    public Integer call() {
      return parent.withRegistry(spec, this::add);
    }

    private int add(ProductRegistry registry, PrintWriter out, PrintWriter err) {
      String key;
      try {
        key = registry.create(name);
      } catch (IllegalArgumentException | IllegalStateException e) {
        err.println("beacon products add: " + e.getMessage());
        err.flush();
        return 1;
      }
      out.println("Product " + name + " added. Its write key (shown once, only a hash is kept):");
      out.println("  " + key);
      out.println("Send with it as the HTTP Basic user name, or from the SDK:");
      String prefix = name.toUpperCase(Locale.ROOT).replace('-', '_');
      out.println(
          "  "
              + prefix
              + "_TELEMETRY_ENDPOINT=http://<server>:8080 "
              + prefix
              + "_TELEMETRY_WRITE_KEY="
              + key);
      out.println("A server running on this data directory accepts it from its next request.");
      out.flush();
      return 0;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      versionProvider = BeaconCli.Version.class,
      description = "List the products, and where each is declared.")
  static final class ListProducts implements Callable<Integer> {
    @ParentCommand ProductsCommand parent;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      return parent.withRegistry(
          spec,
          (registry, out, err) -> {
            for (ProductRegistry.Product p : registry.products()) {
              out.println(p.name() + "\t" + (p.configured() ? "configuration" : "data directory"));
            }
            return 0;
          });
    }
  }
}
