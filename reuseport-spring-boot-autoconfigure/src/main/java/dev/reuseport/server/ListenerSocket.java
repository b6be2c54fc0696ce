package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * The listening socket of one {@link ReuseportListener} while it is bound, and how it
 * closes: gracefully, or at once when the server stops.
 */
final class ListenerSocket {

	private final int index;

	private final ListenerLoop loop;

	private volatile @Nullable DisposableServer server;

	private volatile boolean draining;

	/**
	 * Create the socket of a listener.
	 * @param index the listener index
	 * @param loop the listener's loop, which serves the connections to drain
	 */
	ListenerSocket(int index, ListenerLoop loop) {
		this.index = index;
		this.loop = loop;
	}

	/**
	 * Bind the listening socket.
	 * @param httpServer the server of the listener, its loop resources included
	 * @param port the port to bind, or {@code null} to keep the server's bind address
	 * @param timeout the bind timeout, or {@code null} for Reactor Netty's default
	 * @return the bound server
	 */
	DisposableServer bind(HttpServer httpServer, @Nullable Integer port, @Nullable Duration timeout) {
		this.draining = false;
		HttpServer listenerServer = (port != null) ? httpServer.port(port) : httpServer;
		DisposableServer server = (timeout != null) ? listenerServer.bindNow(timeout) : listenerServer.bindNow();
		this.server = server;
		return server;
	}

	/**
	 * Return the listening channel, or {@code null} when the socket is not bound.
	 * @return the listening channel
	 */
	@Nullable Channel channel() {
		DisposableServer server = this.server;
		return (server != null) ? server.channel() : null;
	}

	/**
	 * Close the listening socket before it has served: at startup, before the server's
	 * port is published.
	 */
	void closeUnused() {
		DisposableServer server = this.server;
		if (server != null) {
			server.disposeNow();
			this.server = null;
		}
	}

	/**
	 * Return whether the socket is closing or closed: a graceful drain or a stop has
	 * begun, so it must not listen again.
	 * @return whether the socket is closing
	 */
	boolean isClosing() {
		return this.draining || this.server == null;
	}

	/**
	 * Close the listening socket, then drain the connections served on its loop without
	 * racing their clients (see {@link ConnectionDrain}); the {@link ReuseportGroup}
	 * hands no connection to this loop from then on. Closing the socket makes the kernel
	 * move the connections still waiting in its accept queue to another listener of the
	 * port when {@code net.ipv4.tcp_migrate_req=1}, and reset them otherwise. Both steps
	 * run in one task on the listener's event loop, so no connection is accepted after
	 * the drain has started.
	 * @param idleGrace how long an idle keep-alive connection stays open for a request
	 * that its client may be sending
	 * @return a future that completes once every connection served on the listener's loop
	 * is closed
	 */
	CompletableFuture<Void> drain(Duration idleGrace) {
		this.draining = true;
		return startDrain(idleGrace);
	}

	private CompletableFuture<Void> startDrain(Duration idleGrace) {
		DisposableServer server = this.server;
		ConnectionDrain drain = this.loop.drain();
		if (server == null || drain == null) {
			return CompletableFuture.completedFuture(null);
		}
		try {
			server.channel().eventLoop().execute(() -> {
				server.dispose();
				drain.start(idleGrace);
			});
		}
		catch (RejectedExecutionException ex) {
			// The loop is already shut down, and its connections with it
			return CompletableFuture.completedFuture(null);
		}
		return drain.drained();
	}

	/**
	 * Close the listening socket at once and any idle connection, then wait up to
	 * {@code timeout} for the requests in flight on its connections to complete, as
	 * Reactor Netty's {@link DisposableServer#disposeNow(Duration)} does for a server
	 * with a channel group. The listener tracks its connections itself (see
	 * {@link ConnectionDrain}), so that no channel group costs each connection a map
	 * entry and each connection state change a call. Does nothing more once a graceful
	 * drain has started: the shutdown of the loop cuts it short.
	 * @param timeout how long to wait for active requests
	 * @throws IllegalStateException if the requests did not complete in time
	 */
	void dispose(Duration timeout) {
		if (this.server == null) {
			return;
		}
		try {
			if (!this.draining) {
				startDrain(Duration.ZERO).get(timeout.toNanos(), TimeUnit.NANOSECONDS);
			}
		}
		catch (TimeoutException | ExecutionException ex) {
			throw new IllegalStateException(
					"Listener " + this.index + " did not drain within " + timeout.toMillis() + " ms", ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while listener " + this.index + " drained", ex);
		}
		finally {
			this.server = null;
		}
	}

}
