package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;

import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.web.server.WebServerException;

/**
 * Binds the listeners of a {@link ReuseportWebServer} on one port and releases them
 * again: their sockets, their connections and their event loops.
 */
final class ListenerBinding {

	/**
	 * How long a stop waits for connections and loops when no lifecycle timeout is set.
	 */
	private static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

	private final HttpServer httpServer;

	private final ListenerTransport transport;

	private final List<ReuseportListener> listeners;

	private final @Nullable Duration lifecycleTimeout;

	private final ConnectionBalancing balancing;

	/**
	 * Create the binding of a server's listeners.
	 * @param httpServer the fully configured server, from which each listener derives its
	 * own
	 * @param transport the transport of every listener and its connections
	 * @param listeners the listeners, in index order
	 * @param lifecycleTimeout the bind and stop timeout, or {@code null}
	 * @param balancing how open connections are balanced across the listeners' loops
	 */
	ListenerBinding(HttpServer httpServer, ListenerTransport transport, List<ReuseportListener> listeners,
			@Nullable Duration lifecycleTimeout, ConnectionBalancing balancing) {
		this.httpServer = httpServer;
		this.transport = transport;
		this.listeners = listeners;
		this.lifecycleTimeout = lifecycleTimeout;
		this.balancing = balancing;
	}

	/**
	 * Start the event loop of every listener, then bind every listener on the same port.
	 * On failure, the listeners bound so far stay bound until {@link #release(Duration)}.
	 * @param portBound told the port as soon as the first listener has bound it
	 * @throws ReuseportBindException if another process holds the address without
	 * SO_REUSEPORT
	 * @throws WebServerException if a listener cannot bind for another reason
	 */
	void bind(IntConsumer portBound) {
		// Every loop exists before the first listener accepts, so that it can hand a
		// connection to any of them
		List<EventLoop> loops = this.listeners.stream()
			.map((listener) -> listener.loop().start(this.transport))
			.toList();
		LoopBalancer balancer = new LoopBalancer(this.listeners, loops, this.balancing);
		// Listener 0 binds the configured port, which may be 0; the others join the
		// port it actually got.
		Integer joinPort = null;
		for (ReuseportListener listener : this.listeners) {
			DisposableServer server = bind(listener, joinPort, balancer);
			if (joinPort == null) {
				joinPort = server.port();
				portBound.accept(joinPort);
			}
		}
		if (joinPort != null && this.listeners.size() > 1 && configuredPort() == 0) {
			// The kernel gave listener 0 its port, and takes such a port back when the
			// socket is shut down: a stall withdrawal would then rejoin on another port.
			// Bound again on the port by number, while the others hold it, it keeps it.
			ReuseportListener first = this.listeners.get(0);
			first.socket().closeUnused();
			bind(first, joinPort, balancer);
		}
	}

	private int configuredPort() {
		return (this.httpServer.configuration().bindAddress().get() instanceof InetSocketAddress address)
				? address.getPort() : -1;
	}

	private DisposableServer bind(ReuseportListener listener, @Nullable Integer port, LoopBalancer balancer) {
		try {
			return listener.bind(this.httpServer, this.transport, port, this.lifecycleTimeout, balancer);
		}
		catch (Exception ex) {
			ReuseportBindException.throwIfAddressInUse(ex, listener.index(), port);
			throw new WebServerException("Unable to start Netty listener " + listener.index(), ex);
		}
	}

	/**
	 * Release the listeners as a stop does, waiting up to the lifecycle timeout.
	 */
	void release() {
		release((this.lifecycleTimeout != null) ? this.lifecycleTimeout : DEFAULT_STOP_TIMEOUT);
	}

	/**
	 * Close every listener and its connections, then shut down the event loops.
	 * @param timeout how long each listener waits for its requests, then how long the
	 * loops have, all together, to close what is left on them and terminate
	 */
	void release(Duration timeout) {
		ListenerDisposal.disposeAll(this.listeners, timeout);
		ListenerLoop.shutdownAll(this.listeners.stream().map(ReuseportListener::loop).toList(), timeout);
	}

}
