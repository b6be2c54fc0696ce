package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.function.LongConsumer;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.web.server.GracefulShutdownCallback;
import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.WebServerException;
import org.springframework.util.Assert;

/**
 * {@link WebServer} that binds one SO_REUSEPORT listener per event loop, all on the same
 * address and port. The kernel spreads new connections across the listeners; each
 * connection is accepted on the loop that owns its listener and served there, as long as
 * that loop holds no clearly more open connections than the others (see
 * {@link ConnectionBalancing}).
 * <p>
 * The server owns its event loops: they are created by {@link #start()} and shut down by
 * {@link #stop()}.
 *
 * @since 0.1.0
 */
public class ReuseportWebServer implements WebServer {

	/**
	 * How long a graceful shutdown keeps an idle keep-alive connection open for a request
	 * that its client may be sending at that moment; Envoy drains HTTP/1.1 connections
	 * for as long. A shorter {@code server.netty.idle-timeout} still closes idle
	 * connections sooner, as it always does.
	 */
	static final Duration IDLE_GRACE = Duration.ofSeconds(5);

	private final HttpServer httpServer;

	private final ListenerTransport transport;

	private final ReuseportGroup group;

	private final @Nullable GracefulShutdown gracefulShutdown;

	private final ListenerHandover handover;

	private final Http3Server http3;

	private final ConnectionBalancing balancing;

	private final StallReliefSettings stallRelief;

	private volatile StallReliefStatus stallReliefStatus;

	private volatile @Nullable StallWatchdog watchdog;

	private volatile @Nullable StartupLog startupLog;

	private final Object monitor = new Object();

	private volatile boolean started;

	private volatile int port = -1;

	private volatile @Nullable ServerAwaitThread awaitThread;

	/**
	 * Create a new server. {@link ReuseportNettyReactiveWebServerFactory} creates it with
	 * the settings it was given; create one directly only to run a server without Spring
	 * Boot's application context.
	 * @param httpServer the fully configured server, request handling included; each
	 * listener derives its own server from it
	 * @param transport the transport of every listener and its connections
	 * @param listenerCount the number of listeners to bind
	 * @param joinExisting whether to join SO_REUSEPORT listeners already on the port;
	 * otherwise a port in use fails the start with a {@link PortInUseException}
	 * @param lifecycleTimeout the start and stop timeout, or {@code null}
	 * @param shutdown the shutdown mode
	 * @param balancing how open connections are balanced across the listeners' loops
	 * @param stallRelief how the listeners of stalled event loops are relieved
	 */
	public ReuseportWebServer(HttpServer httpServer, ListenerTransport transport, int listenerCount,
			boolean joinExisting, @Nullable Duration lifecycleTimeout, Shutdown shutdown, ConnectionBalancing balancing,
			StallReliefSettings stallRelief) {
		this(httpServer, transport, listenerCount, joinExisting, lifecycleTimeout, shutdown, balancing, stallRelief,
				null);
	}

	/**
	 * Create a new server that hands its listening sockets over to the process that
	 * replaces it, and asks for those of the process that it replaces, over a handover
	 * socket. {@link ReuseportNettyReactiveWebServerFactory} creates it with the settings
	 * it was given; create one directly only to run a server without Spring Boot's
	 * application context.
	 * @param httpServer the fully configured server, request handling included; each
	 * listener derives its own server from it
	 * @param transport the transport of every listener and its connections
	 * @param listenerCount the number of listeners to bind
	 * @param joinExisting whether to join SO_REUSEPORT listeners already on the port;
	 * otherwise a port in use fails the start with a {@link PortInUseException}
	 * @param lifecycleTimeout the start and stop timeout, or {@code null}
	 * @param shutdown the shutdown mode
	 * @param balancing how open connections are balanced across the listeners' loops
	 * @param stallRelief how the listeners of stalled event loops are relieved
	 * @param handover the handover socket, or {@code null} for none
	 * @since 0.1.0
	 */
	public ReuseportWebServer(HttpServer httpServer, ListenerTransport transport, int listenerCount,
			boolean joinExisting, @Nullable Duration lifecycleTimeout, Shutdown shutdown, ConnectionBalancing balancing,
			StallReliefSettings stallRelief, @Nullable HandoverSettings handover) {
		this(httpServer, transport, listenerCount, joinExisting, lifecycleTimeout, shutdown, balancing, stallRelief,
				handover, ListenerSteering.HASH);
	}

	/**
	 * Create a new server that steers connections to its listeners as asked, and hands
	 * its listening sockets over as
	 * {@link #ReuseportWebServer(HttpServer, ListenerTransport, int, boolean, Duration, Shutdown, ConnectionBalancing, StallReliefSettings, HandoverSettings)}
	 * does.
	 * @param httpServer the fully configured server, request handling included; each
	 * listener derives its own server from it
	 * @param transport the transport of every listener and its connections
	 * @param listenerCount the number of listeners to bind
	 * @param joinExisting whether to join SO_REUSEPORT listeners already on the port;
	 * otherwise a port in use fails the start with a {@link PortInUseException}
	 * @param lifecycleTimeout the start and stop timeout, or {@code null}
	 * @param shutdown the shutdown mode
	 * @param balancing how open connections are balanced across the listeners' loops
	 * @param stallRelief how the listeners of stalled event loops are relieved
	 * @param handover the handover socket, or {@code null} for none
	 * @param steering how the kernel chooses the listener of each connection
	 * @since 0.1.0
	 */
	public ReuseportWebServer(HttpServer httpServer, ListenerTransport transport, int listenerCount,
			boolean joinExisting, @Nullable Duration lifecycleTimeout, Shutdown shutdown, ConnectionBalancing balancing,
			StallReliefSettings stallRelief, @Nullable HandoverSettings handover, ListenerSteering steering) {
		this(httpServer, transport, listenerCount, joinExisting, lifecycleTimeout, shutdown, balancing, stallRelief,
				handover, steering, Http3Server.DISABLED);
	}

	/**
	 * Create a new server that also serves HTTP/3, as
	 * {@link ReuseportNettyReactiveWebServerFactory} does when it is asked to.
	 */
	ReuseportWebServer(HttpServer httpServer, ListenerTransport transport, int listenerCount, boolean joinExisting,
			@Nullable Duration lifecycleTimeout, Shutdown shutdown, ConnectionBalancing balancing,
			StallReliefSettings stallRelief, @Nullable HandoverSettings handover, ListenerSteering steering,
			Http3Server http3) {
		Assert.notNull(httpServer, "'httpServer' must not be null");
		Assert.notNull(transport, "'transport' must not be null");
		Assert.isTrue(listenerCount > 0, "'listenerCount' must be positive");
		Assert.notNull(shutdown, "'shutdown' must not be null");
		Assert.notNull(balancing, "'balancing' must not be null");
		Assert.notNull(stallRelief, "'stallRelief' must not be null");
		Assert.notNull(steering, "'steering' must not be null");
		this.httpServer = httpServer;
		this.transport = transport;
		this.balancing = balancing;
		this.stallRelief = stallRelief;
		this.stallReliefStatus = stallRelief.enabled() ? StallReliefStatus.NOT_STARTED : StallReliefStatus.DISABLED;
		this.group = new ReuseportGroup(httpServer, transport, listenerCount, joinExisting, lifecycleTimeout, balancing,
				steering);
		this.gracefulShutdown = (shutdown == Shutdown.GRACEFUL) ? new GracefulShutdown(this.group, IDLE_GRACE) : null;
		this.handover = new ListenerHandover(handover, transport, this.group, IDLE_GRACE);
		this.http3 = http3;
	}

	/**
	 * Return the transport of every listener and its connections.
	 * @return the transport
	 */
	public ListenerTransport getTransport() {
		return this.transport;
	}

	/**
	 * Return the listeners, in index order. The list is fixed for the life of the server;
	 * each listener is bound only while the server runs.
	 * @return the listeners
	 */
	public List<ReuseportListener> getListeners() {
		return this.group.listeners();
	}

	/**
	 * Return how open connections are balanced across the listeners' loops.
	 * @return the balancing settings
	 */
	public ConnectionBalancing getBalancing() {
		return this.balancing;
	}

	/**
	 * Return how the listeners of stalled event loops are relieved.
	 * @return the stall relief settings
	 */
	public StallReliefSettings getStallRelief() {
		return this.stallRelief;
	}

	/**
	 * Return whether the listeners of stalled event loops are withdrawn, and why not when
	 * they are not. Decided on each start, from the transport and the kernel settings of
	 * the server's network namespace.
	 * @return the stall relief status
	 */
	public StallReliefStatus getStallReliefStatus() {
		return this.stallReliefStatus;
	}

	/**
	 * Return the spread of the open connections across the listeners' loops now, as
	 * {@code (max - min - 1) / mean} of {@link ReuseportListener#servedConnections()},
	 * and at least 0: the spread beyond the one connection by which whole connections
	 * must differ when their total is not a multiple of the loops. 0 when balanced or
	 * idle, and when a single connection is open, such as a metrics scrape's.
	 * @return the spread
	 */
	public double getActiveConnectionImbalance() {
		return this.group.activeConnectionImbalance();
	}

	/**
	 * Return how the kernel chooses the listener of each new connection: the steering
	 * asked for, the one in force since the last start, and why they differ.
	 * @return the steering
	 */
	public SteeringStatus getSteering() {
		return this.group.steering();
	}

	/**
	 * Return how this server hands its listening sockets over to the process that
	 * replaces it.
	 * @return the handover settings, or {@code null} when it does not
	 */
	public @Nullable HandoverSettings getHandoverSettings() {
		return this.handover.settings();
	}

	/**
	 * Return how many times this server handed its listening sockets over to a process
	 * that replaced it.
	 * @return the handovers given
	 */
	public long getHandoversGiven() {
		return this.handover.given();
	}

	/**
	 * Return how many times this server started on the listening sockets of a process
	 * that it replaced.
	 * @return the handovers received
	 */
	public long getHandoversReceived() {
		return this.handover.received();
	}

	/**
	 * Return whether this server offers its listening sockets on its handover socket now,
	 * to the process that will replace it.
	 * @return whether the listeners can be handed over
	 */
	public boolean isOfferingHandover() {
		return this.handover.isOffering();
	}

	/**
	 * Run an action each time this server has handed its listening sockets over to
	 * another process: it accepts no more connections, and drains those it has, as a
	 * graceful shutdown does. The auto-configuration closes the application context then,
	 * so that the process exits, unless {@code reuseport.handover.exit} is false.
	 * @param action told the id of the process that adopted the sockets
	 */
	public void whenHandedOver(LongConsumer action) {
		Assert.notNull(action, "'action' must not be null");
		this.handover.whenHandedOver(action);
	}

	/**
	 * Return whether this server serves HTTP/3, on which UDP port and with which
	 * listeners, one UDP socket per listener loop, or why not.
	 * @return the HTTP/3 status now
	 */
	public Http3Status getHttp3() {
		return this.http3.status();
	}

	@Override
	public void start() throws WebServerException {
		synchronized (this.monitor) {
			if (this.started) {
				return;
			}
			KernelSettings kernel = KernelSettings.read();
			try {
				this.port = this.group.bind(this.handover.socketsToAdopt(this.group.configuredAddress()), kernel);
				this.http3.start(this.group.listeners(), boundAddress(), this.handover.adopts());
			}
			catch (RuntimeException ex) {
				// Wait until the listeners bound so far are closed, so that the port is
				// free, and no listener accepts, by the time the failure is reported; a
				// failed HTTP/3 start has closed its own sockets
				this.group.release();
				this.handover.failed(ex);
				throw ex;
			}
			this.started = true;
			this.stallReliefStatus = StallReliefStatus.of(this.stallRelief, this.transport, kernel);
			this.watchdog = StallWatchdog.startIfEnabled(this.group, this.stallRelief, this.stallReliefStatus);
			String scheme = (this.httpServer.configuration().sslProvider() != null) ? "https" : "http";
			StartupLog startupLog = new StartupLog(boundAddress(), this.group.listeners().size(), kernel);
			startupLog.joined(this.group.joined());
			startupLog.started(scheme, this.transport, this.stallReliefStatus, this.group.steering(),
					this.handover.passesSockets());
			this.startupLog = startupLog;
			this.handover.started(boundAddress());
			this.awaitThread = ServerAwaitThread.start(getClass().getClassLoader());
		}
	}

	private InetSocketAddress boundAddress() {
		// Every listener is bound to the same address and port
		return (this.group.listeners().get(0).localAddress() instanceof InetSocketAddress address) ? address
				: new InetSocketAddress(this.port);
	}

	/**
	 * Shut down without failing a request of a well-behaved client, on every listener at
	 * once (see {@link GracefulShutdown}).
	 */
	@Override
	public void shutDownGracefully(GracefulShutdownCallback callback) {
		// A withdrawn listener never rejoins once the shutdown has begun, and the
		// listeners, which close now, are offered to no other process
		stopWatchdog();
		this.handover.stop();
		GracefulShutdown gracefulShutdown = this.gracefulShutdown;
		if (gracefulShutdown == null || !this.started) {
			callback.shutdownComplete(GracefulShutdownResult.IMMEDIATE);
			return;
		}
		StartupLog startupLog = this.startupLog;
		if (startupLog != null) {
			startupLog.handingOver();
		}
		gracefulShutdown.shutDownGracefully(callback, this.http3.drain(IDLE_GRACE));
	}

	@Override
	public void stop() throws WebServerException {
		synchronized (this.monitor) {
			if (!this.started) {
				return;
			}
			stopWatchdog();
			this.handover.stop();
			// A graceful shutdown still waiting is cut short: its connections close
			// with the loops below.
			if (this.gracefulShutdown != null) {
				this.gracefulShutdown.abort();
			}
			this.http3.stop();
			this.group.release();
			this.started = false;
			this.port = -1;
			ServerAwaitThread awaitThread = this.awaitThread;
			if (awaitThread != null) {
				awaitThread.stop();
			}
		}
	}

	/**
	 * Return the listeners and the balancer of their loops. Used by tests only.
	 * @return the group of the listeners
	 */
	ReuseportGroup group() {
		return this.group;
	}

	/**
	 * Return the watchdog of the listeners' loops while the server runs with stall relief
	 * enabled.
	 * @return the watchdog, or {@code null}
	 */
	@Nullable StallWatchdog stallWatchdog() {
		return this.watchdog;
	}

	private void stopWatchdog() {
		StallWatchdog watchdog = this.watchdog;
		if (watchdog != null) {
			watchdog.stop();
			this.watchdog = null;
		}
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
