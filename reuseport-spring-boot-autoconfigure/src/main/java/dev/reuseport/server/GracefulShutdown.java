package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.web.server.GracefulShutdownCallback;
import org.springframework.boot.web.server.GracefulShutdownResult;

/**
 * Shuts the listeners of a {@link ReuseportWebServer} down without failing a request of a
 * well-behaved client, on every listener at once:
 * <ol>
 * <li>Close the listening sockets. The kernel moves the connections still waiting in
 * their accept queues to the other listeners of the port, such as those of the process
 * that replaces this one, when {@code net.ipv4.tcp_migrate_req=1}; it resets them
 * otherwise.</li>
 * <li>Let the requests in flight complete. Every HTTP/1.1 response whose headers are not
 * written yet says {@code Connection: close}, and its connection closes once it is
 * written. HTTP/2 connections receive {@code GOAWAY}.</li>
 * <li>Close an idle keep-alive connection only once it has stayed idle for a grace
 * period, and answer a request that arrives meanwhile with {@code Connection: close}, so
 * that a request already on its way is never lost.</li>
 * </ol>
 * The callback receives {@link GracefulShutdownResult#IDLE} once every connection is
 * closed, or {@link GracefulShutdownResult#REQUESTS_ACTIVE} when {@link #abort()} cut the
 * wait short.
 */
final class GracefulShutdown {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	private final ReuseportGroup group;

	private final Duration idleGrace;

	private volatile boolean aborted;

	private volatile @Nullable CompletableFuture<Void> draining;

	/**
	 * Create a graceful shutdown.
	 * @param group the listeners to drain
	 * @param idleGrace how long an idle keep-alive connection stays open for a request
	 * that its client may be sending
	 */
	GracefulShutdown(ReuseportGroup group, Duration idleGrace) {
		this.group = group;
		this.idleGrace = idleGrace;
	}

	/**
	 * Drain every listener, with the HTTP/3 connections that are drained meanwhile.
	 * @param callback told the result once every connection is closed or the wait is cut
	 * short
	 * @param http3 the drain of the HTTP/3 connections, already started
	 */
	void shutDownGracefully(GracefulShutdownCallback callback, CompletableFuture<Void> http3) {
		logger.info(("Commencing graceful shutdown of %d listeners. Waiting for active requests to complete and "
				+ "for idle connections to stay idle for %d ms")
			.formatted(this.group.listeners().size(), this.idleGrace.toMillis()));
		this.aborted = false;
		// Published before the drains start, so that an abort racing their start still
		// completes it
		CompletableFuture<Void> draining = new CompletableFuture<>();
		this.draining = draining;
		CompletableFuture.allOf(this.group.drain(this.idleGrace), http3)
			.whenComplete((result, ex) -> draining.complete(null));
		draining.whenComplete((result, ex) -> {
			boolean drained = !this.aborted;
			logger.info(drained ? "Graceful shutdown complete"
					: "Graceful shutdown aborted with one or more requests still active");
			callback.shutdownComplete(drained ? GracefulShutdownResult.IDLE : GracefulShutdownResult.REQUESTS_ACTIVE);
		});
	}

	/**
	 * Cut a graceful shutdown that is still waiting short: its callback receives
	 * {@link GracefulShutdownResult#REQUESTS_ACTIVE} now, and the connections it waited
	 * for close when the server stops.
	 */
	void abort() {
		this.aborted = true;
		CompletableFuture<Void> draining = this.draining;
		if (draining != null) {
			draining.complete(null);
			this.draining = null;
		}
	}

}
