package dev.beacon.server.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;

/** Runs {@code ./beacon ARGS} in this JVM with an environment of the test's, for other packages. */
public final class CliRunner {
  private CliRunner() {}

  /** One run: its exit code and what it printed. */
  public record Run(int exit, String out, String err) {}

  public static Run run(Map<String, String> env, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = BeaconCli.run(env, new PrintWriter(out), new PrintWriter(err), args);
    return new Run(exit, out.toString(), err.toString());
  }
}
