package dev.reuseport.test;

import java.time.Duration;

import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import io.netty.util.concurrent.DefaultThreadFactory;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.Http3SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Reactor Netty clients: HTTP/1.1, HTTP/2 and HTTP/3 over TLS that trust any certificate,
 * such as the test key store's self-signed one, and HTTP/2 in clear text. Those over TLS
 * run on an epoll loop of their own: Reactor Netty's default loops take io_uring when
 * Netty's io_uring jar is on the classpath, as it is in these tests, and its HTTP/3
 * client times out there.
 */
public final class TestHttpClients {

	private static final MultiThreadIoEventLoopGroup LOOPS = new MultiThreadIoEventLoopGroup(1,
			new DefaultThreadFactory("test-client-epoll", true), EpollIoHandler.newFactory());

	private TestHttpClients() {
	}

	/**
	 * Return an HTTP/2 client on {@code provider}.
	 * @param provider the connection provider; {@link ConnectionProvider#newConnection()}
	 * opens a new connection per request
	 * @param tls whether to use h2 over TLS (trusting any certificate) or h2c with prior
	 * knowledge
	 * @return the client
	 */
	public static HttpClient http2(ConnectionProvider provider, boolean tls) {
		HttpClient client = HttpClient.create(provider);
		if (!tls) {
			return client.protocol(HttpProtocol.H2C);
		}
		return client(HttpProtocol.H2, provider);
	}

	/**
	 * A client of one protocol on a pool of its own.
	 * @param protocol {@code HTTP11}, {@code H2} or {@code HTTP3}
	 * @param pool the pool: a new one opens a new connection, from a new client port
	 * @return the client
	 */
	public static HttpClient client(HttpProtocol protocol, ConnectionProvider pool) {
		HttpClient client = HttpClient.create(pool).runOn(LOOPS).protocol(protocol);
		return switch (protocol) {
			case HTTP3 -> client
				.secure((spec) -> spec.sslContext(Http3SslContextSpec.forClient()
					.configure((builder) -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE))))
				.http3Settings((settings) -> settings.idleTimeout(Duration.ofSeconds(10))
					.maxData(10_000_000)
					.maxStreamDataBidirectionalLocal(1_000_000)
					.maxStreamDataBidirectionalRemote(1_000_000)
					.maxStreamsBidirectional(100));
			case H2 -> client.secure((spec) -> spec.sslContext(Http2SslContextSpec.forClient()
				.configure((builder) -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE))));
			default -> client.secure((spec) -> spec.sslContext(Http11SslContextSpec.forClient()
				.configure((builder) -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE))));
		};
	}

}
