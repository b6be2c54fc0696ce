package dev.reuseport.autoconfigure;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

import dev.reuseport.server.ListenerSteering;
import dev.reuseport.server.StallReliefSettings;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.util.unit.DataSize;

/**
 * Configuration properties for SO_REUSEPORT listeners, bound from {@code reuseport.*}.
 * Instances are immutable; invalid values fail at startup with the property name.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("reuseport")
public class ReuseportProperties {

	/**
	 * Smallest allowed value of {@code reuseport.listeners}.
	 */
	public static final int MIN_LISTENERS = 1;

	/**
	 * Largest allowed value of {@code reuseport.listeners}.
	 */
	public static final int MAX_LISTENERS = 1024;

	// sun_path holds 108 bytes, the terminating NUL included
	private static final int MAX_SOCKET_PATH = 107;

	/**
	 * Whether to bind one SO_REUSEPORT listener per event loop on the server port. When
	 * disabled, Spring Boot's single-socket Reactor Netty server is used.
	 */
	private final boolean enabled;

	/**
	 * Number of SO_REUSEPORT listeners, each accepting and serving on its own event loop,
	 * from 1 to 1024. When not specified, Reactor Netty's I/O worker count is used
	 * ('reactor.netty.ioWorkerCount', or else the number of CPUs with a minimum of 4).
	 */
	private final @Nullable Integer listeners;

	/**
	 * Whether to fail startup when the native transport, or HTTP/3 when
	 * 'reuseport.http3.enabled' is true, is unavailable, instead of logging a warning and
	 * falling back: from io_uring to epoll when io_uring is chosen explicitly, from epoll
	 * to Spring Boot's single-socket server, and from HTTP/3 to TCP only.
	 */
	private final boolean required;

	/**
	 * Whether this start may join SO_REUSEPORT listeners that another process, or another
	 * server of this one, already has on the port, as the new process of a handover does.
	 * When false, startup fails as Spring Boot's does when the port is in use, so that no
	 * forgotten process shares the port by accident.
	 */
	private final boolean joinExisting;

	/**
	 * Native transport of the listeners. 'auto' uses io_uring when Netty's native
	 * io_uring library is on the classpath and usable on this kernel, and epoll
	 * otherwise.
	 */
	private final Transport transport;

	private final Metrics metrics;

	private final Balance balance;

	private final StallRelief stallRelief;

	private final ClientAffinity clientAffinity;

	private final Handover handover;

	/**
	 * How the kernel chooses the listener of each new connection. 'hash' hashes the
	 * connection's addresses and ports. 'cpu' pins each listener's event loop to one CPU
	 * and gives each connection to the listener of the CPU that received it, for cache
	 * locality; it needs Linux 6.2 and net.openhft:affinity on the classpath, and falls
	 * back to 'hash' with a warning without them.
	 */
	private final ListenerSteering steering;

	private final Http3 http3;

	/**
	 * Create a new instance.
	 * @param enabled whether to bind one listener per event loop
	 * @param listeners the number of listeners, or {@code null} for one per I/O worker
	 * @param required whether the native transport must be available
	 * @param joinExisting whether to join listeners already on the port
	 * @param transport the native transport of the listeners
	 * @param metrics the metrics settings
	 * @param balance the settings of the balancing of open connections across loops
	 * @param stallRelief the settings of the relief of stalled event loops
	 * @param clientAffinity the settings of downstream calls made from request handlers
	 * @param handover the settings of the handover of the listening sockets
	 * @param steering how the kernel chooses the listener of each connection
	 * @param http3 the settings of HTTP/3
	 */
	public ReuseportProperties(@DefaultValue("true") boolean enabled, @Nullable Integer listeners,
			@DefaultValue("false") boolean required, @DefaultValue("false") boolean joinExisting,
			@DefaultValue("auto") Transport transport, @DefaultValue Metrics metrics, @DefaultValue Balance balance,
			@DefaultValue StallRelief stallRelief, @DefaultValue ClientAffinity clientAffinity,
			@DefaultValue Handover handover, @DefaultValue("hash") ListenerSteering steering,
			@DefaultValue Http3 http3) {
		if (listeners != null && (listeners < MIN_LISTENERS || listeners > MAX_LISTENERS)) {
			throw new InvalidConfigurationPropertyValueException("reuseport.listeners", listeners, "It must be between "
					+ MIN_LISTENERS + " and " + MAX_LISTENERS + ". Remove it to use one listener per event loop.");
		}
		this.enabled = enabled;
		this.listeners = listeners;
		this.required = required;
		this.joinExisting = joinExisting;
		this.transport = transport;
		this.metrics = metrics;
		this.balance = balance;
		this.stallRelief = stallRelief;
		this.clientAffinity = clientAffinity;
		this.handover = handover;
		this.steering = steering;
		this.http3 = http3;
	}

	/**
	 * Return whether to bind one SO_REUSEPORT listener per event loop.
	 * @return whether the reuseport listeners are enabled
	 */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Return the configured number of listeners.
	 * @return the number of listeners, or {@code null} when not specified: one per
	 * Reactor Netty I/O worker, the default of
	 * {@link dev.reuseport.server.ReuseportNettyReactiveWebServerFactory#setListenerCount(int)}
	 */
	public @Nullable Integer getListeners() {
		return this.listeners;
	}

	/**
	 * Return whether to fail startup when native epoll is unavailable.
	 * @return whether native epoll is required
	 */
	public boolean isRequired() {
		return this.required;
	}

	/**
	 * Return whether to join SO_REUSEPORT listeners already on the port.
	 * @return whether to join existing listeners
	 */
	public boolean isJoinExisting() {
		return this.joinExisting;
	}

	/**
	 * Return the native transport of the listeners.
	 * @return the transport
	 */
	public Transport getTransport() {
		return this.transport;
	}

	/**
	 * Return the metrics settings.
	 * @return the metrics settings
	 */
	public Metrics getMetrics() {
		return this.metrics;
	}

	/**
	 * Return the settings of the balancing of open connections across the loops.
	 * @return the balancing settings
	 */
	public Balance getBalance() {
		return this.balance;
	}

	/**
	 * Return the settings of the relief of stalled event loops.
	 * @return the stall relief settings
	 */
	public StallRelief getStallRelief() {
		return this.stallRelief;
	}

	/**
	 * Return the settings of downstream calls made from request handlers.
	 * @return the client affinity settings
	 */
	public ClientAffinity getClientAffinity() {
		return this.clientAffinity;
	}

	/**
	 * Return the settings of the handover of the listening sockets to the process that
	 * replaces this one.
	 * @return the handover settings
	 */
	public Handover getHandover() {
		return this.handover;
	}

	/**
	 * Return how the kernel chooses the listener of each new connection.
	 * @return the steering
	 */
	public ListenerSteering getSteering() {
		return this.steering;
	}

	/**
	 * Return the settings of HTTP/3.
	 * @return the HTTP/3 settings
	 */
	public Http3 getHttp3() {
		return this.http3;
	}

	/**
	 * Native transports of the listeners.
	 */
	public enum Transport {

		/**
		 * io_uring when it is on the classpath and usable, and epoll otherwise.
		 */
		AUTO,

		/**
		 * Netty's native epoll transport.
		 */
		EPOLL,

		/**
		 * Netty's native io_uring transport, falling back to epoll when it is
		 * unavailable.
		 */
		IO_URING

	}

	/**
	 * Metrics settings.
	 */
	public static class Metrics {

		/**
		 * Whether to register per-listener connection meters when a MeterRegistry is
		 * available.
		 */
		private final boolean enabled;

		/**
		 * Window over which reuseport.listeners.imbalance compares the connections
		 * accepted by each listener. It is measured between gauge reads, so it lasts from
		 * one window to one window plus one scrape interval.
		 */
		private final Duration imbalanceWindow;

		/**
		 * Create a new instance.
		 * @param enabled whether to register per-listener meters
		 * @param imbalanceWindow the window of the imbalance gauge
		 */
		public Metrics(@DefaultValue("true") boolean enabled, @DefaultValue("1m") Duration imbalanceWindow) {
			if (imbalanceWindow.isNegative() || imbalanceWindow.isZero()) {
				throw new InvalidConfigurationPropertyValueException("reuseport.metrics.imbalance-window",
						imbalanceWindow, "It must be positive, such as 1m.");
			}
			this.enabled = enabled;
			this.imbalanceWindow = imbalanceWindow;
		}

		/**
		 * Return whether to register per-listener connection meters.
		 * @return whether the meters are enabled
		 */
		public boolean isEnabled() {
			return this.enabled;
		}

		/**
		 * Return the window of the {@code reuseport.listeners.imbalance} gauge.
		 * @return the imbalance window
		 */
		public Duration getImbalanceWindow() {
			return this.imbalanceWindow;
		}

	}

	/**
	 * Settings of the balancing of open connections across the listeners' event loops. A
	 * listener serves a connection on its own loop while that loop holds no more open
	 * connections than the least-loaded loop plus the margin, and hands it to the
	 * least-loaded loop otherwise. The margin is the larger of margin-connections and
	 * margin-ratio times the mean open connections per loop.
	 */
	public static class Balance {

		/**
		 * Whether a listener hands a connection to a less-loaded event loop when its own
		 * loop holds clearly more open connections, so that long-lived connections, such
		 * as keep-alive pools and HTTP/2, spread evenly over the loops.
		 */
		private final boolean enabled;

		/**
		 * Spread of open connections per event loop, as a fraction of their mean, that is
		 * tolerated before connections are handed to a less-loaded loop.
		 */
		private final double marginRatio;

		/**
		 * Spread of open connections per event loop, in connections, that is tolerated
		 * before connections are handed to a less-loaded loop; at least 1. It keeps short
		 * connections on the loop that accepted them.
		 */
		private final int marginConnections;

		/**
		 * Create a new instance.
		 * @param enabled whether to balance open connections across loops
		 * @param marginRatio the tolerated spread as a fraction of the mean
		 * @param marginConnections the tolerated spread in connections
		 */
		public Balance(@DefaultValue("true") boolean enabled, @DefaultValue("0.15") double marginRatio,
				@DefaultValue("2") int marginConnections) {
			if (!(marginRatio >= 0) || !Double.isFinite(marginRatio)) {
				throw new InvalidConfigurationPropertyValueException("reuseport.balance.margin-ratio", marginRatio,
						"It must be zero or positive, such as 0.15 for 15 % of the mean open connections per loop.");
			}
			if (marginConnections < 1) {
				throw new InvalidConfigurationPropertyValueException("reuseport.balance.margin-connections",
						marginConnections, "It must be at least 1, such as 2. Set reuseport.balance.enabled=false "
								+ "to keep every connection on the loop that accepted it.");
			}
			this.enabled = enabled;
			this.marginRatio = marginRatio;
			this.marginConnections = marginConnections;
		}

		/**
		 * Return whether to balance open connections across the listeners' loops.
		 * @return whether balancing is enabled
		 */
		public boolean isEnabled() {
			return this.enabled;
		}

		/**
		 * Return the tolerated spread of open connections per loop, as a fraction of
		 * their mean.
		 * @return the margin ratio
		 */
		public double getMarginRatio() {
			return this.marginRatio;
		}

		/**
		 * Return the tolerated spread of open connections per loop, in connections.
		 * @return the margin in connections
		 */
		public int getMarginConnections() {
			return this.marginConnections;
		}

	}

	/**
	 * Stall relief: the listener of an event loop that stops running its tasks is taken
	 * out of the port, its queued connections move to the other listeners, and it rejoins
	 * once its loop recovers.
	 */
	public static class StallRelief {

		/**
		 * Whether to watch the listeners' event loops, log the stack of the code that
		 * blocks one, and withdraw its listener from the port while it is blocked. The
		 * withdrawal happens only where the kernel moves the queued connections
		 * ('net.ipv4.tcp_migrate_req=1') and on epoll.
		 */
		private final boolean enabled;

		/**
		 * How long an event loop may go without running its heartbeat before it counts as
		 * stalled, at least 20ms.
		 */
		private final Duration threshold;

		/**
		 * How long a withdrawn listener's event loop must stay healthy before the
		 * listener rejoins the port.
		 */
		private final Duration rejoinAfter;

		/**
		 * Create the stall relief settings.
		 * @param enabled whether to watch the loops and relieve a stalled one
		 * @param threshold the stall threshold
		 * @param rejoinAfter the healthy period before a withdrawn listener rejoins
		 */
		public StallRelief(@DefaultValue("true") boolean enabled, @DefaultValue("200ms") Duration threshold,
				@DefaultValue("1s") Duration rejoinAfter) {
			if (threshold.compareTo(StallReliefSettings.MIN_THRESHOLD) < 0) {
				throw new InvalidConfigurationPropertyValueException("reuseport.stall-relief.threshold", threshold,
						"It must be at least " + StallReliefSettings.MIN_THRESHOLD.toMillis() + "ms, such as "
								+ StallReliefSettings.DEFAULT.threshold().toMillis()
								+ "ms: a loop that is merely busy runs its tasks that late. "
								+ "Set reuseport.stall-relief.enabled=false to turn stall relief off.");
			}
			if (rejoinAfter.isNegative()) {
				throw new InvalidConfigurationPropertyValueException("reuseport.stall-relief.rejoin-after", rejoinAfter,
						"It must be zero or positive, such as 1s.");
			}
			this.enabled = enabled;
			this.threshold = threshold;
			this.rejoinAfter = rejoinAfter;
		}

		/**
		 * Return whether stall relief is enabled.
		 * @return whether it is enabled
		 */
		public boolean isEnabled() {
			return this.enabled;
		}

		/**
		 * Return how long a loop may go without a heartbeat before it counts as stalled.
		 * @return the threshold
		 */
		public Duration getThreshold() {
			return this.threshold;
		}

		/**
		 * Return how long a withdrawn listener's loop must stay healthy before it
		 * rejoins.
		 * @return the healthy period
		 */
		public Duration getRejoinAfter() {
			return this.rejoinAfter;
		}

	}

	/**
	 * Settings of the HTTP calls that request handlers make through Reactor Netty's
	 * {@code HttpClient}, such as the auto-configured {@code WebClient.Builder}'s.
	 */
	public static class ClientAffinity {

		/**
		 * Whether a downstream call made on a listener's event loop opens or reuses a
		 * connection on that same loop, from a connection pool of that loop, so that the
		 * call and its response stay on the loop that serves the request. Calls made on
		 * any other thread use the application's shared pool as before.
		 */
		private final boolean enabled;

		/**
		 * Create a new instance.
		 * @param enabled whether downstream calls stay on the listener's loop
		 */
		public ClientAffinity(@DefaultValue("true") boolean enabled) {
			this.enabled = enabled;
		}

		/**
		 * Return whether downstream calls stay on the listener's loop.
		 * @return whether client affinity is enabled
		 */
		public boolean isEnabled() {
			return this.enabled;
		}

	}

	/**
	 * Settings of the handover of the listening sockets to the process that replaces this
	 * one, over a Unix domain socket.
	 */
	public static class Handover {

		/**
		 * Path of the Unix domain socket on which a running server offers its listening
		 * sockets to the process that replaces it, and on which a starting server asks
		 * the process it replaces for them. Readable and writable by the process's user
		 * only. Both processes use the same path, in a directory that their user owns,
		 * such as '/run/myapp/handover.sock'. Epoll listeners only; when not set, nothing
		 * listens and a new process joins the port instead (see
		 * 'reuseport.join-existing').
		 */
		private final @Nullable Path socket;

		/**
		 * How long a handover may take, from the new process's request until it has
		 * adopted the sockets. After that, the old process keeps its sockets and serves
		 * on, and the new one binds its own.
		 */
		private final Duration timeout;

		/**
		 * Whether the process that handed its sockets over then closes its application
		 * context, draining its connections as on SIGTERM ('server.shutdown'), so that it
		 * exits by itself.
		 */
		private final boolean exit;

		/**
		 * Create the handover settings.
		 * @param socket the path of the handover socket, or {@code null} for none
		 * @param timeout how long a handover may take
		 * @param exit whether the old process exits once it has handed its sockets over
		 */
		public Handover(@Nullable Path socket, @DefaultValue("10s") Duration timeout,
				@DefaultValue("true") boolean exit) {
			if (timeout.isNegative() || timeout.isZero()) {
				throw new InvalidConfigurationPropertyValueException("reuseport.handover.timeout", timeout,
						"It must be positive, such as 10s.");
			}
			if (socket != null && (socket.getFileName() == null
					|| socket.toAbsolutePath().toString().getBytes(StandardCharsets.UTF_8).length > MAX_SOCKET_PATH)) {
				throw new InvalidConfigurationPropertyValueException("reuseport.handover.socket", socket,
						"A Unix domain socket's path is at most " + MAX_SOCKET_PATH
								+ " bytes long. Choose a shorter one, such as /run/<app>/handover.sock.");
			}
			this.socket = socket;
			this.timeout = timeout;
			this.exit = exit;
		}

		/**
		 * Return the path of the handover socket.
		 * @return the path, or {@code null} when the sockets are not handed over
		 */
		public @Nullable Path getSocket() {
			return this.socket;
		}

		/**
		 * Return how long a handover may take.
		 * @return the timeout
		 */
		public Duration getTimeout() {
			return this.timeout;
		}

		/**
		 * Return whether the old process exits once it has handed its sockets over.
		 * @return whether it exits
		 */
		public boolean isExit() {
			return this.exit;
		}

	}

	/**
	 * Settings of HTTP/3: one UDP socket with SO_REUSEPORT per listener loop.
	 */
	public static class Http3 {

		/**
		 * Whether to serve HTTP/3 beside HTTP/1.1 and HTTP/2. Needs TLS from
		 * 'server.ssl.*', epoll listeners and Netty's native QUIC library, which
		 * reactor-netty-http brings. When one is missing the server says why and serves
		 * TCP only, or fails to start when 'reuseport.required' is true.
		 */
		private final boolean enabled;

		/**
		 * UDP port of the HTTP/3 sockets. Defaults to the server's own port.
		 */
		private final @Nullable Integer port;

		/**
		 * How long a QUIC connection may stay idle before it is closed.
		 */
		private final Duration idleTimeout;

		/**
		 * How much a client may send on one connection before the server reads it (QUIC's
		 * initial_max_data).
		 */
		private final DataSize maxData;

		/**
		 * How much may be in flight on a stream that the server opens
		 * (initial_max_stream_data_bidi_local).
		 */
		private final DataSize maxStreamDataBidirectionalLocal;

		/**
		 * How much a client may send on one request before the server reads it
		 * (initial_max_stream_data_bidi_remote).
		 */
		private final DataSize maxStreamDataBidirectionalRemote;

		/**
		 * How many requests a client may have open at once on one connection
		 * (initial_max_streams_bidi).
		 */
		private final long maxStreamsBidirectional;

		/**
		 * Whether HTTP/1.1 and HTTP/2 responses carry 'Alt-Svc: h3=":PORT"', which tells
		 * clients where HTTP/3 is served.
		 */
		private final boolean altSvc;

		/**
		 * How long a client may remember the Alt-Svc header (its 'ma').
		 */
		private final Duration altSvcMaxAge;

		/**
		 * Create the HTTP/3 settings.
		 * @param enabled whether to serve HTTP/3
		 * @param port the UDP port, or {@code null} for the server's own
		 * @param idleTimeout the idle timeout of a connection
		 * @param maxData the flow-control window of a connection
		 * @param maxStreamDataBidirectionalLocal the window of a server stream
		 * @param maxStreamDataBidirectionalRemote the window of a request
		 * @param maxStreamsBidirectional the concurrent requests per connection
		 * @param altSvc whether to send Alt-Svc
		 * @param altSvcMaxAge the lifetime of Alt-Svc
		 */
		public Http3(@DefaultValue("false") boolean enabled, @Nullable Integer port,
				@DefaultValue("30s") Duration idleTimeout, @DefaultValue("10MB") DataSize maxData,
				@DefaultValue("1MB") DataSize maxStreamDataBidirectionalLocal,
				@DefaultValue("1MB") DataSize maxStreamDataBidirectionalRemote,
				@DefaultValue("100") long maxStreamsBidirectional, @DefaultValue("true") boolean altSvc,
				@DefaultValue("24h") Duration altSvcMaxAge) {
			if (port != null && (port < 1 || port > 65535)) {
				throw new InvalidConfigurationPropertyValueException("reuseport.http3.port", port,
						"It must be from 1 to 65535. Remove it to use the server's own port.");
			}
			positive("idle-timeout", idleTimeout, !idleTimeout.isNegative() && !idleTimeout.isZero(), "30s");
			positive("max-data", maxData, maxData.toBytes() > 0, "10MB");
			positive("max-stream-data-bidirectional-local", maxStreamDataBidirectionalLocal,
					maxStreamDataBidirectionalLocal.toBytes() > 0, "1MB");
			positive("max-stream-data-bidirectional-remote", maxStreamDataBidirectionalRemote,
					maxStreamDataBidirectionalRemote.toBytes() > 0, "1MB");
			positive("max-streams-bidirectional", maxStreamsBidirectional, maxStreamsBidirectional > 0, "100");
			positive("alt-svc-max-age", altSvcMaxAge, altSvcMaxAge.getSeconds() > 0, "24h");
			this.enabled = enabled;
			this.port = port;
			this.idleTimeout = idleTimeout;
			this.maxData = maxData;
			this.maxStreamDataBidirectionalLocal = maxStreamDataBidirectionalLocal;
			this.maxStreamDataBidirectionalRemote = maxStreamDataBidirectionalRemote;
			this.maxStreamsBidirectional = maxStreamsBidirectional;
			this.altSvc = altSvc;
			this.altSvcMaxAge = altSvcMaxAge;
		}

		private static void positive(String name, Object value, boolean positive, String example) {
			if (!positive) {
				throw new InvalidConfigurationPropertyValueException("reuseport.http3." + name, value,
						"It must be positive, such as " + example + ".");
			}
		}

		/**
		 * Return whether to serve HTTP/3.
		 * @return whether HTTP/3 is enabled
		 */
		public boolean isEnabled() {
			return this.enabled;
		}

		/**
		 * Return the UDP port.
		 * @return the port, or {@code null} for the server's own
		 */
		public @Nullable Integer getPort() {
			return this.port;
		}

		/**
		 * Return the idle timeout of a connection.
		 * @return the idle timeout
		 */
		public Duration getIdleTimeout() {
			return this.idleTimeout;
		}

		/**
		 * Return the flow-control window of a connection.
		 * @return the window
		 */
		public DataSize getMaxData() {
			return this.maxData;
		}

		/**
		 * Return the flow-control window of a stream that the server opens.
		 * @return the window
		 */
		public DataSize getMaxStreamDataBidirectionalLocal() {
			return this.maxStreamDataBidirectionalLocal;
		}

		/**
		 * Return the flow-control window of a request.
		 * @return the window
		 */
		public DataSize getMaxStreamDataBidirectionalRemote() {
			return this.maxStreamDataBidirectionalRemote;
		}

		/**
		 * Return how many requests a client may have open at once on one connection.
		 * @return the concurrent requests
		 */
		public long getMaxStreamsBidirectional() {
			return this.maxStreamsBidirectional;
		}

		/**
		 * Return whether HTTP/1.1 and HTTP/2 responses carry Alt-Svc.
		 * @return whether Alt-Svc is sent
		 */
		public boolean isAltSvc() {
			return this.altSvc;
		}

		/**
		 * Return how long a client may remember the Alt-Svc header.
		 * @return the lifetime
		 */
		public Duration getAltSvcMaxAge() {
			return this.altSvcMaxAge;
		}

	}

}
