package dev.beacon.spring;

import dev.beacon.sdk.Beacon;
import org.springframework.context.SmartLifecycle;

/**
 * Starts the {@link Beacon} when the context has started, and closes it, within its close timeout,
 * among the first things when the context stops: what is queued then is spooled, never lost.
 *
 * @since 0.2.0
 */
public final class BeaconLifecycle implements SmartLifecycle {
  private final Beacon beacon;
  private volatile boolean running;

  BeaconLifecycle(Beacon beacon) {
    this.beacon = beacon;
  }

  @Override
  public void start() {
    beacon.start();
    running = true;
  }

  @Override
  public void stop() {
    running = false;
    beacon.close();
  }

  @Override
  public boolean isRunning() {
    return running;
  }

  @Override
  public int getPhase() {
    // Late to start, early to stop: the web server (DEFAULT_PHASE - 1024) still runs meanwhile.
    return DEFAULT_PHASE;
  }
}
