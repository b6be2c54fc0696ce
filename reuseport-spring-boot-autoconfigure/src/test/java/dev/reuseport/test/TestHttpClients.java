package dev.reuseport.test;

import io.netty.handler.ssl.util.InsecureTrustManagerFactory;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Reactor Netty clients for HTTP/2, over TLS or in clear text.
 */
public final class TestHttpClients {

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
		Http2SslContextSpec ssl = Http2SslContextSpec.forClient()
			.configure((builder) -> builder.trustManager(InsecureTrustManagerFactory.INSTANCE));
		return client.protocol(HttpProtocol.H2).secure((spec) -> spec.sslContext(ssl));
	}

}
