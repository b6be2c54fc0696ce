package reactor.netty.http.server;

import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http3.Http3;
import io.netty.handler.codec.quic.QuicConnectionIdGenerator;
import io.netty.handler.codec.quic.QuicServerCodecBuilder;
import reactor.netty.ConnectionObserver;
import reactor.netty.NettyPipeline;

/**
 * Builds Reactor Netty's own QUIC server codec for an HTTP/3 {@link HttpServer}, with the
 * connection ID length and generator that a shared {@code QuicCodecDispatcher} gives each
 * of several UDP sockets. Reactor Netty 1.3 builds that codec in its package-private
 * {@code Http3ChannelInitializer} and offers no hook for either setting, so this class
 * lives in Reactor Netty's package; every QUIC connection it accepts is then served by
 * Reactor Netty's HTTP/3 pipeline ({@code Http3ServerConnectionHandler},
 * {@code HttpServerOperations}) exactly as a server bound by Reactor Netty would be.
 * <p>
 * Internal to the starter: not an API.
 */
public final class ReuseportHttp3Codecs {

	private final Http3ChannelInitializer initializer;

	/**
	 * Take the codec settings of an HTTP/3 server.
	 * @param server the configured server, with {@code protocol(HttpProtocol.HTTP3)} and
	 * its TLS settings
	 * @param connectionObserver what observes each served connection
	 * @throws IllegalArgumentException when the server is not an HTTP/3 server
	 */
	public ReuseportHttp3Codecs(HttpServer server, ConnectionObserver connectionObserver) {
		ChannelInitializer<Channel> channelInitializer = server.configuration()
			.channelInitializer(connectionObserver, null, true);
		if (!(channelInitializer instanceof Http3ChannelInitializer http3)) {
			throw new IllegalArgumentException("Not an HTTP/3 server: its channel initializer is "
					+ channelInitializer.getClass().getName() + "; configure protocol(HttpProtocol.HTTP3)");
		}
		this.initializer = http3;
	}

	/**
	 * Create the QUIC server codec of one UDP socket.
	 * @param connectionIdLength the length of the connection IDs the codec issues
	 * @param connectionIds the generator of those IDs, which names the socket
	 * @param udp the socket, whose pipeline gets Reactor Netty's logging handler when the
	 * server has one
	 * @param connectionHandler a shared handler that each QUIC connection gets first in
	 * its pipeline, before Reactor Netty's HTTP/3 handlers
	 * @return the codec, to add to the socket's pipeline
	 */
	public ChannelHandler newCodec(int connectionIdLength, QuicConnectionIdGenerator connectionIds, Channel udp,
			ChannelHandler connectionHandler) {
		Http3ChannelInitializer http3 = this.initializer;
		QuicServerCodecBuilder builder = Http3.newQuicServerCodecBuilder()
			.sslContext(http3.quicSslContext)
			.handler(new ConnectionInitializer(connectionHandler, http3.quicChannelInitializer))
			.localConnectionIdLength(connectionIdLength)
			.connectionIdAddressGenerator(connectionIds);
		if (http3.http3Settings != null) {
			builder.initialMaxData(http3.http3Settings.maxData())
				.initialMaxStreamDataBidirectionalLocal(http3.http3Settings.maxStreamDataBidirectionalLocal())
				.initialMaxStreamDataBidirectionalRemote(http3.http3Settings.maxStreamDataBidirectionalRemote())
				.initialMaxStreamsBidirectional(http3.http3Settings.maxStreamsBidirectional())
				.tokenHandler(http3.http3Settings.tokenHandler());
			if (http3.http3Settings.idleTimeout() != null) {
				builder.maxIdleTimeout(http3.http3Settings.idleTimeout().toMillis(), TimeUnit.MILLISECONDS);
			}
		}
		// The server's channel options are TCP's, which a QUIC channel would reject with
		// one warning each: only its attributes carry over
		Http3ChannelInitializer.attributes(builder, http3.attributes);
		Http3ChannelInitializer.streamAttributes(builder, http3.childAttributes);
		if (http3.loggingHandler != null) {
			udp.pipeline().addLast(NettyPipeline.LoggingHandler, http3.loggingHandler);
			builder.streamHandler(http3.loggingHandler);
		}
		return builder.build();
	}

	/**
	 * Puts the starter's handler first in each QUIC connection's pipeline, then Reactor
	 * Netty's HTTP/3 initializer.
	 */
	@ChannelHandler.Sharable
	private static final class ConnectionInitializer extends ChannelInitializer<Channel> {

		private final ChannelHandler connectionHandler;

		private final ChannelHandler http3Initializer;

		ConnectionInitializer(ChannelHandler connectionHandler, ChannelHandler http3Initializer) {
			this.connectionHandler = connectionHandler;
			this.http3Initializer = http3Initializer;
		}

		@Override
		protected void initChannel(Channel connection) {
			connection.pipeline().addLast(this.connectionHandler, this.http3Initializer);
		}

	}

}
