package dev.beacon.server.cli;

import dev.beacon.server.BuildInfo;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ./beacon}: the server and the operator's tools, one command line. */
@Command(
    name = "beacon",
    mixinStandardHelpOptions = true,
    versionProvider = BeaconCli.Version.class,
    description = "Self-hosted, privacy-first product telemetry for JVM software.",
    subcommands = {
      ServeCommand.class,
      StatusCommand.class,
      PreviewCommand.class,
      ReportCommand.class,
      SimulateCommand.class,
      ProductsCommand.class,
      RollupsCommand.class,
      EraseCommand.class,
      ExportCommand.class,
      UploadCommand.class,
      BackupCommand.class,
      RestoreCommand.class,
      SinkCommand.class,
      CommandLine.HelpCommand.class
    })
public final class BeaconCli implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(run(args));
  }

  static int run(String... args) {
    return new CommandLine(new BeaconCli()).execute(args);
  }

  /**
   * The environment the commands read: the process's, or a test's (see {@link #run(Map,
   * PrintWriter, PrintWriter, String...)}).
   */
  private static final ThreadLocal<Map<String, String>> ENV =
      ThreadLocal.withInitial(System::getenv);

  static Map<String, String> env() {
    return ENV.get();
  }

  /** Runs the command line with the given environment and output streams; answers the exit code. */
  static int run(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
    ENV.set(env);
    try {
      return run(out, err, args);
    } finally {
      ENV.remove();
    }
  }

  /** Runs the command line with the given output streams; answers the exit code. */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    return new CommandLine(new BeaconCli()).setOut(out).setErr(err).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  /** The version the build wrote into {@code version.properties}, and the runtime's. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {
        "beacon " + version(),
        "Java " + Runtime.version() + " (" + System.getProperty("java.vendor", "?") + ")"
      };
    }
  }

  static String version() {
    return BuildInfo.version();
  }
}
