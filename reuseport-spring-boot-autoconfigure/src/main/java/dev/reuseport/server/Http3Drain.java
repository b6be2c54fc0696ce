package dev.reuseport.server;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.handler.codec.quic.QuicChannel;

/**
 * Drains the QUIC connections of one {@link Http3Listener} for a graceful shutdown, on
 * its loop: {@code GOAWAY} on every connection, so that clients send their next requests
 * on a new connection; each connection closed once it has had no open request for a grace
 * period; then the socket closed. A connection that starts meanwhile is refused.
 */
final class Http3Drain {

	private final Http3Listener listener;

	private final long idleGraceNanos;

	// When each connection was last seen without an open request; read on the loop only
	private final Map<QuicChannel, Long> idleSince = new HashMap<>();

	private final CompletableFuture<Void> drained = new CompletableFuture<>();

	Http3Drain(Http3Listener listener, Duration idleGrace) {
		this.listener = listener;
		this.idleGraceNanos = idleGrace.toNanos();
	}

	/**
	 * Start draining.
	 * @param interval how often to look for connections that may close
	 * @return a future that completes once every connection and the socket are closed
	 */
	CompletableFuture<Void> start(Duration interval) {
		Channel socket = this.listener.socket();
		if (socket == null || !socket.isOpen()) {
			this.drained.complete(null);
			return this.drained;
		}
		this.listener.startDraining();
		socket.eventLoop().execute(() -> {
			this.listener.connections().forEach(Http3Listener::goAway);
			check(socket, interval);
		});
		return this.drained;
	}

	private void check(Channel socket, Duration interval) {
		long now = System.nanoTime();
		for (QuicChannel connection : this.listener.connections()) {
			if (Http3Listener.openRequests(connection) > 0) {
				this.idleSince.remove(connection);
			}
			else if (now - this.idleSince.computeIfAbsent(connection, (idle) -> now) >= this.idleGraceNanos) {
				Http3Listener.close(connection);
			}
		}
		this.idleSince.keySet().retainAll(this.listener.connections());
		if (this.listener.connections().isEmpty() || !socket.isOpen()) {
			socket.close().addListener((closed) -> this.drained.complete(null));
			return;
		}
		socket.eventLoop().schedule(() -> check(socket, interval), interval.toNanos(), TimeUnit.NANOSECONDS);
	}

}
