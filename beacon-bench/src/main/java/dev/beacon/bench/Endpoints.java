package dev.beacon.bench;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * The three endpoints every SDK and the CLI are measured against, served from the runner's JVM so
 * that the JVM under test carries only the SDK: alive (answers 200 with {@code {}} to any request,
 * after reading the body), dead (a port nothing listens on) and black-holed (accepts connections,
 * never reads nor answers; the sockets are held until the end).
 */
final class Endpoints implements AutoCloseable {
  private final HttpServer alive;
  private final ExecutorService aliveThreads = Executors.newFixedThreadPool(2);
  private final int dead;
  private final ServerSocket hole;
  private final List<Socket> held = new CopyOnWriteArrayList<>();

  Endpoints() throws IOException {
    alive = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 512);
    alive.createContext(
        "/",
        ex -> {
          ex.getRequestBody().readAllBytes();
          byte[] body = "{}".getBytes(StandardCharsets.US_ASCII);
          ex.getResponseHeaders().set("Content-Type", "application/json");
          ex.sendResponseHeaders(200, body.length);
          ex.getResponseBody().write(body);
          ex.close();
        });
    alive.setExecutor(aliveThreads);
    alive.start();
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      dead = s.getLocalPort();
    }
    hole = new ServerSocket(0, 1000, InetAddress.getLoopbackAddress());
    Thread acceptor =
        new Thread(
            () -> {
              while (true) {
                try {
                  held.add(hole.accept());
                } catch (IOException closed) {
                  return;
                }
              }
            },
            "blackhole-acceptor");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String alive() {
    return "http://127.0.0.1:" + alive.getAddress().getPort();
  }

  String dead() {
    return "http://127.0.0.1:" + dead;
  }

  String blackhole() {
    return "http://127.0.0.1:" + hole.getLocalPort();
  }

  /** The system properties {@code dev.beacon.bench.harness.Peer} reads. */
  List<String> systemProperties() {
    return List.of(
        "-Dbench.endpoint.alive=" + alive(),
        "-Dbench.endpoint.dead=" + dead(),
        "-Dbench.endpoint.blackhole=" + blackhole());
  }

  @Override
  public void close() throws IOException {
    alive.stop(0);
    aliveThreads.shutdownNow();
    hole.close();
    for (Socket s : held) {
      s.close();
    }
  }
}
