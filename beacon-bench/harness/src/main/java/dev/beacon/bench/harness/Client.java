package dev.beacon.bench.harness;

import java.util.Map;

/**
 * One SDK as the benchmarks drive it: the call a host makes for each event, and the shutdown a host
 * makes when it stops. Each SDK's adapter does what that SDK's documentation tells a host to do.
 */
public interface Client {
  /** Records one event with its properties, on the caller's thread, as the host would. */
  void send(String event, Map<String, Object> properties);

  /** Shuts the SDK down as its documentation says (flush, then close or shutdown). */
  void close() throws Exception;
}
