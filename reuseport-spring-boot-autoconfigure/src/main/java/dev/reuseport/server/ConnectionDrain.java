package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2ConnectionHandler;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;

/**
 * Drains the connections served on one listener's event loop during a graceful shutdown,
 * once its listening socket is closed; a connection that another listener accepted and
 * handed to this loop drains here too. Reactor Netty's own drain closes idle keep-alive
 * connections at once, which loses a request that a client sends at that moment; this one
 * ends every connection in the way its protocol allows without such a race:
 * <ul>
 * <li>HTTP/1.1: a {@link KeepAliveDrainHandler}, added now, answers with
 * {@code Connection: close} and closes an idle connection only after a grace period.</li>
 * <li>HTTP/2: the connection is closed, which makes Netty send {@code GOAWAY} and close
 * once its active streams complete; the client retries newer streams elsewhere.</li>
 * <li>A connection that does not speak HTTP yet (TLS handshake, HTTP/2 preface): closed
 * after the grace period, unless it started serving a request meanwhile; one that has
 * become HTTP/1.1 meanwhile drains as above from then on.</li>
 * </ul>
 * {@link #drained()} completes when the last connection has closed. Everything but that
 * future is confined to the event loop, on which {@link ListenerConnections} reports each
 * connection's opening and closing. Nothing touches a connection's pipeline before the
 * drain starts, so that serving a request costs nothing more.
 */
final class ConnectionDrain {

	private final Set<Channel> connections = new HashSet<>();

	private final CompletableFuture<Void> drained = new CompletableFuture<>();

	private boolean started;

	private Duration idleGrace = Duration.ZERO;

	/**
	 * Return a future that completes once draining has started and every connection is
	 * closed.
	 * @return the future
	 */
	CompletableFuture<Void> drained() {
		return this.drained;
	}

	/**
	 * Start draining every connection, unless already started. Must run on the listener's
	 * event loop, once its listening socket is closed, so that no connection arrives
	 * afterwards.
	 * @param idleGrace how long an idle connection stays open for a request that its
	 * client may be sending
	 */
	void start(Duration idleGrace) {
		if (this.started) {
			return;
		}
		this.started = true;
		this.idleGrace = idleGrace;
		new ArrayList<>(this.connections).forEach((channel) -> drain(channel, idleGrace));
		completeIfDrained();
	}

	/**
	 * Track a connection served on the loop. One that arrives once the drain has started,
	 * handed off by a listener that was still open, drains at once.
	 * @param channel the connection
	 */
	void connectionOpened(Channel channel) {
		this.connections.add(channel);
		if (this.started) {
			drain(channel, this.idleGrace);
		}
	}

	/**
	 * Stop tracking a connection that has closed.
	 * @param channel the connection
	 */
	void connectionClosed(Channel channel) {
		this.connections.remove(channel);
		completeIfDrained();
	}

	/**
	 * Close every connection still open on the loop, whether or not a drain has started.
	 * Must run on the listener's event loop.
	 */
	void closeAll() {
		new ArrayList<>(this.connections).forEach(Channel::close);
	}

	private void drain(Channel channel, Duration idleGrace) {
		ChannelPipeline pipeline = channel.pipeline();
		if (pipeline.get(NettyPipeline.H2MultiplexHandler) != null) {
			closeHttp2(channel);
		}
		else if (pipeline.get(NettyPipeline.HttpTrafficHandler) != null) {
			KeepAliveDrainHandler.drain(channel, idleGrace);
		}
		else {
			channel.eventLoop()
				.schedule(() -> drainAfterGrace(channel, idleGrace), idleGrace.toNanos(), TimeUnit.NANOSECONDS);
		}
	}

	/**
	 * Drain a connection that did not speak HTTP when the drain started. If it has become
	 * an HTTP/1.1 connection meanwhile, it may have answered requests without
	 * {@code Connection: close}, so it drains as a kept-alive connection from now on. A
	 * connection that serves a request on a protocol it switched to is left to the
	 * shutdown timeout; any other is closed.
	 */
	private void drainAfterGrace(Channel channel, Duration idleGrace) {
		if (!channel.isActive()) {
			return;
		}
		ChannelPipeline pipeline = channel.pipeline();
		if (pipeline.get(NettyPipeline.H2MultiplexHandler) != null) {
			closeHttp2(channel);
		}
		else if (pipeline.get(NettyPipeline.HttpTrafficHandler) != null) {
			KeepAliveDrainHandler.drain(channel, idleGrace);
		}
		else if (ChannelOperations.get(channel) == null) {
			channel.close();
		}
	}

	/**
	 * Close an HTTP/2 connection: Netty sends {@code GOAWAY} and closes once the active
	 * streams complete. Without a channel group on the server, Reactor Netty's codec
	 * would close at once and cut the streams off; with one, it lets them complete,
	 * bounded by the shutdown timeout, and so does this drain.
	 */
	private static void closeHttp2(Channel channel) {
		Http2ConnectionHandler codec = channel.pipeline().get(Http2ConnectionHandler.class);
		if (codec != null) {
			codec.gracefulShutdownTimeoutMillis(-1);
		}
		channel.close();
	}

	private void completeIfDrained() {
		if (this.started && this.connections.isEmpty()) {
			this.drained.complete(null);
		}
	}

}
