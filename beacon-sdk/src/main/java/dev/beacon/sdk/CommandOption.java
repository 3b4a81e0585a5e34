package dev.beacon.sdk;

import java.util.Objects;

/**
 * One option a CLI command was given: its name and how it was given, never its value. Immutable.
 *
 * @since 0.1.0
 */
public final class CommandOption {
  private final String name;
  private final boolean asCli;
  private final boolean asEnv;
  private final int count;

  private CommandOption(String name, boolean asCli, boolean asEnv, int count) {
    Objects.requireNonNull(name, "name");
    String n = name.replaceFirst("^-+", "");
    if (n.isEmpty() || n.length() > 100 || n.contains("=")) {
      throw new IllegalArgumentException("an option name, without value: '" + name + "'");
    }
    if (count < 0) {
      throw new IllegalArgumentException("count must not be negative: " + count);
    }
    this.name = n;
    this.asCli = asCli;
    this.asEnv = asEnv;
    this.count = count;
  }

  /** An option given on the command line {@code count} times. */
  public static CommandOption cli(String name, int count) {
    return new CommandOption(name, true, false, count);
  }

  /** An option whose value came from an environment variable. */
  public static CommandOption env(String name) {
    return new CommandOption(name, false, true, 1);
  }

  /** An option given both ways, or any mix the product knows of. */
  public static CommandOption of(String name, boolean asCli, boolean asEnv, int count) {
    return new CommandOption(name, asCli, asEnv, count);
  }

  public String name() {
    return name;
  }

  public boolean asCli() {
    return asCli;
  }

  public boolean asEnv() {
    return asEnv;
  }

  public int count() {
    return count;
  }

  @Override
  public String toString() {
    return name + (asCli ? " cli" : "") + (asEnv ? " env" : "") + " x" + count;
  }
}
