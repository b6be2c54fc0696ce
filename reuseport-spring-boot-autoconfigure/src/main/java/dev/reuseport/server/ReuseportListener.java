package dev.reuseport.server;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.FastThreadLocalThread;
import org.jspecify.annotations.Nullable;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver.State;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerState;
import reactor.netty.resources.LoopResources;

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

	private final LongAdder accepted = new LongAdder();

	private final LongAdder active = new LongAdder();

	private final LongAdder requests = new LongAdder();

	private final LongAdder handoffs = new LongAdder();

	private volatile @Nullable IoEventLoopGroup loop;

	private volatile @Nullable EventLoop eventLoop;

	private volatile @Nullable LoopBalancer balancer;

	private volatile @Nullable DisposableServer server;

	private volatile @Nullable ConnectionDrain drain;

	private volatile boolean draining;

	ReuseportListener(int index) {
		this.index = index;
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
		return this.active.sum();
	}

	/**
	 * Return the total number of TCP connections this listener has accepted.
	 * @return the accepted connection count
	 */
	public long acceptedConnections() {
		return this.accepted.sum();
	}

	/**
	 * Return the total number of TCP connections this listener has accepted and handed to
	 * the event loop of another listener, because its own loop held clearly more open
	 * connections.
	 * @return the handed-off connection count
	 */
	public long handedOffConnections() {
		return this.handoffs.sum();
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
		return this.requests.sum();
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
		DisposableServer server = this.server;
		return (server != null) ? server.channel() : null;
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
	 * Create the event loop of this listener.
	 * @param transport the transport of the loop and its sockets
	 * @return the event loop
	 */
	EventLoop startLoop(ListenerTransport transport) {
		IoEventLoopGroup loop = transport.newLoop(this::newLoopThread);
		this.loop = loop;
		EventLoop eventLoop = loop.next();
		this.eventLoop = eventLoop;
		this.drain = new ConnectionDrain();
		this.draining = false;
		return eventLoop;
	}

	/**
	 * Bind the listening socket on the event loop created by
	 * {@link #startLoop(ListenerTransport)}.
	 * @param httpServer the fully configured server, handler included
	 * @param transport the transport of the loop and the sockets
	 * @param port the port to bind, or {@code null} to keep the server's bind address
	 * @param timeout the bind timeout, or {@code null} for Reactor Netty's default
	 * @param balancer the balancer of the server's loops
	 * @return the bound server
	 */
	DisposableServer bind(HttpServer httpServer, ListenerTransport transport, @Nullable Integer port,
			@Nullable Duration timeout, LoopBalancer balancer) {
		EventLoop eventLoop = this.eventLoop;
		if (eventLoop == null) {
			throw new IllegalStateException("The event loop of listener " + this.index + " is not started");
		}
		this.balancer = balancer;
		HttpServer listenerServer = httpServer
			.runOn(transport.loopResources(eventLoop, balancer.childGroup(this.index)))
			.option(UnixChannelOption.SO_REUSEPORT, true)
			.childAttr(LISTENER, this)
			.doOnChannelInit((observer, channel, remoteAddress) -> connectionAccepted(channel, balancer))
			.childObserve(this::connectionStateChanged);
		if (port != null) {
			listenerServer = listenerServer.port(port);
		}
		DisposableServer server = (timeout != null) ? listenerServer.bindNow(timeout) : listenerServer.bindNow();
		this.server = server;
		return server;
	}

	private Thread newLoopThread(Runnable task) {
		Thread thread = new FastThreadLocalThread(task, threadName());
		thread.setDaemon(true);
		return thread;
	}

	/**
	 * Called once per accepted TCP connection, on the loop that serves it. HTTP/2 streams
	 * are child channels of the connection and are not seen here. The connection drains
	 * with the others of its loop, where its state is confined.
	 */
	private void connectionAccepted(Channel channel, LoopBalancer balancer) {
		this.accepted.increment();
		this.active.increment();
		ReuseportListener serving = this;
		if (channel.eventLoop() != this.eventLoop) {
			this.handoffs.increment();
			serving = balancer.listener(channel.eventLoop());
		}
		// Created with the serving loop, before any listener binds, and released with it
		ConnectionDrain drain = serving.drain;
		if (drain != null) {
			drain.connectionOpened(channel);
		}
		channel.closeFuture().addListener((future) -> {
			this.active.decrement();
			if (drain != null) {
				drain.connectionClosed(channel);
			}
		});
	}

	/**
	 * Called on this listener's loop for each state change of each connection and HTTP/2
	 * stream; {@code REQUEST_RECEIVED} comes once per request of any protocol.
	 */
	private void connectionStateChanged(Connection connection, State state) {
		if (state == HttpServerState.REQUEST_RECEIVED) {
			this.requests.increment();
		}
	}

	/**
	 * Close the listening socket, then drain the connections served on its loop without
	 * racing their clients (see {@link ConnectionDrain}); from then on no listener hands
	 * a connection to this loop. Closing the socket makes the kernel move the connections
	 * still waiting in its accept queue to another listener of the port when
	 * {@code net.ipv4.tcp_migrate_req=1}, and reset them otherwise. Both steps run in one
	 * task on the listener's event loop, so no connection is accepted after the drain has
	 * started.
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
		ConnectionDrain drain = this.drain;
		if (server == null || drain == null) {
			return CompletableFuture.completedFuture(null);
		}
		LoopBalancer balancer = this.balancer;
		if (balancer != null) {
			balancer.close(this.index);
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

	/**
	 * Shut the event loop down, closing any connections left on it.
	 * @param timeout how long to wait for the loop to terminate
	 */
	void shutdownLoop(Duration timeout) {
		IoEventLoopGroup loop = this.loop;
		if (loop != null) {
			loop.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS)
				.awaitUninterruptibly(timeout.toMillis());
			this.loop = null;
		}
		this.eventLoop = null;
		this.drain = null;
	}

	@Override
	public String toString() {
		return "ReuseportListener[" + this.index + "]";
	}

}
