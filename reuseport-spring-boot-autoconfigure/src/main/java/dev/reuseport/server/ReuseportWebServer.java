package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.stream.IntStream;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.web.server.GracefulShutdownCallback;
import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.util.Assert;

/**
 * {@link WebServer} that binds one SO_REUSEPORT epoll listener per event loop, all on
 * the same address and port. The kernel spreads new connections across the listeners;
 * each connection is accepted and served on the loop that owns its listener.
 * <p>
 * The server owns its event loops: they are created by {@link #start()} and shut down by
 * {@link #stop()}.
 *
 * @since 0.1.0
 */
public class ReuseportWebServer implements WebServer {

	/**
	 * The transport of every listener.
	 */
	public static final String TRANSPORT = "epoll";

	private static final Log logger = LogFactory.getLog(ReuseportWebServer.class);

	/**
	 * How long {@link #stop()} waits for connections and loops when no lifecycle
	 * timeout is set.
	 */
	private static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

	/**
	 * How long a graceful shutdown keeps an idle keep-alive connection open for a
	 * request that its client may be sending at that moment; Envoy drains HTTP/1.1
	 * connections for as long. A shorter {@code server.netty.idle-timeout} still closes
	 * idle connections sooner, as it always does.
	 */
	static final Duration IDLE_GRACE = Duration.ofSeconds(5);

	private final HttpServer httpServer;

	private final List<ReuseportListener> listeners;

	private final @Nullable Duration lifecycleTimeout;

	private final boolean graceful;

	private final Object monitor = new Object();

	private volatile boolean started;

	private volatile int port = -1;

	private volatile @Nullable CountDownLatch stopped;

	private volatile boolean gracefulShutdownAborted;

	private volatile @Nullable CompletableFuture<Void> draining;

	/**
	 * Create a new server.
	 * @param httpServer the fully configured server, request handling included; each
	 * listener derives its own server from it
	 * @param listenerCount the number of listeners to bind
	 * @param lifecycleTimeout the start and stop timeout, or {@code null}
	 * @param shutdown the shutdown mode
	 */
	public ReuseportWebServer(HttpServer httpServer, int listenerCount, @Nullable Duration lifecycleTimeout,
			Shutdown shutdown) {
		Assert.notNull(httpServer, "'httpServer' must not be null");
		Assert.isTrue(listenerCount > 0, "'listenerCount' must be positive");
		this.httpServer = httpServer;
		this.listeners = IntStream.range(0, listenerCount).mapToObj(ReuseportListener::new).toList();
		this.lifecycleTimeout = lifecycleTimeout;
		this.graceful = shutdown == Shutdown.GRACEFUL;
	}

	/**
	 * Return the listeners, in index order. The list is fixed for the life of the
	 * server; each listener is bound only while the server runs.
	 * @return the listeners
	 */
	public List<ReuseportListener> getListeners() {
		return this.listeners;
	}

	@Override
	public void start() throws WebServerException {
		synchronized (this.monitor) {
			if (this.started) {
				return;
			}
			try {
				bindListeners();
			}
			catch (RuntimeException ex) {
				releaseListeners(Duration.ZERO);
				throw ex;
			}
			this.started = true;
			KernelSettings kernel = KernelSettings.read();
			logger.info(startedMessage(kernel));
			warnIfQueuedConnectionsWouldBeReset(kernel);
			startAwaitThread();
		}
	}

	private void bindListeners() {
		// Listener 0 binds the configured port, which may be 0; the others join the
		// port it actually got.
		Integer joinPort = null;
		for (ReuseportListener listener : this.listeners) {
			DisposableServer server = bind(listener, joinPort);
			if (joinPort == null) {
				joinPort = server.port();
				this.port = joinPort;
			}
		}
	}

	private DisposableServer bind(ReuseportListener listener, @Nullable Integer port) {
		try {
			return listener.bind(this.httpServer, port, this.lifecycleTimeout);
		}
		catch (Exception ex) {
			ReuseportBindException.throwIfAddressInUse(ex, listener.index(), port);
			throw new WebServerException("Unable to start Netty listener " + listener.index(), ex);
		}
	}

	private String startedMessage(KernelSettings kernel) {
		String scheme = (this.httpServer.configuration().sslProvider() != null) ? "https" : "http";
		return "Netty started on port %d (%s) with %d SO_REUSEPORT %s listeners, one per event loop (%s)"
			.formatted(this.port, scheme, this.listeners.size(), TRANSPORT, kernel.describe());
	}

	/**
	 * Keep the JVM alive while the server runs, as Spring Boot's own servers do: the
	 * event loop threads are daemons.
	 */
	private void startAwaitThread() {
		CountDownLatch stopped = new CountDownLatch(1);
		this.stopped = stopped;
		Thread awaitThread = new Thread(() -> {
			try {
				stopped.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}, "reuseport-server");
		awaitThread.setContextClassLoader(getClass().getClassLoader());
		awaitThread.setDaemon(false);
		awaitThread.start();
	}

	/**
	 * A graceful shutdown loses none of the connections this server accepted, but when a
	 * listener closes the kernel resets those still waiting in its accept queue, unless
	 * {@code net.ipv4.tcp_migrate_req} lets it move them to another process on the port.
	 */
	private void warnIfQueuedConnectionsWouldBeReset(KernelSettings kernel) {
		if (this.graceful && kernel.tcpMigrateReq().orElse(-1) == 0) {
			logger.warn(("net.ipv4.tcp_migrate_req is 0: when this server shuts down, the kernel resets the "
					+ "connections still waiting in its listeners' accept queues instead of moving them to another "
					+ "process on port %d, so a rolling restart fails requests. Set it with "
					+ "'sysctl -w net.ipv4.tcp_migrate_req=1' (Linux 5.14 or later, per network namespace).")
				.formatted(this.port));
		}
	}

	/**
	 * Shut down without failing a request of a well-behaved client, on every listener
	 * at once:
	 * <ol>
	 * <li>Close the listening sockets. The kernel moves the connections still waiting
	 * in their accept queues to the other listeners of the port, such as those of the
	 * process that replaces this one, when {@code net.ipv4.tcp_migrate_req=1}; it resets
	 * them otherwise.</li>
	 * <li>Let the requests in flight complete. Every HTTP/1.1 response whose headers
	 * are not written yet says {@code Connection: close}, and its connection closes once
	 * it is written. HTTP/2 connections receive {@code GOAWAY}.</li>
	 * <li>Close an idle keep-alive connection only once it has stayed idle for a grace
	 * period, and answer a request that arrives meanwhile with {@code Connection:
	 * close}, so that a request already on its way is never lost.</li>
	 * </ol>
	 * The callback receives {@link GracefulShutdownResult#IDLE} once every connection is
	 * closed, or {@link GracefulShutdownResult#REQUESTS_ACTIVE} when {@link #stop()} cut
	 * the wait short.
	 */
	@Override
	public void shutDownGracefully(GracefulShutdownCallback callback) {
		if (!this.graceful || !this.started) {
			callback.shutdownComplete(GracefulShutdownResult.IMMEDIATE);
			return;
		}
		logger.info(("Commencing graceful shutdown of %d listeners. Waiting for active requests to complete and "
				+ "for idle connections to stay idle for %d ms")
			.formatted(this.listeners.size(), IDLE_GRACE.toMillis()));
		this.gracefulShutdownAborted = false;
		CompletableFuture<?>[] drains = this.listeners.stream()
			.map((listener) -> listener.drain(IDLE_GRACE))
			.toArray(CompletableFuture[]::new);
		CompletableFuture<Void> draining = CompletableFuture.allOf(drains);
		this.draining = draining;
		draining.whenComplete((result, ex) -> {
			boolean drained = !this.gracefulShutdownAborted;
			logger.info(drained ? "Graceful shutdown complete"
					: "Graceful shutdown aborted with one or more requests still active");
			callback.shutdownComplete(drained ? GracefulShutdownResult.IDLE : GracefulShutdownResult.REQUESTS_ACTIVE);
		});
	}

	/**
	 * Dispose all listeners in parallel, as an immediate stop does: every listening
	 * socket and idle connection closes at the same moment, then each listener waits
	 * for its requests in flight, as Spring Boot's own server does on stop. Listeners
	 * that a graceful shutdown has closed are left to it.
	 * @param timeout how long each listener waits for its active requests
	 */
	private void disposeListeners(Duration timeout) {
		List<CompletableFuture<Void>> disposals = new ArrayList<>();
		for (ReuseportListener listener : this.listeners) {
			disposals.add(CompletableFuture.runAsync(() -> dispose(listener, timeout), this::startDisposeThread));
		}
		disposals.forEach(CompletableFuture::join);
	}

	private void startDisposeThread(Runnable task) {
		Thread thread = new Thread(task, "reuseport-dispose");
		thread.setDaemon(true);
		thread.start();
	}

	private void dispose(ReuseportListener listener, Duration timeout) {
		try {
			listener.dispose(timeout);
		}
		catch (RuntimeException ex) {
			// Reactor Netty reports a drain timeout or an interrupt as an exception
			logger.debug("Listener " + listener.index() + " did not drain", ex);
		}
	}

	@Override
	public void stop() throws WebServerException {
		synchronized (this.monitor) {
			if (!this.started) {
				return;
			}
			// A graceful shutdown still waiting is cut short: its connections close
			// with the loops below.
			this.gracefulShutdownAborted = true;
			releaseListeners((this.lifecycleTimeout != null) ? this.lifecycleTimeout : DEFAULT_STOP_TIMEOUT);
			CompletableFuture<Void> draining = this.draining;
			if (draining != null) {
				draining.complete(null);
				this.draining = null;
			}
			this.started = false;
			this.port = -1;
			CountDownLatch stopped = this.stopped;
			if (stopped != null) {
				stopped.countDown();
			}
		}
	}

	private void releaseListeners(Duration timeout) {
		disposeListeners(timeout);
		this.listeners.forEach((listener) -> listener.shutdownLoop(timeout));
	}

	/**
	 * Return the port all listeners are bound to, or {@code -1} when the server is not
	 * running.
	 * @return the port
	 */
	@Override
	public int getPort() {
		return this.port;
	}

}
