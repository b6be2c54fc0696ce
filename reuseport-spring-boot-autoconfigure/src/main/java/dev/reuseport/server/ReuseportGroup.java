package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.stream.IntStream;

import io.netty.channel.EventLoop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.web.server.WebServerException;

/**
 * The listeners of one {@link ReuseportWebServer} and, for each start, the
 * {@link LoopBalancer} that spreads their connections across their loops: the one owner
 * of both. It binds the listeners on one port, drains them for a graceful shutdown,
 * releases them on a stop, takes a stalled loop's listener out of the port and back, and
 * reports the spread of open connections.
 * <p>
 * Every listener and the balancer reach each other only through this group: the listeners
 * are told the balancer when they bind, and the balancer reads their accept queues
 * through a function.
 */
final class ReuseportGroup {

	private static final Log logger = LogFactory.getLog(ReuseportGroup.class);

	/**
	 * How long a stop waits for connections and loops when no lifecycle timeout is set.
	 */
	private static final Duration DEFAULT_STOP_TIMEOUT = Duration.ofSeconds(10);

	private final HttpServer httpServer;

	private final ListenerTransport transport;

	private final AcceptFailureLog acceptFailureLog = new AcceptFailureLog();

	// Grows, from the first start on, where more sockets are adopted than configured
	private volatile List<ReuseportListener> listeners;

	private final @Nullable Duration lifecycleTimeout;

	private final ConnectionBalancing balancing;

	private final boolean joinExisting;

	private final ListenerSteering steering;

	private volatile SteeringStatus steeringStatus;

	// The other listeners found on the port when this start joined them
	private volatile PortListeners joined = PortListeners.NONE;

	// The balancer of the current start; read by any thread, written by start and stop
	private volatile @Nullable LoopBalancer balancer;

	/**
	 * Create the group of a server's listeners.
	 * @param httpServer the fully configured server, from which each listener derives its
	 * own
	 * @param transport the transport of every listener and its connections
	 * @param listenerCount the number of listeners
	 * @param joinExisting whether to join listeners already on the port
	 * @param lifecycleTimeout the bind and stop timeout, or {@code null}
	 * @param balancing how open connections are balanced across the listeners' loops
	 * @param steering how the kernel chooses the listener of each connection
	 */
	ReuseportGroup(HttpServer httpServer, ListenerTransport transport, int listenerCount, boolean joinExisting,
			@Nullable Duration lifecycleTimeout, ConnectionBalancing balancing, ListenerSteering steering) {
		this.steering = steering;
		this.steeringStatus = SteeringStatus.asRequested(steering);
		this.joinExisting = joinExisting;
		this.httpServer = httpServer;
		this.transport = transport;
		this.listeners = IntStream.range(0, listenerCount)
			.mapToObj((index) -> new ReuseportListener(index, this.acceptFailureLog))
			.toList();
		this.lifecycleTimeout = lifecycleTimeout;
		this.balancing = balancing;
	}

	/**
	 * Return the listeners, in index order. Fixed for the life of the server, but for a
	 * start that adopts more sockets than the server has listeners: it adds one listener
	 * per extra socket, so that no socket's queue is dropped.
	 * @return the listeners
	 */
	List<ReuseportListener> listeners() {
		return this.listeners;
	}

	/**
	 * Return the listeners that were on the port when the current start joined it.
	 * @return the listeners joined, none when the port was free
	 */
	PortListeners joined() {
		return this.joined;
	}

	/**
	 * Return the steering in force since the last start.
	 * @return the steering
	 */
	SteeringStatus steering() {
		return this.steeringStatus;
	}

	/**
	 * Return the balancer of the current start. Used by tests only.
	 * @return the balancer, or {@code null} before the first start
	 */
	@Nullable LoopBalancer balancer() {
		return this.balancer;
	}

	/**
	 * Start the event loop of every listener, then let the first listeners adopt sockets
	 * that already listen on the port, and bind the others on the same port. Adopted
	 * sockets that have no SO_REUSEPORT take no other listener on their port: the group
	 * then has one listener per adopted socket. On failure, the listeners bound so far
	 * stay bound until {@link #release(Duration)}, and the sockets not adopted yet stay
	 * the caller's.
	 * @param adopted the sockets to adopt, in listener order
	 * @param kernel the kernel settings, read once for the start
	 * @return the port every listener is bound to
	 * @throws ReuseportPortInUseException if sockets already listen on the port, unless
	 * the group joins them
	 * @throws ReuseportBindException if another process holds the address without
	 * SO_REUSEPORT
	 * @throws WebServerException if a listener cannot bind for another reason
	 */
	int bind(List<AdoptedSocket> adopted, KernelSettings kernel) {
		InetSocketAddress configured = configuredAddress();
		PortSharing sharing = new PortSharing(configured, this.joinExisting);
		this.joined = sharing.beforeBind(adopted.stream().map(AdoptedSocket::inode).toList());
		resize(adopted);
		// Every loop exists before the first listener accepts, so that it can hand a
		// connection to any of them
		List<EventLoop> loops = this.listeners.stream()
			.map((listener) -> listener.loop().start(this.transport))
			.toList();
		LoopBalancer balancer = new LoopBalancer(loops, this::queuedConnections, this.balancing);
		this.balancer = balancer;
		for (int index = 0; index < adopted.size(); index++) {
			bind(this.listeners.get(index), adopted.get(index).address().getPort(), adopted.get(index), balancer);
		}
		// Listener 0 binds the configured port, which may be 0, unless it adopted one;
		// the others join the port it actually got
		int port = adopted.isEmpty() ? bind(this.listeners.get(0), null, null, balancer).port()
				: adopted.get(0).address().getPort();
		for (ReuseportListener listener : this.listeners.subList(Math.max(1, adopted.size()), this.listeners.size())) {
			bind(listener, port, null, balancer);
		}
		if (this.listeners.size() > 1 && configured != null && configured.getPort() == 0 && adopted.isEmpty()) {
			// The kernel gave listener 0 its port, and takes such a port back when the
			// socket is shut down: a stall withdrawal would then rejoin on another port.
			// Bound again on the port by number, while the others hold it, it keeps it.
			ReuseportListener first = this.listeners.get(0);
			first.socket().closeUnused();
			bind(first, port, null, balancer);
		}
		sharing.afterBind(this.listeners.size());
		this.steeringStatus = (this.steering == ListenerSteering.CPU) ? CpuSteering.steer(this.listeners, kernel)
				: SteeringStatus.asRequested(this.steering);
		return port;
	}

	/**
	 * Return the address and port that the server is configured with.
	 * @return the address, or {@code null} when it is no IP socket address
	 */
	@Nullable InetSocketAddress configuredAddress() {
		return (this.httpServer.configuration().bindAddress().get() instanceof InetSocketAddress address) ? address
				: null;
	}

	/**
	 * Size the group for the sockets it adopts (see {@link AdoptedSocket#listeners}).
	 */
	private void resize(List<AdoptedSocket> adopted) {
		List<ReuseportListener> current = this.listeners;
		this.listeners = IntStream.range(0, AdoptedSocket.listeners(adopted, current.size()))
			.mapToObj((index) -> (index < current.size()) ? current.get(index)
					: new ReuseportListener(index, this.acceptFailureLog))
			.toList();
	}

	private DisposableServer bind(ReuseportListener listener, @Nullable Integer port, @Nullable AdoptedSocket adopted,
			LoopBalancer balancer) {
		try {
			return listener.bind(this.httpServer, this.transport, port, adopted, this.lifecycleTimeout, balancer,
					(loop) -> drainOf(balancer, loop));
		}
		catch (Exception ex) {
			ReuseportBindException.throwIfAddressInUse(ex, listener.index(), port);
			throw new WebServerException("Unable to start Netty listener " + listener.index(), ex);
		}
	}

	private int queuedConnections(int listener) {
		return this.listeners.get(listener).acceptQueue().map(AcceptQueue::length).orElse(0);
	}

	private @Nullable ConnectionDrain drainOf(LoopBalancer balancer, EventLoop loop) {
		int index = balancer.indexOf(loop);
		return (index >= 0) ? this.listeners.get(index).loop().drain() : null;
	}

	/**
	 * Close every listening socket, then drain the connections served on each loop (see
	 * {@link ListenerSocket#drain(Duration)}); from then on no listener hands a
	 * connection to a draining loop.
	 * @param idleGrace how long an idle keep-alive connection stays open for a request
	 * that its client may be sending
	 * @return a future that completes once every connection is closed
	 */
	CompletableFuture<Void> drain(Duration idleGrace) {
		closeBalancer();
		return CompletableFuture.allOf(this.listeners.stream()
			.map((listener) -> listener.socket().drain(idleGrace))
			.toArray(CompletableFuture[]::new));
	}

	/**
	 * Release the listeners as a stop does, waiting up to the lifecycle timeout.
	 */
	void release() {
		release((this.lifecycleTimeout != null) ? this.lifecycleTimeout : DEFAULT_STOP_TIMEOUT);
	}

	/**
	 * Close every listener and its connections, then shut down the event loops. The
	 * listeners are disposed in parallel, as an immediate stop does: every listening
	 * socket and idle connection closes at the same moment, then each listener waits for
	 * its requests in flight, so that the last one does not wait for the timeouts of all
	 * the others. Listeners that a graceful shutdown has closed are left to it.
	 * @param timeout how long each listener waits for its requests, then how long the
	 * loops have, all together, to close what is left on them and terminate
	 */
	void release(Duration timeout) {
		closeBalancer();
		this.listeners.stream()
			.map((listener) -> CompletableFuture.runAsync(() -> dispose(listener, timeout),
					ReuseportGroup::startDisposeThread))
			.toList()
			.forEach(CompletableFuture::join);
		ListenerLoop.shutdownAll(this.listeners.stream().map(ReuseportListener::loop).toList(), timeout);
	}

	private void closeBalancer() {
		LoopBalancer balancer = this.balancer;
		if (balancer != null) {
			this.listeners.forEach((listener) -> balancer.close(listener.index()));
		}
	}

	private static void startDisposeThread(Runnable task) {
		Thread thread = new Thread(task, "reuseport-dispose");
		thread.setDaemon(true);
		thread.start();
	}

	private static void dispose(ReuseportListener listener, Duration timeout) {
		try {
			listener.socket().dispose(timeout);
		}
		catch (RuntimeException ex) {
			// A drain timeout or an interrupt: the loop's shutdown closes what is left
			logger.debug("Listener " + listener.index() + " did not drain", ex);
		}
	}

	/**
	 * Hand no connections to a loop that the stall watchdog finds stalled, or hand them
	 * again once it runs.
	 * @param listener the index of the loop's listener
	 * @param stalled whether the loop is stalled
	 */
	void loopStalled(int listener, boolean stalled) {
		LoopBalancer balancer = this.balancer;
		if (balancer != null) {
			if (stalled) {
				balancer.stalled(listener);
			}
			else {
				balancer.recovered(listener);
			}
		}
	}

	/**
	 * Take a listener out of the port's group (see {@link ListenerWithdrawal}). The
	 * balancer first: once the socket is shut down, the other listeners accept more, and
	 * none of them may hand a connection to the stalled loop meanwhile.
	 * @param listener the listener index
	 * @return whether it was withdrawn
	 */
	boolean withdraw(int listener) {
		if (this.listeners.get(listener).isWithdrawn()) {
			// Already out: the balancer keeps its mark until the rejoin
			return false;
		}
		LoopBalancer balancer = this.balancer;
		if (balancer != null) {
			balancer.withdraw(listener);
		}
		boolean withdrawn = this.listeners.get(listener).withdrawal().withdraw();
		if (!withdrawn && balancer != null) {
			balancer.rejoin(listener);
		}
		return withdrawn;
	}

	/**
	 * Put a withdrawn listener back into the port's group, on its own loop, then let the
	 * balancer hand its loop connections again.
	 * @param listener the listener index
	 * @param running whether the server still runs; read on the loop
	 */
	void rejoin(int listener, BooleanSupplier running) {
		LoopBalancer balancer = this.balancer;
		this.listeners.get(listener).withdrawal().rejoin(running, () -> {
			if (balancer != null) {
				balancer.rejoin(listener);
			}
		});
	}

	/**
	 * Return the spread of the open connections across the listeners' loops now (see
	 * {@link #spread(long[])}).
	 * @return the spread
	 */
	double activeConnectionImbalance() {
		return spread(this.listeners.stream().mapToLong(ReuseportListener::servedConnections).toArray());
	}

	/**
	 * Return the spread of counts beyond what whole connections force, as
	 * {@code (max - min - 1) / mean} and at least 0: 0 when the counts differ by one at
	 * most, as they must when the total is not a multiple of their number (one open
	 * connection, such as a metrics scrape's, on an otherwise idle server), and 1 when
	 * the spread exceeds that by the mean.
	 * @param counts the counts
	 * @return the spread
	 */
	static double spread(long[] counts) {
		long max = Long.MIN_VALUE;
		long min = Long.MAX_VALUE;
		long total = 0;
		for (long count : counts) {
			max = Math.max(max, count);
			min = Math.min(min, count);
			total += count;
		}
		if (total <= 0 || max - min <= 1) {
			return 0;
		}
		return (max - min - 1) / ((double) total / counts.length);
	}

}
