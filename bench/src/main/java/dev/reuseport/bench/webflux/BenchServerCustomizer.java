package dev.reuseport.bench.webflux;

import io.netty.channel.ChannelOption;
import reactor.netty.http.server.HttpServer;

import org.springframework.boot.reactor.netty.NettyServerCustomizer;

/**
 * Applies the bench's own settings to every server that the app binds: Spring Boot's
 * single server for A, each of the starter's listeners for B and B0, because the starter
 * derives every listener from the customized server. It sets the listen backlog from
 * {@code bench.backlog} (Reactor Netty's default is Netty's, the kernel's
 * {@code somaxconn}) and records the loops that hold the listening sockets.
 */
class BenchServerCustomizer implements NettyServerCustomizer {

	private final int backlog;

	private final ListenerLoops listenerLoops;

	/**
	 * Create a customizer.
	 * @param backlog the listen backlog, or 0 to keep the default
	 * @param listenerLoops where the listening loops are recorded
	 */
	BenchServerCustomizer(int backlog, ListenerLoops listenerLoops) {
		BenchBacklog.check(backlog);
		this.backlog = backlog;
		this.listenerLoops = listenerLoops;
	}

	@Override
	public HttpServer apply(HttpServer server) {
		HttpServer customized = server.doOnBound(this.listenerLoops::bound);
		return (this.backlog > 0) ? customized.option(ChannelOption.SO_BACKLOG, this.backlog) : customized;
	}

}
