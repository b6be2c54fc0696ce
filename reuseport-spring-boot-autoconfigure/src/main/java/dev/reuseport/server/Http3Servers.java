package dev.reuseport.server;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.Http3SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.boot.ssl.SslBundleKey;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.Ssl.ClientAuth;

/**
 * Derives the HTTP/3 side of a server from the TCP server that Spring Boot's factory
 * built: the same handler, compression, forwarded headers and observers, over QUIC with
 * the key and certificate of the server's own SSL bundle ({@code server.ssl.*}), as
 * Spring Boot configures HTTP/2.
 */
final class Http3Servers {

	private Http3Servers() {
	}

	/**
	 * Create the HTTP/3 side of a server.
	 * @param settings the HTTP/3 settings, or {@code null} when HTTP/3 is off
	 * @param served the TCP server, request handling included
	 * @param ssl the server's SSL settings, or {@code null}
	 * @param bundle the server's SSL bundle when it has SSL, or {@code null}
	 * @param transport the transport of the listener loops
	 * @param joinExisting whether the server may join sockets already on its port
	 * @return the HTTP/3 side, which says why it cannot serve when it cannot
	 */
	static Http3Server create(@Nullable Http3Settings settings, HttpServer served, @Nullable Ssl ssl,
			@Nullable SslBundle bundle, ListenerTransport transport, boolean joinExisting) {
		if (settings == null) {
			return Http3Server.DISABLED;
		}
		Http3Unavailable unavailable = Http3Unavailable.beforeBuild(bundle != null,
				Http3Servers.class.getClassLoader());
		if (unavailable != null || bundle == null) {
			return new Http3Server(settings, null, unavailable, transport, joinExisting);
		}
		try {
			Http3SslContextSpec tls = tls(bundle, (ssl != null) ? ssl.getClientAuth() : null);
			return new Http3Server(settings,
					served.protocol(HttpProtocol.HTTP3)
						.secure((spec) -> spec.sslContext(tls))
						.http3Settings((spec) -> spec.idleTimeout(settings.idleTimeout())
							.maxData(settings.maxData())
							.maxStreamDataBidirectionalLocal(settings.maxStreamDataBidirectionalLocal())
							.maxStreamDataBidirectionalRemote(settings.maxStreamDataBidirectionalRemote())
							.maxStreamsBidirectional(settings.maxStreamsBidirectional())),
					null, transport, joinExisting);
		}
		catch (RuntimeException ex) {
			return new Http3Server(settings, null,
					new Http3Unavailable("the key and certificate of the server's SSL bundle cannot be used for QUIC ("
							+ ex.getMessage() + ")", "Check server.ssl.*", ex),
					transport, joinExisting);
		}
	}

	private static Http3SslContextSpec tls(SslBundle bundle, @Nullable ClientAuth clientAuth) {
		SslBundleKey key = bundle.getKey();
		Http3SslContextSpec spec = Http3SslContextSpec.forServer(bundle.getManagers().getKeyManagerFactory(),
				key.getPassword());
		if (clientAuth == ClientAuth.NEED || clientAuth == ClientAuth.WANT) {
			spec.configure((builder) -> builder.trustManager(bundle.getManagers().getTrustManagerFactory())
				.clientAuth((clientAuth == ClientAuth.NEED) ? io.netty.handler.ssl.ClientAuth.REQUIRE
						: io.netty.handler.ssl.ClientAuth.OPTIONAL));
		}
		return spec;
	}

}
