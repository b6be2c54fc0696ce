package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import org.jspecify.annotations.Nullable;
import reactor.netty.NettyPipeline;
import reactor.netty.channel.ChannelOperations;

/**
 * Drains the connections of one listener during a graceful shutdown, once its listening
 * socket is closed. Reactor Netty's own drain closes idle keep-alive connections at once,
 * which loses a request that a client sends at that moment; this one ends every
 * connection in the way its protocol allows without such a race:
 * <ul>
 * <li>HTTP/1.1: {@link KeepAliveDrainHandler} answers with {@code Connection: close} and
 * closes an idle connection only after a grace period.</li>
 * <li>HTTP/2: the connection is closed, which makes Netty send {@code GOAWAY} and close
 * once its active streams complete; the client retries newer streams elsewhere.</li>
 * <li>A connection that does not speak HTTP yet (TLS handshake, HTTP/2 preface): closed
 * after the grace period, unless it started serving a request meanwhile.</li>
 * </ul>
 * {@link #drained()} completes when the last connection has closed. Everything but that
 * future is confined to the listener's event loop, on which {@link ReuseportListener}
 * reports each connection's opening, configuration and closing.
 */
final class ConnectionDrain {

	private final Set<Channel> connections = new HashSet<>();

	private final CompletableFuture<Void> drained = new CompletableFuture<>();

	private @Nullable Duration idleGrace;

	/**
	 * Return a future that completes once draining has started and every connection is
	 * closed.
	 * @return the future
	 */
	CompletableFuture<Void> drained() {
		return this.drained;
	}

	/**
	 * Start draining every connection, unless already started. Must run on the
	 * listener's event loop, once its listening socket is closed, so that no connection
	 * arrives afterwards.
	 * @param idleGrace how long an idle connection stays open for a request that its
	 * client may be sending
	 */
	void start(Duration idleGrace) {
		if (this.idleGrace != null) {
			return;
		}
		this.idleGrace = idleGrace;
		new ArrayList<>(this.connections).forEach((channel) -> drain(channel, idleGrace));
		completeIfDrained();
	}

	/**
	 * Track a connection the listener has accepted.
	 * @param channel the connection
	 */
	void connectionOpened(Channel channel) {
		this.connections.add(channel);
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
	 * Called for each HTTP/1.1 request once Reactor Netty has set up the pipeline for
	 * it, which with TLS happens only after the handshake, and before the request goes
	 * past the traffic handler.
	 * @param channel the connection
	 */
	void connectionConfigured(Channel channel) {
		keepAliveHandler(channel);
	}

	/**
	 * Return the connection's {@link KeepAliveDrainHandler}, adding it if the connection
	 * speaks HTTP/1.1 and has none yet.
	 */
	private @Nullable KeepAliveDrainHandler keepAliveHandler(Channel channel) {
		ChannelPipeline pipeline = channel.pipeline();
		KeepAliveDrainHandler handler = (KeepAliveDrainHandler) pipeline.get(KeepAliveDrainHandler.NAME);
		if (handler == null && pipeline.get(NettyPipeline.HttpTrafficHandler) != null) {
			handler = new KeepAliveDrainHandler();
			pipeline.addAfter(NettyPipeline.HttpTrafficHandler, KeepAliveDrainHandler.NAME, handler);
			Duration idleGrace = this.idleGrace;
			if (idleGrace != null) {
				handler.drain(idleGrace);
			}
		}
		return handler;
	}

	private void drain(Channel channel, Duration idleGrace) {
		if (channel.pipeline().get(NettyPipeline.H2MultiplexHandler) != null) {
			channel.close();
			return;
		}
		KeepAliveDrainHandler handler = (KeepAliveDrainHandler) channel.pipeline().get(KeepAliveDrainHandler.NAME);
		if (handler != null) {
			handler.drain(idleGrace);
		}
		else if (keepAliveHandler(channel) == null) {
			channel.eventLoop()
				.schedule(() -> closeUnlessServing(channel), idleGrace.toNanos(), TimeUnit.NANOSECONDS);
		}
	}

	/**
	 * Close a connection that was not speaking HTTP when the drain started, unless it
	 * has since become an HTTP/1.1 connection, which drains itself, or it serves a
	 * request on a protocol it switched to, which the shutdown timeout bounds.
	 */
	private void closeUnlessServing(Channel channel) {
		if (channel.pipeline().get(KeepAliveDrainHandler.NAME) == null && ChannelOperations.get(channel) == null) {
			channel.close();
		}
	}

	private void completeIfDrained() {
		if (this.idleGrace != null && this.connections.isEmpty()) {
			this.drained.complete(null);
		}
	}

}
