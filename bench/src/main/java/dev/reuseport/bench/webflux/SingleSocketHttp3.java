package dev.reuseport.bench.webflux;

import java.time.Duration;

import org.jspecify.annotations.Nullable;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http3SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.ssl.SslBundle;
import org.springframework.context.SmartLifecycle;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;

/**
 * HTTP/3 as Reactor Netty binds it by itself, the bench's one-socket baseline (server
 * H1): {@code HttpServer.protocol(HTTP3).bindNow()} with the application's handler, on
 * Reactor Netty's default loops, so that one UDP channel, on one of those loops, reads
 * and decrypts every QUIC packet. Its QUIC limits are the starter's defaults, so that the
 * two differ in their sockets alone.
 */
class SingleSocketHttp3 implements SmartLifecycle {

	private final HttpServer server;

	private volatile @Nullable DisposableServer bound;

	SingleSocketHttp3(HttpHandler handler, SslBundle bundle, String host, int port) {
		this.server = HttpServer.create()
			.host(host)
			.port(port)
			.protocol(HttpProtocol.HTTP3)
			.secure((spec) -> spec.sslContext(Http3SslContextSpec.forServer(bundle.getManagers().getKeyManagerFactory(),
					bundle.getKey().getPassword())))
			.http3Settings((settings) -> settings.idleTimeout(Duration.ofSeconds(30))
				.maxData(10L * 1024 * 1024)
				.maxStreamDataBidirectionalLocal(1024 * 1024)
				.maxStreamDataBidirectionalRemote(1024 * 1024)
				.maxStreamsBidirectional(100))
			.handle(new ReactorHttpHandlerAdapter(handler));
	}

	@Override
	public void start() {
		this.bound = this.server.bindNow();
	}

	@Override
	public void stop() {
		DisposableServer bound = this.bound;
		if (bound != null) {
			bound.disposeNow();
			this.bound = null;
		}
	}

	@Override
	public boolean isRunning() {
		return this.bound != null;
	}

}
