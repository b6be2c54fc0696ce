package dev.reuseport.test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A downstream HTTP service for client tests: a plain Reactor Netty server on 127.0.0.1,
 * on an event loop of its own. {@code /ok} answers at once; {@code /hold} answers once
 * {@link #release()} is called, up to a bounded time.
 */
public final class Downstream implements AutoCloseable {

	private static final Duration MAX_HOLD = Duration.ofSeconds(30);

	private final LoopResources loops = LoopResources.create("downstream", 1, true);

	private final Sinks.Empty<Void> released = Sinks.empty();

	private final AtomicInteger held = new AtomicInteger();

	private final AtomicInteger open = new AtomicInteger();

	private final DisposableServer server;

	private Downstream() {
		this.server = HttpServer.create().host(RawHttp.HOST).port(0).runOn(this.loops).doOnConnection((connection) -> {
			this.open.incrementAndGet();
			connection.onDispose(this.open::decrementAndGet);
		})
			.route((routes) -> routes.get("/ok", (request, response) -> response.sendString(Mono.just("ok")))
				.get("/hold", (request, response) -> {
					this.held.incrementAndGet();
					return response
						.sendString(this.released.asMono().timeout(MAX_HOLD, Mono.empty()).then(Mono.just("released")));
				}))
			.bindNow();
	}

	/**
	 * Start a downstream service.
	 * @return the running service
	 */
	public static Downstream start() {
		return new Downstream();
	}

	/**
	 * Return the base URL of the service.
	 * @return the URL, such as {@code http://127.0.0.1:41234}
	 */
	public String url() {
		return "http://" + RawHttp.HOST + ":" + this.server.port();
	}

	/**
	 * Return how many {@code /hold} requests have arrived.
	 * @return the held request count
	 */
	public int held() {
		return this.held.get();
	}

	/**
	 * Return how many connections of its clients are open now.
	 * @return the open connection count
	 */
	public int openConnections() {
		return this.open.get();
	}

	/**
	 * Answer every {@code /hold} request, those waiting and those to come.
	 */
	public void release() {
		this.released.tryEmitEmpty();
	}

	@Override
	public void close() {
		release();
		this.server.disposeNow();
		this.loops.disposeLater().block(Duration.ofSeconds(10));
	}

}
