package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Publisher;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.http.server.HttpServerRoutes;
import reactor.netty.resources.LoopResources;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.Ssl;
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
 * from the {@link HttpServer} that the parent factory builds. The listeners are
 * configured with setters, as the parent's settings are; each has a default, so that a
 * factory created with the constructor alone binds one epoll listener per Reactor Netty
 * I/O worker, balances connections and relieves stalled loops. The auto-configuration
 * maps the {@code reuseport.*} properties onto the factory it defines.
 * <p>
 * With {@link #setReusePort(boolean) setReusePort(false)} the factory creates Spring
 * Boot's own single-socket {@code NettyWebServer} instead. The auto-configuration does
 * this for the management server on a separate {@code management.server.port}, which
 * Spring Boot creates from a new instance of this class and which should remain an
 * ordinary server of its process. A bind address that is no IP socket address, such as a
 * Unix domain socket that a customizer sets, has no reuseport group either: Spring Boot's
 * server serves it, and says so once at INFO.
 *
 * @since 0.1.0
 */
public class ReuseportNettyReactiveWebServerFactory extends NettyReactiveWebServerFactory {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	private static final Predicate<HttpServerRequest> ALWAYS = (request) -> true;

	private final List<NettyRouteProvider> routeProviders = new ArrayList<>();

	private boolean reusePort = true;

	private int listenerCount = LoopResources.DEFAULT_IO_WORKER_COUNT;

	private boolean joinExisting;

	private ListenerTransport transport = ListenerTransport.EPOLL;

	private ConnectionBalancing balancing = ConnectionBalancing.DEFAULT;

	private StallReliefSettings stallRelief = StallReliefSettings.DEFAULT;

	private @Nullable Duration lifecycleTimeout;

	private @Nullable HandoverSettings handover;

	private ListenerSteering steering = ListenerSteering.HASH;

	private @Nullable Http3Settings http3;

	/**
	 * Return whether the factory creates a server with one SO_REUSEPORT listener per
	 * event loop, rather than Spring Boot's single-socket server.
	 * @return whether the port is reused by one listener per loop
	 */
	public boolean isReusePort() {
		return this.reusePort;
	}

	/**
	 * Set whether to create a server with one SO_REUSEPORT listener per event loop, the
	 * default, or Spring Boot's single-socket server.
	 * @param reusePort whether to bind one listener per loop
	 */
	public void setReusePort(boolean reusePort) {
		this.reusePort = reusePort;
	}

	/**
	 * Return the number of listeners each server binds.
	 * @return the listener count
	 */
	public int getListenerCount() {
		return this.listenerCount;
	}

	/**
	 * Set the number of listeners each server binds, each with its own event loop. The
	 * default is Reactor Netty's I/O worker count,
	 * {@link LoopResources#DEFAULT_IO_WORKER_COUNT}.
	 * @param listenerCount the listener count; positive
	 */
	public void setListenerCount(int listenerCount) {
		Assert.isTrue(listenerCount > 0, "'listenerCount' must be positive");
		this.listenerCount = listenerCount;
	}

	/**
	 * Return whether the servers join SO_REUSEPORT listeners already on their port.
	 * @return whether to join existing listeners
	 */
	public boolean isJoinExisting() {
		return this.joinExisting;
	}

	/**
	 * Set whether the servers may join SO_REUSEPORT listeners that another process, or
	 * another server, already has on their port, as the new process of a handover does.
	 * By default they may not: a server fails to start with a {@link PortInUseException}
	 * when its port is in use, as Spring Boot's does.
	 * @param joinExisting whether to join existing listeners
	 */
	public void setJoinExisting(boolean joinExisting) {
		this.joinExisting = joinExisting;
	}

	/**
	 * Return the transport of the listeners of each server.
	 * @return the transport
	 */
	public ListenerTransport getTransport() {
		return this.transport;
	}

	/**
	 * Set the transport of the listeners, {@link ListenerTransport#EPOLL} by default. The
	 * transport must be available: the auto-configuration checks that it is.
	 * @param transport the transport
	 */
	public void setTransport(ListenerTransport transport) {
		Assert.notNull(transport, "'transport' must not be null");
		this.transport = transport;
	}

	/**
	 * Return how the servers balance open connections across their listeners' loops.
	 * @return the balancing settings
	 */
	public ConnectionBalancing getBalancing() {
		return this.balancing;
	}

	/**
	 * Set how the servers balance open connections across their listeners' loops,
	 * {@link ConnectionBalancing#DEFAULT} by default.
	 * @param balancing the balancing settings
	 */
	public void setBalancing(ConnectionBalancing balancing) {
		Assert.notNull(balancing, "'balancing' must not be null");
		this.balancing = balancing;
	}

	/**
	 * Return how the servers relieve the listeners of stalled event loops.
	 * @return the stall relief settings
	 */
	public StallReliefSettings getStallRelief() {
		return this.stallRelief;
	}

	/**
	 * Set how the servers relieve the listeners of stalled event loops,
	 * {@link StallReliefSettings#DEFAULT} by default.
	 * @param stallRelief the stall relief settings
	 */
	public void setStallRelief(StallReliefSettings stallRelief) {
		Assert.notNull(stallRelief, "'stallRelief' must not be null");
		this.stallRelief = stallRelief;
	}

	/**
	 * Return how the servers hand their listening sockets over to the process that
	 * replaces them.
	 * @return the handover settings, or {@code null} when they do not
	 */
	public @Nullable HandoverSettings getHandover() {
		return this.handover;
	}

	/**
	 * Set how the servers hand their listening sockets over to the process that replaces
	 * them, and ask for those of the process that they replace, over a Unix domain
	 * socket. By default they do not: a new process joins the port, as
	 * {@link #setJoinExisting(boolean)} allows. Only epoll listeners adopt sockets.
	 * @param handover the handover settings, or {@code null} for none
	 * @since 0.1.0
	 */
	public void setHandover(@Nullable HandoverSettings handover) {
		this.handover = handover;
	}

	/**
	 * Return how the kernel chooses the listener of each connection.
	 * @return the steering
	 */
	public ListenerSteering getSteering() {
		return this.steering;
	}

	/**
	 * Set how the kernel chooses the listener of each connection,
	 * {@link ListenerSteering#HASH} by default. {@link ListenerSteering#CPU} pins each
	 * listener's loop to a CPU and needs Linux 6.2 and {@code net.openhft:affinity};
	 * without them the servers steer by hash and say why.
	 * @param steering the steering
	 * @since 0.1.0
	 */
	public void setSteering(ListenerSteering steering) {
		Assert.notNull(steering, "'steering' must not be null");
		this.steering = steering;
	}

	/**
	 * Return how the servers serve HTTP/3.
	 * @return the HTTP/3 settings, or {@code null} when they do not
	 */
	public @Nullable Http3Settings getHttp3() {
		return this.http3;
	}

	/**
	 * Set how the servers serve HTTP/3: one UDP socket with SO_REUSEPORT per listener
	 * loop, with the key and certificate of the server's SSL settings. By default they do
	 * not. A server that cannot serve HTTP/3 says why and serves TCP only, or fails to
	 * start when {@link Http3Settings#required()}.
	 * @param http3 the HTTP/3 settings, or {@code null} for none
	 * @since 0.1.0
	 */
	public void setHttp3(@Nullable Http3Settings http3) {
		this.http3 = http3;
	}

	@Override
	public WebServer getWebServer(HttpHandler httpHandler) {
		if (!this.reusePort) {
			return super.getWebServer(httpHandler);
		}
		// The parent's server, never started unless the address is no IP socket, is built
		// to capture its HttpServer after the last customizer
		AtomicReference<HttpServer> captured = new AtomicReference<>();
		NettyServerCustomizer capture = (server) -> {
			captured.set(server);
			return server;
		};
		getServerCustomizers().add(capture);
		WebServer parentServer;
		try {
			parentServer = super.getWebServer(httpHandler);
		}
		finally {
			getServerCustomizers().remove(capture);
		}
		HttpServer httpServer = captured.get();
		Assert.state(httpServer != null, "The parent factory did not apply its customizers");
		SocketAddress address = httpServer.configuration().bindAddress().get();
		if (!(address instanceof InetSocketAddress)) {
			logger.info(("The server's address %s is not an IP socket address, which SO_REUSEPORT listeners "
					+ "share: it is served by one listener, as Spring Boot serves it")
				.formatted(address));
			return parentServer;
		}
		// The handler reads the Alt-Svc header of the HTTP/3 side, which is derived from
		// the server that holds the handler
		AtomicReference<Http3Server> http3 = new AtomicReference<>(Http3Server.DISABLED);
		HttpServer served = withHandler(httpServer, new ReactorHttpHandlerAdapter(httpHandler),
				() -> http3.get().altSvc());
		Ssl ssl = getSsl();
		http3.set(Http3Servers.create(this.http3, served, ssl, Ssl.isEnabled(ssl) ? getSslBundle() : null,
				this.transport, this.joinExisting));
		return new ReuseportWebServer(served, this.transport, this.listenerCount, this.joinExisting,
				this.lifecycleTimeout, getShutdown(), this.balancing, this.stallRelief, this.handover, this.steering,
				http3.get());
	}

	private HttpServer withHandler(HttpServer httpServer, ReactorHttpHandlerAdapter adapter,
			Supplier<@Nullable String> altSvc) {
		BiFunction<? super HttpServerRequest, ? super HttpServerResponse, ? extends Publisher<Void>> handler = adapter;
		if (!this.routeProviders.isEmpty()) {
			handler = routes(adapter);
		}
		if (this.http3 != null && this.http3.altSvcMaxAge() != null) {
			handler = new AltSvcHandler(handler, altSvc);
		}
		return httpServer.handle(handler);
	}

	private HttpServerRoutes routes(ReactorHttpHandlerAdapter handler) {
		HttpServerRoutes routes = HttpServerRoutes.newRoutes();
		for (NettyRouteProvider provider : this.routeProviders) {
			routes = provider.apply(routes);
		}
		return routes.route(ALWAYS, handler);
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
