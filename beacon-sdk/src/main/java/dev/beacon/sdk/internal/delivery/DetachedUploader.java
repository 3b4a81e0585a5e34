package dev.beacon.sdk.internal.delivery;

import dev.beacon.protocol.Wire;
import dev.beacon.sdk.internal.config.Settings;
import dev.beacon.sdk.internal.log.QuietLog;
import dev.beacon.sdk.internal.thread.FatalErrors;
import java.io.File;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/**
 * Delivers a command-line product's spool from a short-lived process of its own, as Go's telemetry
 * does, so that no command waits for the network and no event depends on a later run lasting long
 * enough to send it. A run that ends with payloads still spooled writes its delivery settings to
 * {@code spool/uploader.properties} (owner-only, as the spool) and starts one (a JVM on the same
 * classpath, its output discarded, the write key never on a command line) unless another process
 * holds the spool's {@link SpoolLock}. A running uploader reads that file again whenever it
 * changes, so a run with another endpoint or key redirects the one already running.
 *
 * <p>The uploader holds that lock for its whole life: it sends the spool, stays {@link #LINGER} for
 * the next command of a script (whose payloads it picks up, so a script of many commands starts one
 * uploader, not one per command), and after it releases the lock it looks at the spool once more: a
 * run that ended while it was leaving found the lock held and left its payloads to it. While the
 * endpoint fails it retries with the usual backoff; after {@link #GIVE_UP} of failures it leaves a
 * pause in the spool ({@code retry-pause}, growing with each uploader that gave up, up to the retry
 * maximum) during which runs start no uploader, and the next run after it does.
 *
 * <p>This class is internal and is hence not for public use. Its APIs are unstable and can change
 * at any time. It is public only because the JVM starts it by its {@code main}.
 *
 * @since 0.1.0
 */
public final class DetachedUploader {
  /** How long an uploader stays once the spool is empty, for the next command of a script. */
  static final Duration LINGER = Duration.ofSeconds(2);

  /** How long an uploader keeps retrying an endpoint that fails before it leaves a pause. */
  static final Duration GIVE_UP = Duration.ofSeconds(60);

  /** The longest an uploader lives, whatever the endpoint does. */
  static final Duration MAX_LIFE = Duration.ofMinutes(10);

  private static final long POLL_MILLIS = 50;
  private static final String SHELL = "/bin/sh";
  private static final Duration SHELL_WAIT = Duration.ofMillis(500);
  private static final Duration PARENT_EXIT_WAIT = Duration.ofSeconds(5);
  private static final List<String> PROXY_PROPERTIES =
      List.of(
          "http.proxyHost",
          "http.proxyPort",
          "https.proxyHost",
          "https.proxyPort",
          "http.nonProxyHosts",
          "socksProxyHost",
          "socksProxyPort",
          "java.net.useSystemProxies");

  private DetachedUploader() {}

  /**
   * The uploader process, {@code DetachedUploader <spool directory> <parent pid>}: delivers the
   * spool with the settings of its {@value UploaderSettings#FILE}. Exits 0 whatever happens; it has
   * no one to tell.
   */
  public static void main(String[] args) {
    try {
      upload(Path.of(args[0]), Long.parseLong(args[1]));
    } catch (Throwable t) {
      FatalErrors.rethrowIfFatal(t);
      // nothing to report to: the payloads stay spooled for the next run
    }
    System.exit(0);
  }

  /**
   * At a command's exit: starts an uploader if payloads are still spooled, no pause is in force and
   * no other process holds the lock (a thread of this one may: the uploader waits for this process
   * to exit). Never throws, never waits for the child.
   *
   * @return whether an uploader was started
   */
  static boolean handOver(Settings s, Spool spool, QuietLog log) {
    try {
      if (spool.pending().isEmpty()) {
        return false;
      }
      // New settings (another endpoint, say) deserve a try even during a pause; the uploader that
      // may be running reads them at once.
      boolean changed = UploaderSettings.write(spool.directory(), UploaderSettings.encode(s));
      // Wall clock: the pause was left by another process, in the one time processes share.
      if ((!changed && System.currentTimeMillis() < spool.retryPausedUntilMillis())
          || SpoolLock.holder(spool.directory()) == SpoolLock.Holder.ANOTHER_PROCESS) {
        return false;
      }
      start(command(s, spool.directory(), ProcessHandle.current().pid()));
      return true;
    } catch (IOException | RuntimeException e) {
      // No process can be started here (a sandbox, a runtime without a java launcher): the next
      // run's worker delivers what is spooled, as before.
      log.failure("uploader", "could not start the uploader: " + e.getClass().getSimpleName());
      return false;
    }
  }

  /**
   * Starts the uploader so that this process has no child left when it exits. Where there is a
   * {@value #SHELL}, the uploader is started by a shell that puts it in the background and exits at
   * once (a POSIX shell also makes a background job of a non-interactive shell immune to the
   * terminal's Ctrl-C). Started directly, the uploader would outlive this JVM as its child, with
   * the JDK's process reaper thread waiting for it in native code, and a JVM's exit waits up to 300
   * ms for threads in native code to stop ({@code -XX:UserThreadWaitAttemptsAtExit=30} times 10
   * ms): each command that started an uploader took 300 ms longer to end.
   */
  static void start(List<String> uploader) throws IOException {
    List<String> launch = new ArrayList<>();
    boolean shell = Files.isExecutable(Path.of(SHELL));
    if (shell) {
      // "$@" keeps every argument as it is: no quoting of paths, no word splitting.
      launch.addAll(List.of(SHELL, "-c", "\"$@\" </dev/null >/dev/null 2>&1 &", "sh"));
    }
    launch.addAll(uploader);
    Process p =
        new ProcessBuilder(launch)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    p.getOutputStream().close();
    if (!shell) {
      return;
    }
    try {
      // Milliseconds: the shell forks and exits. Bounded all the same: the exit never hangs here.
      p.waitFor(SHELL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The child's command line: this JVM's launcher, small heap, the SDK's classes, proxies. */
  static List<String> command(Settings s, Path spoolDir, long parentPid) {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    if (!Files.isExecutable(java)) {
      java = java.resolveSibling("java.exe");
    }
    if (!Files.isExecutable(java)) {
      throw new IllegalStateException("no java launcher in java.home");
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(java.toString());
    // A one-shot HTTP sender: no JIT tiers, no perf-data file in /tmp, a heap the spool fits in.
    cmd.addAll(
        List.of(
            "-Xmx64m",
            "-Xss512k",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-XX:-UsePerfData",
            "-Xshare:auto",
            "-Djava.awt.headless=true"));
    for (String name : PROXY_PROPERTIES) {
      String v = s.systemProperties.getProperty(name);
      if (v != null) {
        cmd.add("-D" + name + "=" + v);
      }
    }
    cmd.add("-cp");
    cmd.add(classpath());
    cmd.add(DetachedUploader.class.getName());
    cmd.add(spoolDir.toAbsolutePath().toString());
    cmd.add(Long.toString(parentPid));
    return cmd;
  }

  private static String classpath() {
    Set<String> entries = new LinkedHashSet<>();
    for (Class<?> c : List.of(DetachedUploader.class, Wire.class)) {
      try {
        entries.add(
            Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
      } catch (URISyntaxException | RuntimeException e) {
        throw new IllegalStateException("cannot locate the SDK's classes", e);
      }
    }
    return String.join(File.pathSeparator, entries);
  }

  /** The child's work: the spool, under its lock, until it is empty (and then some) or given up. */
  static void upload(Path spoolDir, long parentPid) throws IOException {
    long bornNanos = System.nanoTime();
    boolean waitedForParent = false;
    while (true) {
      boolean emptied;
      SpoolLock held = SpoolLock.tryAcquire(spoolDir);
      if (held == null && !waitedForParent) {
        // The parent may still hold it, in its last moments: wait for it to be gone.
        waitedForParent = true;
        awaitExit(parentPid);
        held = SpoolLock.tryAcquire(spoolDir);
      }
      if (held == null) {
        return; // another uploader has the spool, and looks at it again when it leaves
      }
      try {
        emptied = drainWithSettings(spoolDir, bornNanos);
      } finally {
        held.close();
      }
      // Released: a run that ended meanwhile saw the lock held and left its payloads to us.
      if (!emptied || new Spool(spoolDir, Long.MAX_VALUE).pending().isEmpty()) {
        return;
      }
    }
  }

  /** {@link #drain} with the settings of the file, made anew each time a run changes it. */
  private static boolean drainWithSettings(Path spoolDir, long bornNanos) throws IOException {
    while (true) {
      byte[] config = UploaderSettings.read(spoolDir);
      if (config == null) {
        return false;
      }
      Settings s = UploaderSettings.decode(config);
      Spool spool = new Spool(spoolDir, s.maxSpoolBytes);
      Backoff backoff = new Backoff(s.retryBase, s.retryMax);
      PayloadLog sentLog = s.logFile == null ? null : new PayloadLog(s.logFile);
      Delivery delivery =
          new Delivery(
              s, spool, new QuietLog(s.product), backoff, sentLog, () -> true, dropped -> {});
      Drained d =
          drain(
              spool,
              delivery,
              backoff,
              bornNanos,
              () -> !Arrays.equals(config, UploaderSettings.read(spoolDir)));
      if (d != Drained.SETTINGS_CHANGED) {
        return d == Drained.EMPTIED;
      }
    }
  }

  enum Drained {
    EMPTIED,
    GAVE_UP,
    SETTINGS_CHANGED
  }

  private static void awaitExit(long pid) {
    try {
      Optional<ProcessHandle> parent = ProcessHandle.of(pid);
      if (parent.isPresent()) {
        parent.get().onExit().get(PARENT_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      // try the lock anyway
    }
  }

  /**
   * Sends until the spool has stayed empty for {@link #LINGER}, a run changed the settings, or the
   * endpoint failed for {@link #GIVE_UP}, the spool went away or the uploader's life is over.
   */
  static Drained drain(
      Spool spool,
      Delivery delivery,
      Backoff backoff,
      long bornNanos,
      BooleanSupplier settingsChanged)
      throws IOException {
    long idleSince = -1;
    long failingSince = -1;
    while (System.nanoTime() - bornNanos < MAX_LIFE.toNanos()
        && Files.isDirectory(spool.directory())) {
      if (settingsChanged.getAsBoolean()) {
        return Drained.SETTINGS_CHANGED; // another endpoint or key: try it at once
      }
      long now = System.nanoTime();
      long wait = delivery.nextAttemptAtNanos() - now;
      if (wait > 0) {
        // looks at the spool and the settings at least each second
        sleepMillis(Math.min(wait / 1_000_000, 1000));
        continue;
      }
      if (spool.pending().isEmpty()) {
        if (idleSince < 0) {
          idleSince = now;
        } else if (now - idleSince >= LINGER.toNanos()) {
          return Drained.EMPTIED;
        }
        sleepMillis(POLL_MILLIS);
        continue;
      }
      idleSince = -1;
      HttpExporter.Outcome o = delivery.deliverHolding(MAX_LIFE);
      if (o != null && o.kind == HttpExporter.Outcome.Kind.REFUSED) {
        // A refused key or a proxy's 404 will not pass within this uploader's life: leave the
        // longest pause at once rather than linger until the next attempt. (The pause is wall
        // clock: later runs, other processes, read it.)
        spool.pauseRetries(System.currentTimeMillis() + backoffMax(backoff), spool.giveUps() + 1);
        return Drained.GAVE_UP;
      }
      if (o != null && o.kind == HttpExporter.Outcome.Kind.RETRY) {
        if (failingSince < 0) {
          failingSince = now;
        } else if (now - failingSince >= GIVE_UP.toNanos()) {
          int giveUps = spool.giveUps() + 1;
          long pause =
              Math.min(backoffMax(backoff), GIVE_UP.toMillis() << Math.min(giveUps - 1, 6));
          spool.pauseRetries(System.currentTimeMillis() + pause, giveUps);
          return Drained.GAVE_UP;
        }
      } else {
        failingSince = -1;
      }
    }
    return Drained.GAVE_UP;
  }

  private static long backoffMax(Backoff backoff) {
    return Math.max(GIVE_UP.toMillis(), backoff.maxMillis());
  }

  private static void sleepMillis(long millis) {
    try {
      Thread.sleep(Math.max(1, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
