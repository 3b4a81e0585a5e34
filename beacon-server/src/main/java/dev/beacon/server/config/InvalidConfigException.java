package dev.beacon.server.config;

import java.util.List;

/** Every invalid setting found, so the operator can fix them all at once. */
public final class InvalidConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final transient List<String> problems;

  public InvalidConfigException(List<String> problems) {
    super("invalid configuration:\n  - " + String.join("\n  - ", problems));
    this.problems = List.copyOf(problems);
  }

  public List<String> problems() {
    return problems;
  }
}
