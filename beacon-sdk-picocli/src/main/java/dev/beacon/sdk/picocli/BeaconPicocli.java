package dev.beacon.sdk.picocli;

import dev.beacon.sdk.Beacon;
import dev.beacon.sdk.CommandOption;
import dev.beacon.sdk.CommandRun;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Command events for a picocli application:
 *
 * <pre>{@code
 * Beacon beacon = Beacon.builder("demo").version("1.0").endpoint(uri).writeKey(key).forCommandLine().build();
 * System.exit(BeaconPicocli.execute(new CommandLine(new App()), beacon, args));
 * }</pre>
 *
 * The command path and the option names come from picocli's parse result: {@code asCli} and {@code
 * count} from what was matched on the command line, {@code asEnv} from options whose value came
 * from an environment variable ({@code defaultValue = "${env:NAME}"}) or from a default value
 * provider. Values are never read.
 *
 * @since 0.1.0
 */
public final class BeaconPicocli {
  private static final Pattern ENV = Pattern.compile("\\$\\{env:([^:}]+)");

  private BeaconPicocli() {}

  /**
   * Parses and runs the command as {@link CommandLine#execute} does, around a {@link CommandRun}:
   * {@code CommandStarted} before, {@code CommandExited} with the exit code {@code execute} answers
   * after (also when the command throws). The Beacon is closed when this returns.
   *
   * @return the exit code, as {@link CommandLine#execute} answers it
   */
  public static int execute(CommandLine commandLine, Beacon beacon, String... args) {
    CommandLine.IExecutionStrategy inner = commandLine.getExecutionStrategy();
    CommandRun[] run = new CommandRun[1];
    commandLine.setExecutionStrategy(
        parseResult -> {
          run[0] = beacon.startCommand(commandPath(parseResult), options(parseResult));
          return inner.execute(parseResult);
        });
    int code = 1;
    try {
      // The exit code is picocli's final answer, after its exception handlers and mappers.
      code = commandLine.execute(args);
      return code;
    } finally {
      if (run[0] != null) {
        run[0].exited(code);
      }
      beacon.close(); // a usage error never reached the strategy
    }
  }

  /** The names of the command and its subcommands, such as {@code "demo build"}. */
  static String commandPath(ParseResult parseResult) {
    List<String> names = new ArrayList<>();
    for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      names.add(pr.commandSpec().name());
    }
    return String.join(" ", names);
  }

  static List<CommandOption> options(ParseResult parseResult) {
    List<CommandOption> out = new ArrayList<>();
    for (ParseResult pr = parseResult; pr != null; pr = pr.subcommand()) {
      for (OptionSpec o : pr.commandSpec().options()) {
        String name = o.longestName();
        boolean cli = pr.hasMatchedOption(o);
        boolean env = !cli && fromEnvironment(o);
        if (cli) {
          out.add(CommandOption.of(name, true, false, Math.max(1, occurrences(pr, o))));
        } else if (env) {
          out.add(CommandOption.env(name));
        }
      }
    }
    return out;
  }

  @SuppressWarnings("ReferenceEquality") // the very option object, not one equal to it
  private static int occurrences(ParseResult pr, OptionSpec o) {
    int n = 0;
    for (OptionSpec matched : pr.matchedOptions()) {
      if (matched == o) {
        n++;
      }
    }
    return Math.max(n, o.arity().max() > 0 ? o.originalStringValues().size() : n);
  }

  private static boolean fromEnvironment(OptionSpec o) {
    String dv = o.defaultValue();
    if (dv != null) {
      Matcher m = ENV.matcher(dv);
      while (m.find()) {
        String value = System.getenv(m.group(1));
        if (value != null && !value.isEmpty()) {
          return true;
        }
      }
    }
    CommandLine.IDefaultValueProvider provider = o.command().defaultValueProvider();
    if (provider != null) {
      try {
        return provider.defaultValue(o) != null;
      } catch (Exception unreadable) {
        return false;
      }
    }
    return false;
  }
}
