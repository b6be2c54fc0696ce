package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.handler.codec.quic.QuicCodecDispatcher;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.util.concurrent.FastThreadLocal;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.ReuseportHttp3Codecs;

/**
 * HTTP/3 on one SO_REUSEPORT UDP socket per listener loop. Every socket shares one
 * {@link QuicCodecDispatcher}, which puts the socket's index in every connection ID that
 * its codec issues, so that a packet that arrives on another socket (a client whose
 * address changed, or a reuseport group that changed) is handed to the loop that owns its
 * connection; such packets are counted. Each connection is served by Reactor Netty's
 * HTTP/3 pipeline on that loop.
 */
final class Http3Listeners {

	/**
	 * The length of the connection IDs: QUIC's longest, for the most random bits besides
	 * the socket's index.
	 */
	static final int CONNECTION_ID_LENGTH = 20;

	private static final Duration DRAIN_CHECK = Duration.ofMillis(50);

	private final List<Http3Listener> listeners;

	private Http3Listeners(List<Http3Listener> listeners) {
		this.listeners = List.copyOf(listeners);
	}

	/**
	 * Bind one UDP socket per loop, in the loops' order, so that socket {@code i} is
	 * served by loop {@code i}.
	 * @param server the HTTP/3 server whose codec and handler serve the connections
	 * @param loops the epoll loops, one socket each
	 * @param address the address and port
	 * @return the bound sockets
	 * @throws InterruptedException when interrupted while binding
	 */
	static Http3Listeners bind(HttpServer server, List<EventLoop> loops, InetSocketAddress address)
			throws InterruptedException {
		List<Http3Listener> listeners = IntStream.range(0, loops.size()).mapToObj(Http3Listener::new).toList();
		Dispatcher dispatcher = new Dispatcher(new ReuseportHttp3Codecs(server, connectionObserver(server)), listeners);
		List<Channel> sockets = new ArrayList<>();
		try {
			for (EventLoop loop : loops) {
				Channel socket = new Bootstrap().group(loop)
					.channel(EpollDatagramChannel.class)
					.option(EpollChannelOption.SO_REUSEPORT, true)
					.handler(dispatcher)
					.bind(address)
					.sync()
					.channel();
				listeners.get(sockets.size()).bound(socket);
				sockets.add(socket);
			}
		}
		catch (RuntimeException | InterruptedException ex) {
			sockets.forEach((socket) -> socket.close().syncUninterruptibly());
			throw ex;
		}
		return new Http3Listeners(listeners);
	}

	/**
	 * What Reactor Netty's own bind observes on each connection: an uncaught error or a
	 * connection that is done disposes of it, then the server's own observer.
	 */
	private static ConnectionObserver connectionObserver(HttpServer server) {
		ConnectionObserver observer = server.configuration().childObserver();
		return new ConnectionObserver() {

			@Override
			public void onUncaughtException(Connection connection, Throwable error) {
				connection.dispose();
			}

			@Override
			public void onStateChange(Connection connection, State newState) {
				if (newState == State.DISCONNECTING && connection.channel().isActive() && !connection.isPersistent()) {
					connection.dispose();
				}
				observer.onStateChange(connection, newState);
			}

		};
	}

	List<Http3Listener> listeners() {
		return this.listeners;
	}

	/**
	 * Send {@code GOAWAY} on every connection, close each one once it has had no open
	 * request for the grace period, then close the sockets.
	 * @param idleGrace how long a connection without requests stays open for a request
	 * that its client may be sending
	 * @return a future that completes once every connection and socket is closed
	 */
	CompletableFuture<Void> drain(Duration idleGrace) {
		return CompletableFuture.allOf(this.listeners.stream()
			.map((listener) -> new Http3Drain(listener, idleGrace).start(DRAIN_CHECK))
			.toArray(CompletableFuture[]::new));
	}

	/**
	 * Close every socket and connection now.
	 */
	void close() {
		this.listeners.forEach((listener) -> {
			listener.connections().forEach(Http3Listener::close);
			Channel socket = listener.socket();
			if (socket != null) {
				socket.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
			}
		});
	}

	/**
	 * The dispatcher that every socket shares. The socket whose pipeline it is added to
	 * receives the next index, so binding the sockets one at a time in the loops' order
	 * gives socket {@code i} index {@code i}.
	 */
	static final class Dispatcher extends QuicCodecDispatcher {

		// The index of the socket on the loop that runs this thread
		private final FastThreadLocal<Integer> receiving = new FastThreadLocal<>();

		private final ReuseportHttp3Codecs codecs;

		private final List<Http3Listener> listeners;

		Dispatcher(ReuseportHttp3Codecs codecs, List<Http3Listener> listeners) {
			super(CONNECTION_ID_LENGTH);
			this.codecs = codecs;
			this.listeners = listeners;
		}

		@Override
		protected QuicConnectionIdGenerator newIdGenerator(int index) {
			// Called as the socket is registered, on its loop
			this.receiving.set(index);
			return super.newIdGenerator(index);
		}

		@Override
		protected int decodeIndex(ByteBuf connectionId) {
			int index = super.decodeIndex(connectionId);
			Integer receiving = this.receiving.get();
			if (index >= 0 && index < this.listeners.size() && receiving != null && index != receiving) {
				this.listeners.get(receiving).rerouted();
			}
			return index;
		}

		@Override
		protected void initChannel(Channel channel, int connectionIdLength, QuicConnectionIdGenerator connectionIds) {
			Http3Listener listener = this.listeners.get(this.receiving.get());
			channel.pipeline()
				.addLast(this.codecs.newCodec(connectionIdLength, connectionIds, channel, listener.tracker()));
		}

	}

}
