package dev.reuseport.server;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.AttributeKey;
import org.jspecify.annotations.Nullable;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * One SO_REUSEPORT listening socket and the event loop that owns it. The listener accepts
 * on its loop and serves each connection it accepts on the same loop, unless that loop
 * holds clearly more open connections than another loop of the server: then the
 * connection is handed to that loop once, when it is registered, and stays there (see
 * {@link LoopBalancer}). The listener also counts the TCP connections it has accepted,
 * those still open and those it has handed off.
 *
 * @since 0.1.0
 */
public final class ReuseportListener {

	/**
	 * Channel attribute that links each accepted connection to its listener.
	 */
	static final AttributeKey<ReuseportListener> LISTENER = AttributeKey.valueOf(ReuseportListener.class, "listener");

	/**
	 * Prefix of the event loop thread names; the listener index follows it.
	 */
	public static final String THREAD_NAME_PREFIX = "reuseport-listener-";

	private final int index;

	private final ListenerLoop loop;

	private final ListenerConnections connections;

	private final ListenerSocket socket;

	private final ListenerStalls stalls = new ListenerStalls();

	private final ListenerWithdrawal withdrawal;

	private final AcceptFailures acceptFailures;

	// The balancer of the current start, told by the ReuseportGroup that owns it
	private volatile @Nullable LoopBalancer balancer;

	private volatile SocketOrigin origin = SocketOrigin.BOUND;

	// The CPU that the listener's loop is pinned to and its socket declares, or -1
	private volatile int cpu = -1;

	/**
	 * Create a listener.
	 * @param index the listener index
	 * @param acceptFailureLog the server's log of failed accepts
	 */
	ReuseportListener(int index, AcceptFailureLog acceptFailureLog) {
		this.index = index;
		this.loop = new ListenerLoop(threadName());
		this.connections = new ListenerConnections(this.loop);
		this.socket = new ListenerSocket(index, this.loop);
		this.withdrawal = new ListenerWithdrawal(index, this.socket);
		this.acceptFailures = new AcceptFailures(index, acceptFailureLog, this.withdrawal::isWithdrawn);
	}

	/**
	 * Return the index of this listener, from 0 to the listener count minus one.
	 * @return the listener index
	 */
	public int index() {
		return this.index;
	}

	/**
	 * Return the name of the thread that runs this listener's event loop.
	 * @return the thread name
	 */
	public String threadName() {
		return THREAD_NAME_PREFIX + this.index;
	}

	/**
	 * Return the number of TCP connections accepted by this listener that are still open.
	 * @return the open connection count
	 */
	public long activeConnections() {
		return this.connections.active();
	}

	/**
	 * Return the total number of TCP connections this listener has accepted.
	 * @return the accepted connection count
	 */
	public long acceptedConnections() {
		return this.connections.accepted();
	}

	/**
	 * Return the total number of TCP connections this listener has accepted and handed to
	 * the event loop of another listener, because its own loop held clearly more open
	 * connections.
	 * @return the handed-off connection count
	 */
	public long handedOffConnections() {
		return this.connections.handoffs();
	}

	/**
	 * Return the number of open TCP connections served on this listener's event loop,
	 * whichever listener accepted them: the load that balancing evens out.
	 * @return the open connections on this listener's loop
	 */
	public long servedConnections() {
		LoopBalancer balancer = this.balancer;
		return (balancer != null) ? balancer.openConnections(this.index) : 0;
	}

	/**
	 * Return the total number of HTTP requests received on connections this listener
	 * accepted, HTTP/2 streams included.
	 * @return the request count
	 */
	public long requestsReceived() {
		return this.connections.requests();
	}

	/**
	 * Return how many times this listener's {@code accept} failed with an error, such as
	 * running out of file descriptors; after each failure it stops accepting for half a
	 * second while new connections wait in its accept queue.
	 * @param error the error
	 * @return the failed accepts
	 */
	public long acceptErrors(AcceptError error) {
		return this.acceptFailures.count(error);
	}

	/**
	 * Return the listening socket's accept queue, read from the kernel now.
	 * @return the accept queue, or empty when the listener is not bound
	 */
	public Optional<AcceptQueue> acceptQueue() {
		return ListenerSocketInfo.acceptQueue(channel());
	}

	/**
	 * Return the file descriptor of the listening socket.
	 * @return the file descriptor, or -1 when the listener is not bound
	 */
	public int fileDescriptor() {
		return ListenerSocketInfo.fileDescriptor(channel());
	}

	/**
	 * Return the local address of the listening socket.
	 * @return the bound address, or {@code null} when the listener is not bound
	 */
	public @Nullable SocketAddress localAddress() {
		Channel channel = channel();
		return (channel != null) ? channel.localAddress() : null;
	}

	/**
	 * Return the listening channel, or {@code null} when the listener is not bound.
	 * @return the listening channel
	 */
	@Nullable Channel channel() {
		return this.socket.channel();
	}

	/**
	 * Return whether the listening socket is bound and open.
	 * @return whether the listener accepts connections
	 */
	public boolean isOpen() {
		Channel channel = channel();
		return channel != null && channel.isActive();
	}

	/**
	 * Return the event loop that accepts and serves this listener's connections while the
	 * server runs. Not public: the server owns the loop, and the HTTP clients reach it
	 * only from the loop's own thread ({@link CurrentListenerLoop}).
	 * @return the event loop, or {@code null} when the server is not running
	 */
	@Nullable EventLoop eventLoop() {
		return this.loop.eventLoop();
	}

	/**
	 * Return whether this listener is withdrawn from the port because its event loop
	 * stalled: its socket stays open and its connections stay served, but the kernel
	 * gives it no new connections until it rejoins.
	 * @return whether the listener is withdrawn
	 */
	public boolean isWithdrawn() {
		return this.withdrawal.isWithdrawn();
	}

	/**
	 * Return where the listening socket came from: bound by this process, adopted from
	 * the process this one replaced, or inherited from systemd.
	 * @return the origin of the socket
	 */
	public SocketOrigin socketOrigin() {
		return this.origin;
	}

	/**
	 * Return the CPU that this listener's loop is pinned to and that its socket declares
	 * ({@code SO_INCOMING_CPU}), so that the kernel gives it the connections that this
	 * CPU receives, with {@code reuseport.steering=cpu}.
	 * @return the CPU, or empty when connections are steered by hash
	 */
	public OptionalInt cpu() {
		int cpu = this.cpu;
		return (cpu >= 0) ? OptionalInt.of(cpu) : OptionalInt.empty();
	}

	/**
	 * Record the CPU that the listener's loop is pinned to and its socket declares.
	 * @param cpu the CPU, or -1 for none
	 */
	void steeredTo(int cpu) {
		this.cpu = cpu;
	}

	/**
	 * Return whether another process may hold this listener's socket too: the process it
	 * was handed over from or to, during the handover, or systemd. Such a socket is never
	 * withdrawn.
	 * @return whether the socket is shared
	 */
	public boolean isShared() {
		return this.withdrawal.isShared();
	}

	/**
	 * Return how many times the stall watchdog found this listener's event loop blocked
	 * for longer than the threshold, whether or not the stall withdrew the listener:
	 * where stall relief is inactive, stalls are detected and logged all the same.
	 * @return the stall count
	 */
	public long loopStalls() {
		return this.stalls.detected();
	}

	/**
	 * Return how many times a stall of this listener's event loop withdrew it from the
	 * port.
	 * @return the withdrawal count
	 */
	public long stallWithdrawals() {
		return this.stalls.withdrawals();
	}

	/**
	 * Return what the watchdog saw of the last stall of this listener's event loop.
	 * @return the last stall, or empty when the loop has not stalled
	 */
	public Optional<StallReport> lastStall() {
		return Optional.ofNullable(this.stalls.last());
	}

	/**
	 * Return the stalls of this listener's loop, which the server's watchdog updates.
	 * @return the stalls
	 */
	ListenerStalls stalls() {
		return this.stalls;
	}

	/**
	 * Return how the listener is taken out of the port while its loop is stalled.
	 * @return the listener's withdrawal
	 */
	ListenerWithdrawal withdrawal() {
		return this.withdrawal;
	}

	/**
	 * Return the event loop of this listener, which the server starts and shuts down.
	 * @return the listener's loop
	 */
	ListenerLoop loop() {
		return this.loop;
	}

	/**
	 * Return the listening socket, which a shutdown closes.
	 * @return the listener's socket
	 */
	ListenerSocket socket() {
		return this.socket;
	}

	/**
	 * Bind the listening socket on the listener's event loop, once started.
	 * @param httpServer the fully configured server, handler included
	 * @param transport the transport of the loop and the sockets
	 * @param port the port to bind, or {@code null} to keep the server's bind address
	 * @param adopted the listening socket to adopt rather than bind, or {@code null}
	 * @param timeout the bind timeout, or {@code null} for Reactor Netty's default
	 * @param balancer the balancer of the server's loops
	 * @param drains the drain of the connections served on each loop of the server
	 * @return the bound server
	 */
	DisposableServer bind(HttpServer httpServer, ListenerTransport transport, @Nullable Integer port,
			@Nullable AdoptedSocket adopted, @Nullable Duration timeout, LoopBalancer balancer,
			Function<EventLoop, @Nullable ConnectionDrain> drains) {
		EventLoop eventLoop = this.loop.eventLoop();
		if (eventLoop == null) {
			throw new IllegalStateException("The event loop of listener " + this.index + " is not started");
		}
		this.stalls.reset();
		this.withdrawal.reset();
		this.balancer = balancer;
		this.origin = (adopted != null) ? adopted.origin() : SocketOrigin.BOUND;
		this.cpu = -1;
		if (adopted != null) {
			// Shared from the start: the process it came from, or systemd, holds it too
			this.withdrawal.share();
		}
		HttpServer listenerServer = httpServer
			.runOn(transport.loopResources(eventLoop, balancer.childGroup(this.index), adopted))
			// An adopted socket keeps the options it was bound with: SO_REUSEPORT set on
			// it now would let other sockets join a port that its owner did not share
			.option(UnixChannelOption.SO_REUSEPORT, (adopted != null) ? null : Boolean.TRUE)
			.childAttr(LISTENER, this)
			.doOnBound((server) -> server.channel().pipeline().addFirst(this.acceptFailures.handler()))
			.doOnChannelInit((observer, channel, address) -> this.connections.connectionAccepted(channel, drains))
			.childObserve(this.connections::connectionStateChanged);
		return this.socket.bind(listenerServer, port, timeout);
	}

	@Override
	public String toString() {
		return "ReuseportListener[" + this.index + "]";
	}

}
