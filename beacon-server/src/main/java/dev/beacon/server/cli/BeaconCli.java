package dev.beacon.server.cli;

import java.io.PrintWriter;
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

  /** Runs the command line with the given output streams; answers the exit code. */
  static int run(PrintWriter out, PrintWriter err, String... args) {
    return new CommandLine(new BeaconCli()).setOut(out).setErr(err).execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(spec.commandLine().getOut());
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"beacon 0.1.0"};
    }
  }
}
