package dev.beacon.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.ParseException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * A JFR recording of this JVM (the {@code profile} settings: threads running Java sampled every 10
 * ms, threads in native code every 20 ms), summed up as where the samples fall: the top frames of
 * Java on CPU and the threads they ran on, and apart from those the native methods threads were in
 * (DuckDB's work; idle waits such as epoll left out). What BENCHMARKS.md shows beside a missed
 * target.
 */
final class Profile implements AutoCloseable {
  /** Waits, not work: a thread parked in these is idle (the runner's own wait for wrk too). */
  private static final Set<String> IDLE =
      Set.of(
          "sun.nio.ch.Net.accept",
          "sun.nio.ch.EPoll.wait",
          "java.lang.ProcessHandleImpl.waitForProcessExit0",
          "java.io.FileInputStream.readBytes");

  /** Ids in thread names ("[0x3e1 0x5f2] WebServer socket", "worker-12") folded to N. */
  private static final Pattern FOLD = Pattern.compile("\\[[^\\]]*\\]|0x[0-9a-f]+|\\d+");

  private final Recording recording;
  private final Path file;

  private Profile(Recording recording, Path file) {
    this.recording = recording;
    this.file = file;
  }

  static Profile start() throws IOException, ParseException {
    Recording r = new Recording(Configuration.getConfiguration("profile"));
    r.setToDisk(true);
    r.start();
    return new Profile(r, Files.createTempFile("beacon-bench", ".jfr"));
  }

  /** Stops the recording; the {@code top} frames and threads by share of samples. */
  Map<String, Object> stop(int top) throws IOException {
    recording.stop();
    recording.dump(file);
    Map<String, Integer> java = new HashMap<>();
    Map<String, Integer> inNative = new HashMap<>();
    Map<String, Integer> threads = new HashMap<>();
    int javaSamples = 0;
    int nativeSamples = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
      String type = e.getEventType().getName();
      boolean onCpu = type.equals("jdk.ExecutionSample");
      if (!onCpu && !type.equals("jdk.NativeMethodSample")) {
        continue;
      }
      if (e.getStackTrace() == null || e.getStackTrace().getFrames().isEmpty()) {
        continue;
      }
      RecordedFrame f = e.getStackTrace().getFrames().get(0);
      String method = f.getMethod().getType().getName() + "." + f.getMethod().getName();
      if (onCpu) {
        java.merge(method, 1, Integer::sum);
        RecordedThread t = e.getThread("sampledThread");
        String name = t == null || t.getJavaName() == null ? "?" : t.getJavaName();
        threads.merge(FOLD.matcher(name).replaceAll("N"), 1, Integer::sum);
        javaSamples++;
      } else if (!IDLE.contains(method)) {
        inNative.merge(method, 1, Integer::sum);
        nativeSamples++;
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("javaSamples", javaSamples);
    out.put("java", shares(java, javaSamples, top));
    out.put("threads", shares(threads, javaSamples, top));
    out.put("nativeSamples", nativeSamples);
    out.put("native", shares(inNative, nativeSamples, top));
    return out;
  }

  private static List<Map<String, Object>> shares(Map<String, Integer> counts, int total, int top) {
    return counts.entrySet().stream()
        .sorted(Map.Entry.<String, Integer>comparingByValue().reversed())
        .limit(top)
        .map(
            e -> {
              Map<String, Object> m = new LinkedHashMap<>();
              m.put("name", e.getKey());
              m.put("share", total == 0 ? 0 : (double) e.getValue() / total);
              return m;
            })
        .toList();
  }

  @Override
  public void close() throws IOException {
    recording.close();
    Files.deleteIfExists(file);
  }
}
