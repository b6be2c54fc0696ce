package dev.reuseport.server;

import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http3.DefaultHttp3GoAwayFrame;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.http3.Http3ErrorCode;
import io.netty.handler.codec.quic.QuicChannel;
import io.netty.handler.codec.quic.QuicStreamChannel;
import io.netty.handler.codec.quic.QuicStreamType;
import io.netty.util.AttributeKey;
import org.jspecify.annotations.Nullable;

/**
 * One UDP socket of a {@link ReuseportWebServer}'s HTTP/3 listeners, on the event loop of
 * the TCP listener with the same index, and the QUIC connections that it accepted: they
 * are served on that loop, whichever socket their later packets arrive on.
 *
 * @since 0.1.0
 */
public final class Http3Listener {

	/**
	 * The largest ID that a server's {@code GOAWAY} may carry (RFC 9114, section 5.2):
	 * the client may still complete every request it has sent, and open no new one.
	 */
	private static final long LAST_REQUEST_ID = (1L << 62) - 4;

	/**
	 * The listener of a QUIC connection, on the connection.
	 */
	static final AttributeKey<Http3Listener> LISTENER = AttributeKey.valueOf(Http3Listener.class, "listener");

	// RFC 9000, section 20.1
	private static final int CONNECTION_REFUSED = 0x2;

	private static final AttributeKey<OpenRequests> OPEN_REQUESTS = AttributeKey.valueOf(Http3Listener.class,
			"openRequests");

	private final int index;

	private volatile @Nullable Channel socket;

	private volatile @Nullable String inode;

	private final Set<QuicChannel> connections = ConcurrentHashMap.newKeySet();

	private final LongAdder accepted = new LongAdder();

	private final LongAdder rerouted = new LongAdder();

	private final Tracker tracker = new Tracker();

	private volatile boolean draining;

	Http3Listener(int index) {
		this.index = index;
	}

	/**
	 * Take the socket once it is bound.
	 * @param socket the bound socket
	 */
	void bound(Channel socket) {
		this.socket = socket;
		this.inode = UdpDrops.inode(socket);
	}

	/**
	 * Return the index of this listener, which is that of the TCP listener whose loop it
	 * shares.
	 * @return the index
	 */
	public int index() {
		return this.index;
	}

	/**
	 * Return the address that the socket is bound to.
	 * @return the local address, or {@code null} before the socket is bound
	 */
	public @Nullable SocketAddress localAddress() {
		Channel socket = this.socket;
		return (socket != null) ? socket.localAddress() : null;
	}

	/**
	 * Return the QUIC connections open on this listener's loop now.
	 * @return the open connections
	 */
	public int openConnections() {
		return this.connections.size();
	}

	/**
	 * Return the QUIC connections that this socket's codec has accepted since the server
	 * started: those whose first packet arrived on it.
	 * @return the accepted connections
	 */
	public long acceptedConnections() {
		return this.accepted.sum();
	}

	/**
	 * Return the datagrams that arrived on this socket for a connection of another
	 * listener, such as one whose client address changed, and were handed to that
	 * listener's loop.
	 * @return the datagrams handed to another loop
	 */
	public long reroutedDatagrams() {
		return this.rerouted.sum();
	}

	/**
	 * Return the datagrams that the kernel dropped because this socket's receive buffer
	 * was full or they failed their checksum: the {@code drops} column of
	 * {@code /proc/net/udp} for this socket.
	 * @return the drops, or -1 when the kernel's table cannot be read
	 */
	public long receiveDrops() {
		String inode = this.inode;
		return (inode != null) ? UdpDrops.of(inode) : -1;
	}

	@Nullable Channel socket() {
		return this.socket;
	}

	Set<QuicChannel> connections() {
		return this.connections;
	}

	/**
	 * Refuse new connections from now on: their clients try again elsewhere, or over TCP.
	 */
	void startDraining() {
		this.draining = true;
	}

	void rerouted() {
		this.rerouted.increment();
	}

	/**
	 * Return the handler that each QUIC connection of this listener gets first in its
	 * pipeline, to count it and its open requests.
	 * @return the shared handler
	 */
	Tracker tracker() {
		return this.tracker;
	}

	/**
	 * Send {@code GOAWAY} on a connection, so that its client opens no more requests on
	 * it, and close it once it has no open request.
	 * @param connection a connection of this listener, on its loop
	 */
	static void goAway(QuicChannel connection) {
		QuicStreamChannel control = Http3.getLocalControlStream(connection);
		if (control != null) {
			control.writeAndFlush(new DefaultHttp3GoAwayFrame(LAST_REQUEST_ID));
		}
	}

	/**
	 * Close a connection with {@code H3_NO_ERROR}, as a connection is closed when its
	 * server has nothing more to do on it.
	 * @param connection a connection of this listener
	 */
	static void close(QuicChannel connection) {
		connection.close(true, Http3ErrorCode.H3_NO_ERROR.code(), Unpooled.EMPTY_BUFFER);
	}

	/**
	 * Return the requests open on a connection now.
	 * @param connection a connection of this listener
	 * @return the open request streams
	 */
	static int openRequests(QuicChannel connection) {
		OpenRequests requests = connection.attr(OPEN_REQUESTS).get();
		return (requests != null) ? requests.count : 0;
	}

	/**
	 * Counts the connections as their codec creates them and the request streams that
	 * their clients open. Every count changes on the connection's loop.
	 */
	@Sharable
	final class Tracker extends ChannelInboundHandlerAdapter {

		@Override
		public void handlerAdded(ChannelHandlerContext ctx) {
			QuicChannel connection = (QuicChannel) ctx.channel();
			if (Http3Listener.this.draining) {
				// Refused once its handshake is done (channelActive): a close before then
				// sends the client nothing, and it would retry until its handshake times
				// out
				return;
			}
			connection.attr(OPEN_REQUESTS).set(new OpenRequests());
			connection.attr(LISTENER).set(Http3Listener.this);
			Http3Listener.this.accepted.increment();
			Http3Listener.this.connections.add(connection);
			connection.closeFuture().addListener((closed) -> Http3Listener.this.connections.remove(connection));
		}

		@Override
		public void channelActive(ChannelHandlerContext ctx) {
			if (ctx.channel().attr(LISTENER).get() == null) {
				// QUIC's CONNECTION_REFUSED: the client tries again elsewhere, or over
				// TCP
				((QuicChannel) ctx.channel()).close(false, CONNECTION_REFUSED, Unpooled.EMPTY_BUFFER);
				return;
			}
			ctx.fireChannelActive();
		}

		@Override
		public void channelRead(ChannelHandlerContext ctx, Object msg) {
			if (msg instanceof QuicStreamChannel stream && stream.type() == QuicStreamType.BIDIRECTIONAL) {
				OpenRequests requests = ctx.channel().attr(OPEN_REQUESTS).get();
				requests.count++;
				stream.closeFuture().addListener((closed) -> requests.count--);
			}
			ctx.fireChannelRead(msg);
		}

	}

	/**
	 * The request streams open on one connection, read and written on its loop.
	 */
	private static final class OpenRequests {

		private int count;

	}

}
