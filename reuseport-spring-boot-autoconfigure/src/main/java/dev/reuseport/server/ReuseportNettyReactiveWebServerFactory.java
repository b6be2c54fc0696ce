package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerRoutes;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.web.server.WebServer;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ReactorHttpHandlerAdapter;
import org.springframework.util.Assert;

/**
 * {@link NettyReactiveWebServerFactory} that creates a {@link ReuseportWebServer}: one
 * SO_REUSEPORT listener per event loop on the configured address and port, on epoll or
 * io_uring.
 * <p>
 * Every setting of the parent factory holds on every listener (address, port, SSL,
 * HTTP/2, compression, forwarded headers, {@link NettyServerCustomizer customizers} and
 * {@link NettyRouteProvider route providers}) because each listener's server is derived
 * from the {@link HttpServer} that the parent factory builds.
 * <p>
 * A factory created with the no-argument constructor has no listener count and creates
 * Spring Boot's plain single-socket {@code NettyWebServer}. Spring Boot does this when it
 * copies the application's factory into a management child context on a separate
 * {@code management.server.port}, which should remain an ordinary per-process server.
 *
 * @since 0.1.0
 */
public class ReuseportNettyReactiveWebServerFactory extends NettyReactiveWebServerFactory {

	private static final Predicate<HttpServerRequest> ALWAYS = (request) -> true;

	private final @Nullable Integer listenerCount;

	private final ListenerTransport transport;

	private final ConnectionBalancing balancing;

	private final StallReliefSettings stallRelief;

	private final List<NettyRouteProvider> routeProviders = new ArrayList<>();

	private @Nullable Duration lifecycleTimeout;

	/**
	 * Create a factory for Spring Boot's plain single-socket server.
	 */
	public ReuseportNettyReactiveWebServerFactory() {
		this.listenerCount = null;
		this.transport = ListenerTransport.EPOLL;
		this.balancing = ConnectionBalancing.DEFAULT;
		this.stallRelief = StallReliefSettings.DEFAULT;
	}

	/**
	 * Create a factory for servers with {@code listenerCount} SO_REUSEPORT epoll
	 * listeners that balance their connections by default.
	 * @param listenerCount the number of listeners, each with its own event loop
	 */
	public ReuseportNettyReactiveWebServerFactory(int listenerCount) {
		this(listenerCount, ListenerTransport.EPOLL, ConnectionBalancing.DEFAULT);
	}

	/**
	 * Create a factory for servers with {@code listenerCount} SO_REUSEPORT listeners.
	 * @param listenerCount the number of listeners, each with its own event loop
	 * @param transport the transport of the listeners; it must be available
	 * @param balancing how open connections are balanced across the listeners' loops
	 */
	public ReuseportNettyReactiveWebServerFactory(int listenerCount, ListenerTransport transport,
			ConnectionBalancing balancing) {
		this(listenerCount, transport, balancing, StallReliefSettings.DEFAULT);
	}

	/**
	 * Create a factory for servers with {@code listenerCount} SO_REUSEPORT listeners.
	 * @param listenerCount the number of listeners, each with its own event loop
	 * @param transport the transport of the listeners; it must be available
	 * @param balancing how open connections are balanced across the listeners' loops
	 * @param stallRelief how the listeners of stalled event loops are relieved
	 */
	public ReuseportNettyReactiveWebServerFactory(int listenerCount, ListenerTransport transport,
			ConnectionBalancing balancing, StallReliefSettings stallRelief) {
		Assert.isTrue(listenerCount > 0, "'listenerCount' must be positive");
		Assert.notNull(transport, "'transport' must not be null");
		Assert.notNull(balancing, "'balancing' must not be null");
		Assert.notNull(stallRelief, "'stallRelief' must not be null");
		this.listenerCount = listenerCount;
		this.transport = transport;
		this.balancing = balancing;
		this.stallRelief = stallRelief;
	}

	/**
	 * Return how the servers relieve the listeners of stalled event loops.
	 * @return the stall relief settings
	 */
	public StallReliefSettings getStallRelief() {
		return this.stallRelief;
	}

	/**
	 * Return the number of listeners each server binds, or {@code null} when this factory
	 * creates plain single-socket servers.
	 * @return the listener count
	 */
	public @Nullable Integer getListenerCount() {
		return this.listenerCount;
	}

	/**
	 * Return the transport of the listeners of each server.
	 * @return the transport
	 */
	public ListenerTransport getTransport() {
		return this.transport;
	}

	/**
	 * Return how the servers balance open connections across their listeners' loops.
	 * @return the balancing settings
	 */
	public ConnectionBalancing getBalancing() {
		return this.balancing;
	}

	@Override
	public WebServer getWebServer(HttpHandler httpHandler) {
		if (this.listenerCount == null) {
			return super.getWebServer(httpHandler);
		}
		HttpServer httpServer = withHandler(buildHttpServer(httpHandler), new ReactorHttpHandlerAdapter(httpHandler));
		return new ReuseportWebServer(httpServer, this.transport, this.listenerCount, this.lifecycleTimeout,
				getShutdown(), this.balancing, this.stallRelief);
	}

	/**
	 * Build the {@link HttpServer} exactly as the parent factory does, by capturing it
	 * after the last customizer. The parent's own server, never started, is discarded.
	 */
	private HttpServer buildHttpServer(HttpHandler httpHandler) {
		AtomicReference<HttpServer> captured = new AtomicReference<>();
		NettyServerCustomizer capture = (server) -> {
			captured.set(server);
			return server;
		};
		getServerCustomizers().add(capture);
		try {
			super.getWebServer(httpHandler);
		}
		finally {
			getServerCustomizers().remove(capture);
		}
		HttpServer httpServer = captured.get();
		Assert.state(httpServer != null, "The parent factory did not apply its customizers");
		return httpServer;
	}

	private HttpServer withHandler(HttpServer httpServer, ReactorHttpHandlerAdapter handler) {
		if (this.routeProviders.isEmpty()) {
			return httpServer.handle(handler);
		}
		return httpServer.route((routes) -> applyRouteProviders(routes, handler));
	}

	private void applyRouteProviders(HttpServerRoutes routes, ReactorHttpHandlerAdapter handler) {
		for (NettyRouteProvider provider : this.routeProviders) {
			routes = provider.apply(routes);
		}
		routes.route(ALWAYS, handler);
	}

	@Override
	public void addRouteProviders(NettyRouteProvider... routeProviders) {
		super.addRouteProviders(routeProviders);
		this.routeProviders.addAll(Arrays.asList(routeProviders));
	}

	@Override
	public void setLifecycleTimeout(@Nullable Duration lifecycleTimeout) {
		super.setLifecycleTimeout(lifecycleTimeout);
		this.lifecycleTimeout = lifecycleTimeout;
	}

}
