package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.netty.channel.EventLoop;
import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServer;

import org.springframework.util.Assert;

/**
 * The HTTP/3 side of a {@link ReuseportWebServer}: it binds the {@link Http3Listeners} on
 * the listener loops once the TCP listeners are bound, says why it cannot, drains them
 * for a graceful shutdown and closes them on a stop. A server that cannot serve HTTP/3
 * fails to start when HTTP/3 is required, and otherwise serves TCP only after one
 * warning.
 */
final class Http3Server {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	static final Http3Server DISABLED = new Http3Server(null, null, null, ListenerTransport.EPOLL, false);

	private final @Nullable Http3Settings settings;

	private final @Nullable HttpServer server;

	// Why HTTP/3 cannot be served at all, found before the start
	private final @Nullable Http3Unavailable unavailable;

	private final ListenerTransport transport;

	private final boolean joinExisting;

	private volatile @Nullable Http3Listeners listeners;

	private volatile @Nullable Http3PortWait portWait;

	private volatile Http3Status status;

	// Built once per bind, since every HTTP/1.1 and HTTP/2 response reads it
	private volatile @Nullable String altSvc;

	/**
	 * Create the HTTP/3 side of a server.
	 * @param settings the settings, or {@code null} when HTTP/3 is off
	 * @param server the HTTP/3 server whose codec and handler serve the connections, or
	 * {@code null} when it cannot be built
	 * @param unavailable why it cannot be built, or {@code null}
	 * @param transport the transport of the listener loops
	 * @param joinExisting whether the server may join sockets already on its port
	 */
	Http3Server(@Nullable Http3Settings settings, @Nullable HttpServer server, @Nullable Http3Unavailable unavailable,
			ListenerTransport transport, boolean joinExisting) {
		this.settings = settings;
		this.server = server;
		this.unavailable = unavailable;
		this.transport = transport;
		this.joinExisting = joinExisting;
		this.status = (settings != null) ? new Http3Status(true, -1, null, List.of()) : Http3Status.DISABLED;
	}

	Http3Status status() {
		return this.status;
	}

	/**
	 * Return the {@code Alt-Svc} header that advertises the HTTP/3 listeners while they
	 * are bound.
	 * @return the header's value, or {@code null} when none is to be sent
	 */
	@Nullable String altSvc() {
		return this.altSvc;
	}

	/**
	 * Bind one UDP socket on the loop of each listener, or say why not.
	 * @param listeners the bound TCP listeners, in index order
	 * @param tcpAddress the address and port that the TCP listeners are bound to
	 * @param replacing whether the server took its TCP sockets over from a process that
	 * it replaces, whose UDP sockets it then waits for until that process has closed them
	 * @throws ReuseportHttp3Exception when HTTP/3 is required and cannot be served
	 */
	void start(List<ReuseportListener> listeners, InetSocketAddress tcpAddress, boolean replacing) {
		Http3Settings settings = this.settings;
		if (settings == null) {
			return;
		}
		Integer configuredPort = settings.port();
		InetSocketAddress address = new InetSocketAddress(tcpAddress.getAddress(),
				(configuredPort != null) ? configuredPort : tcpAddress.getPort());
		Http3Unavailable unavailable = (this.unavailable != null) ? this.unavailable
				: Http3Unavailable.transport(this.transport);
		if (unavailable == null) {
			PortListeners holders = PortListeners.udp(address);
			if (holders.count() > 0 && (this.joinExisting || replacing)) {
				waitForPort(loops(listeners), address, holders);
				return;
			}
			unavailable = (holders.count() > 0) ? Http3Unavailable.portInUse(address, holders, null)
					: bind(loops(listeners), address);
			if (unavailable == null) {
				return;
			}
		}
		this.status = new Http3Status(true, -1, unavailable.message(), List.of());
		if (settings.required()) {
			throw new ReuseportHttp3Exception(unavailable.reason(), unavailable.action(), unavailable.cause());
		}
		logger.warn(unavailable.message() + ". Serving HTTP/1.1 and HTTP/2 only", unavailable.cause());
	}

	private synchronized @Nullable Http3Unavailable bind(List<EventLoop> loops, InetSocketAddress address) {
		try {
			Http3Listeners bound = Http3Listeners.bind(this.server, loops, address);
			this.listeners = bound;
			this.status = new Http3Status(true, address.getPort(), null, bound.listeners());
			Http3Settings settings = this.settings;
			Duration maxAge = (settings != null) ? settings.altSvcMaxAge() : null;
			this.altSvc = (maxAge != null) ? "h3=\":%d\"; ma=%d".formatted(address.getPort(), maxAge.toSeconds())
					: null;
			logger.info("HTTP/3 on UDP port %d: %d SO_REUSEPORT sockets, one per listener loop, sharing one "
				.formatted(address.getPort(), bound.listeners().size()) + "QUIC connection ID space");
			return null;
		}
		catch (RuntimeException ex) {
			return Http3Unavailable.bindFailed(address, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return Http3Unavailable.bindFailed(address, ex);
		}
	}

	/**
	 * Bind once the process that holds the UDP port, which this one joins or replaces,
	 * has closed its sockets. A QUIC connection cannot move between processes, so sharing
	 * the port would hand some of that process's connections to this one, which could
	 * only drop their packets.
	 */
	private void waitForPort(List<EventLoop> loops, InetSocketAddress address, PortListeners holders) {
		String waiting = "HTTP/3 waits for UDP port %d, held by %d sockets%s: QUIC connections cannot move between "
			.formatted(address.getPort(), holders.count(), PortListeners.heldBy(holders.pids()))
				+ "processes, so this server binds its own once those are closed, and serves HTTP/1.1 and HTTP/2 "
				+ "meanwhile";
		this.status = new Http3Status(true, -1, waiting, List.of());
		logger.info(waiting);
		this.portWait = Http3PortWait.start(address, () -> {
			synchronized (this) {
				if (this.portWait == null) {
					return;
				}
				this.portWait = null;
				Http3Unavailable failed = bind(loops, address);
				if (failed != null) {
					this.status = new Http3Status(true, -1, failed.message(), List.of());
					logger.warn(failed.message() + ". Serving HTTP/1.1 and HTTP/2 only", failed.cause());
				}
			}
		});
	}

	private static List<EventLoop> loops(List<ReuseportListener> listeners) {
		return listeners.stream().map((listener) -> {
			EventLoop loop = listener.eventLoop();
			Assert.state(loop != null, "The listeners are not bound");
			return loop;
		}).toList();
	}

	/**
	 * Drain the HTTP/3 connections for a graceful shutdown (see {@link Http3Drain}).
	 * @param idleGrace how long a connection without requests stays open
	 * @return a future that completes once every connection and socket is closed
	 */
	CompletableFuture<Void> drain(Duration idleGrace) {
		// New connections are refused from now on: stop sending clients to them
		this.altSvc = null;
		Http3Listeners listeners = this.listeners;
		return (listeners != null) ? listeners.drain(idleGrace) : CompletableFuture.completedFuture(null);
	}

	/**
	 * Close every socket and connection, before the loops shut down.
	 */
	synchronized void stop() {
		Http3PortWait portWait = this.portWait;
		this.portWait = null;
		if (portWait != null) {
			portWait.stop();
		}
		Http3Listeners listeners = this.listeners;
		this.listeners = null;
		this.altSvc = null;
		if (listeners != null) {
			listeners.close();
		}
		if (this.settings != null) {
			this.status = new Http3Status(true, -1, this.status.unavailable(), List.of());
		}
	}

}
