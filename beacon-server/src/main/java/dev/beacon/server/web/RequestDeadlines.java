package dev.beacon.server.web;

import dev.beacon.server.Background;
import io.helidon.http.HeaderNames;
import io.helidon.http.Headers;
import io.helidon.http.HttpPrologue;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1ConnectionListener;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deadlines for clients that send slowly (slowloris): Helidon 4.2 applies no read timeout to the
 * sockets it accepts, and its idle timeout only covers a connection waiting for, or reading, a
 * request line. Here a request's headers must be complete within {@code headerTimeout} of its
 * request line, and its body read within {@code bodyTimeout}, also when the handler did not read it
 * and Helidon drains it after the answer. Past a deadline the connection is closed: a stalled
 * client holds neither a connection nor a request permit for long.
 *
 * <p>Helidon reads a connection, and runs its handlers, on one virtual thread: the state of a
 * connection is kept by that thread, where the listener's callbacks and the handler both run.
 */
final class RequestDeadlines implements AutoCloseable {
  private enum Phase {
    HEADERS,
    HANDLER,
    BODY,
    DRAIN
  }

  private static final class State {
    final ConnectionContext connection;
    volatile Phase phase = Phase.HEADERS;
    volatile long sinceNanos = System.nanoTime();
    volatile boolean hasBody;
    volatile boolean bodyRead;

    State(ConnectionContext connection) {
      this.connection = connection;
    }

    void enter(Phase next) {
      sinceNanos = System.nanoTime();
      phase = next;
    }
  }

  private final long headerNanos;
  private final long bodyNanos;
  private final Map<Thread, State> connections = new ConcurrentHashMap<>();
  private static final Logger LOG = LoggerFactory.getLogger(RequestDeadlines.class);

  private final ScheduledExecutorService sweeper;

  RequestDeadlines(Duration headerTimeout, Duration bodyTimeout) {
    this.headerNanos = headerTimeout.toNanos();
    this.bodyNanos = bodyTimeout.toNanos();
    this.sweeper = Background.scheduler("beacon-request-deadlines");
    // A deadline is kept to within a quarter of the shorter one (and a second at most).
    long periodMillis =
        Math.clamp(Math.min(headerTimeout.toMillis(), bodyTimeout.toMillis()) / 4, 10, 1000);
    // A sweeper that died would leave every deadline unenforced: each sweep is guarded.
    Duration period = Duration.ofMillis(periodMillis);
    Background.repeat(sweeper, "the request-deadline sweep", LOG, this::sweep, period, period);
  }

  /** Told when a request line and its headers have been read. */
  Http1ConnectionListener receiving() {
    return new Http1ConnectionListener() {
      @Override
      public void prologue(ConnectionContext ctx, HttpPrologue prologue) {
        State s = connections.computeIfAbsent(Thread.currentThread(), t -> new State(ctx));
        s.hasBody = false;
        s.bodyRead = false;
        s.enter(Phase.HEADERS);
      }

      @Override
      public void headers(ConnectionContext ctx, Headers headers) {
        State s = connections.get(Thread.currentThread());
        if (s != null) {
          // Not parsed here: Helidon answers a malformed length itself, and a listener must not
          // throw.
          s.hasBody =
              headers.contains(HeaderNames.TRANSFER_ENCODING)
                  || !headers.first(HeaderNames.CONTENT_LENGTH).orElse("0").strip().equals("0");
          s.enter(Phase.HANDLER); // a handler's own work has no deadline here
        }
      }
    };
  }

  /** Told when an answer starts. */
  Http1ConnectionListener sending() {
    return new Http1ConnectionListener() {
      @Override
      public void status(ConnectionContext ctx, Status status) {
        State s = connections.get(Thread.currentThread());
        if (s == null) {
          return;
        }
        if (s.hasBody && !s.bodyRead) {
          s.enter(Phase.DRAIN); // Helidon reads the rest after the answer: bounded too
        } else {
          // Waiting for the next request line: Helidon's idle timeout covers that.
          connections.remove(Thread.currentThread());
        }
      }
    };
  }

  /**
   * The request's body, to be read within the body timeout. A read cut short by the deadline ends
   * the connection quietly (no answer: the client was too slow to get one), not as a server error.
   */
  InputStream body(ServerRequest req) {
    State s = connections.get(Thread.currentThread());
    InputStream in = req.content().inputStream();
    if (s == null) {
      return in;
    }
    s.enter(Phase.BODY);
    return new FilterInputStream(in) {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
          n = super.read(b, off, len);
        } catch (IOException | RuntimeException e) {
          if (overdue(s)) {
            throw new CloseConnectionException("request body too slow", e);
          }
          throw e;
        }
        if (n < 0) {
          s.bodyRead = true;
          s.enter(Phase.HANDLER);
        } else if (overdue(s)) {
          throw new CloseConnectionException("request body too slow");
        }
        return n;
      }

      @Override
      public void close() throws IOException {
        try {
          super.close(); // Helidon's stream may read once more here: still under the deadline
        } catch (IOException | RuntimeException e) {
          if (overdue(s)) {
            throw new CloseConnectionException("request body too slow", e);
          }
          throw e;
        } finally {
          if (s.phase == Phase.BODY) {
            s.enter(Phase.HANDLER);
          }
        }
      }
    };
  }

  private boolean overdue(State s) {
    long limit =
        switch (s.phase) {
          case HEADERS -> headerNanos;
          case BODY, DRAIN -> bodyNanos;
          case HANDLER -> Long.MAX_VALUE;
        };
    return limit != Long.MAX_VALUE && System.nanoTime() - s.sinceNanos > limit;
  }

  private void sweep() {
    try {
      for (Iterator<Map.Entry<Thread, State>> it = connections.entrySet().iterator();
          it.hasNext(); ) {
        Map.Entry<Thread, State> e = it.next();
        State s = e.getValue();
        if (!e.getKey().isAlive()) {
          it.remove(); // the connection ended between two requests' states
        } else if (overdue(s)) {
          it.remove();
          // Its reader thread, blocked on the socket, fails and ends the connection.
          s.connection.serverSocket().close();
        }
      }
    } catch (RuntimeException e) {
      // the next sweep tries again
    }
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
  }
}
