package dev.beacon.protocol;

/**
 * Event names and property names of a CLI's command events. They are werf's, so that werf's
 * telemetry and Beacon's land in the same shape: a {@code CommandStarted} event with the options
 * used, a {@code CommandExited} event with the exit code and the duration, both carrying the
 * command, a per-run execution id and a project id.
 *
 * @since 0.2.0
 */
public final class CommandFields {
  public static final String COMMAND_STARTED = "CommandStarted";
  public static final String COMMAND_EXITED = "CommandExited";

  public static final String TS = "ts";
  public static final String EXECUTION_ID = "executionID";
  public static final String COMMAND = "command";
  public static final String PROJECT_ID = "projectID";
  public static final String ATTRIBUTES = "attributes";
  public static final String EVENT_DATA = "eventData";

  // eventData of CommandStarted.
  public static final String OPTIONS = "options";
  public static final String OPTION_NAME = "name";
  public static final String OPTION_AS_CLI = "asCli";
  public static final String OPTION_AS_ENV = "asEnv";
  public static final String OPTION_COUNT = "count";

  // eventData of CommandExited.
  public static final String EXIT_CODE = "exitCode";
  public static final String DURATION_MS = "durationMs";

  private CommandFields() {}
}
