package dev.reuseport.server;

import java.util.OptionalInt;

import io.netty.channel.Channel;
import reactor.netty.Connection;

import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpRequestDecorator;

/**
 * Finds the SO_REUSEPORT listener that accepted the connection carrying a request.
 *
 * @since 0.1.0
 */
public final class ReuseportRequests {

	private ReuseportRequests() {
	}

	/**
	 * Return the index of the listener that accepted the connection carrying
	 * {@code request}, or an empty result when the request did not arrive through a
	 * {@link ReuseportWebServer}.
	 * @param request the request, possibly decorated
	 * @return the listener index
	 */
	public static OptionalInt listenerIndex(ServerHttpRequest request) {
		Object nativeRequest = ServerHttpRequestDecorator.getNativeRequest(request);
		return (nativeRequest instanceof Connection connection) ? listenerIndex(connection) : OptionalInt.empty();
	}

	/**
	 * Return the index of the listener that accepted {@code connection}, or an empty
	 * result when it did not arrive through a {@link ReuseportWebServer}. For Reactor
	 * Netty handlers, such as the routes of a {@code NettyRouteProvider}, which reach the
	 * connection with {@code request.withConnection(…)}.
	 * @param connection the connection, or the HTTP/2 or HTTP/3 stream, that carries a
	 * request
	 * @return the listener index, which for HTTP/3 is that of the {@link Http3Listener}
	 * whose loop serves the QUIC connection
	 */
	public static OptionalInt listenerIndex(Connection connection) {
		// An HTTP/2 stream is a child channel of the TCP connection the listener
		// accepted, and an HTTP/3 stream one of its QUIC connection, so walk up to the
		// channel that carries the attribute.
		for (Channel channel = connection.channel(); channel != null; channel = channel.parent()) {
			ReuseportListener listener = channel.attr(ReuseportListener.LISTENER).get();
			if (listener != null) {
				return OptionalInt.of(listener.index());
			}
			Http3Listener http3 = channel.attr(Http3Listener.LISTENER).get();
			if (http3 != null) {
				return OptionalInt.of(http3.index());
			}
		}
		return OptionalInt.empty();
	}

}
