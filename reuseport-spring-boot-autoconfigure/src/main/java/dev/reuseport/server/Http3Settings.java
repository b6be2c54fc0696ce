package dev.reuseport.server;

import java.time.Duration;

import org.jspecify.annotations.Nullable;

import org.springframework.util.Assert;

/**
 * How a {@link ReuseportWebServer} serves HTTP/3: one UDP socket with SO_REUSEPORT per
 * listener loop, on the server's TCP port unless another is set, with the QUIC transport
 * limits that each connection is given, and the {@code Alt-Svc} header that tells
 * HTTP/1.1 and HTTP/2 clients where to find it.
 * <p>
 * The limits are QUIC's initial flow-control windows (RFC 9000, section 18.2), which
 * Reactor Netty leaves at 0: a peer may send nothing until they are raised, so the
 * {@link #DEFAULT} gives each its own value.
 *
 * @param port the UDP port, or {@code null} for the server's own port
 * @param idleTimeout how long a connection may stay idle before either side closes it
 * @param maxData how many bytes a client may send on one connection before the server
 * reads them ({@code initial_max_data})
 * @param maxStreamDataBidirectionalLocal how many bytes may be in flight on a stream that
 * the server opened ({@code initial_max_stream_data_bidi_local})
 * @param maxStreamDataBidirectionalRemote how many bytes a client may send on one request
 * stream before the server reads them ({@code initial_max_stream_data_bidi_remote})
 * @param maxStreamsBidirectional how many requests a client may have open at once on one
 * connection ({@code initial_max_streams_bidi})
 * @param altSvcMaxAge how long a client may remember the {@code Alt-Svc} header, or
 * {@code null} to send none
 * @param required whether a server that cannot serve HTTP/3 fails to start, rather than
 * serve TCP only after one warning
 * @since 0.1.0
 */
public record Http3Settings(@Nullable Integer port, Duration idleTimeout, long maxData,
		long maxStreamDataBidirectionalLocal, long maxStreamDataBidirectionalRemote, long maxStreamsBidirectional,
		@Nullable Duration altSvcMaxAge, boolean required) {

	/**
	 * The server's port; a 30 s idle timeout; 10 MiB per connection and 1 MiB per stream
	 * in each direction; 100 concurrent requests per connection; {@code Alt-Svc} for a
	 * day; not required.
	 */
	public static final Http3Settings DEFAULT = new Http3Settings(null, Duration.ofSeconds(30), 10L * 1024 * 1024,
			1024 * 1024, 1024 * 1024, 100, Duration.ofDays(1), false);

	/**
	 * Create HTTP/3 settings.
	 * @param port the UDP port, from 1 to 65535, or {@code null} for the server's own
	 * @param idleTimeout the idle timeout; positive
	 * @param maxData the connection's flow-control window; positive
	 * @param maxStreamDataBidirectionalLocal the window of a server stream; positive
	 * @param maxStreamDataBidirectionalRemote the window of a request stream; positive
	 * @param maxStreamsBidirectional the concurrent requests per connection; positive
	 * @param altSvcMaxAge the {@code Alt-Svc} lifetime, positive, or {@code null}
	 * @param required whether a server that cannot serve HTTP/3 fails to start
	 */
	public Http3Settings {
		Assert.isTrue(port == null || (port > 0 && port <= 65535), "'port' must be from 1 to 65535");
		Assert.isTrue(idleTimeout != null && !idleTimeout.isNegative() && !idleTimeout.isZero(),
				"'idleTimeout' must be positive");
		Assert.isTrue(maxData > 0, "'maxData' must be positive");
		Assert.isTrue(maxStreamDataBidirectionalLocal > 0, "'maxStreamDataBidirectionalLocal' must be positive");
		Assert.isTrue(maxStreamDataBidirectionalRemote > 0, "'maxStreamDataBidirectionalRemote' must be positive");
		Assert.isTrue(maxStreamsBidirectional > 0, "'maxStreamsBidirectional' must be positive");
		Assert.isTrue(altSvcMaxAge == null || (!altSvcMaxAge.isNegative() && !altSvcMaxAge.isZero()),
				"'altSvcMaxAge' must be positive");
	}

}
