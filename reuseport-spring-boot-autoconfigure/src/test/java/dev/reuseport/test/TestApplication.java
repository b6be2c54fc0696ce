package dev.reuseport.test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

import dev.reuseport.server.ReuseportRequests;
import dev.reuseport.server.ReuseportWebServer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * A WebFlux application with every auto-configuration on the test classpath, the
 * starter's included. Its routes report which listener and thread served each request.
 */
@SpringBootConfiguration(proxyBeanMethods = false)
@EnableAutoConfiguration
public class TestApplication {

	/**
	 * The {@link ServedBy} of each {@code /slow} request, published as soon as it arrives
	 * and before it answers.
	 */
	public static final BlockingQueue<ServedBy> SLOW_REQUESTS = new LinkedBlockingQueue<>();

	/**
	 * The {@link ServedBy} of each {@code /block} request, published before it blocks its
	 * event loop.
	 */
	public static final BlockingQueue<ServedBy> BLOCKING_REQUESTS = new LinkedBlockingQueue<>();

	/**
	 * The tests run on epoll unless they choose io_uring ({@link Transports}), so that
	 * adding io_uring to the test classpath changes nothing else; without Spring Cloud
	 * Gateway, which is on the test classpath, unless they turn it on; and without stall
	 * relief unless they turn it on ({@link #STALL_RELIEF}), so that a test that blocks a
	 * loop on purpose sees the same server whatever the host's
	 * {@code net.ipv4.tcp_migrate_req}.
	 */
	private static final Map<String, Object> DEFAULTS = Map.of("server.port", "0", "server.address", "127.0.0.1",
			"spring.main.banner-mode", "off", "reuseport.transport", "epoll",
			"spring.cloud.gateway.server.webflux.enabled", "false", "reuseport.stall-relief.enabled", "false");

	/**
	 * The property that turns stall relief on, for the tests of stall relief.
	 */
	public static final String STALL_RELIEF = "reuseport.stall-relief.enabled=true";

	/**
	 * Start the application in a JVM of its own, log its startup and stop it: for tests
	 * of what a different classpath changes.
	 * @param args command-line arguments, such as {@code --reuseport.transport=auto};
	 * they override the defaults
	 */
	public static void main(String[] args) {
		new SpringApplicationBuilder(TestApplication.class).web(WebApplicationType.REACTIVE)
			.properties(DEFAULTS)
			.run(args)
			.close();
	}

	/**
	 * Start the application on an ephemeral port of 127.0.0.1.
	 * @param properties extra properties, as {@code name=value}
	 * @return the running application
	 */
	public static ConfigurableApplicationContext run(String... properties) {
		return run(new Class<?>[0], properties);
	}

	/**
	 * Start the application with extra configuration classes.
	 * @param configurations extra configuration classes
	 * @param properties extra properties, as {@code name=value}
	 * @return the running application
	 */
	public static ConfigurableApplicationContext run(Class<?>[] configurations, String... properties) {
		return new SpringApplicationBuilder(TestApplication.class).sources(configurations)
			.web(WebApplicationType.REACTIVE)
			.properties(DEFAULTS)
			.properties(properties)
			.run();
	}

	/**
	 * Return the reuseport web server of a running application.
	 * @param context the application
	 * @return its web server
	 */
	public static ReuseportWebServer webServer(ConfigurableApplicationContext context) {
		return (ReuseportWebServer) ((ReactiveWebServerApplicationContext) context).getWebServer();
	}

	/**
	 * Return the port all listeners of a running application are bound to.
	 * @param context the application
	 * @return the port
	 */
	public static int port(ConfigurableApplicationContext context) {
		return webServer(context).getPort();
	}

	/**
	 * Return the port of the management server of a running application.
	 * @param context the application, started with {@code management.server.port}
	 * @return the management port
	 */
	public static int managementPort(ConfigurableApplicationContext context) {
		return context.getEnvironment().getRequiredProperty("local.management.port", Integer.class);
	}

	@Bean
	RouterFunction<ServerResponse> testRoutes() {
		return RouterFunctions.route()
			.GET("/whoami", (request) -> ServerResponse.ok().bodyValue(servedBy(request).toString()))
			.GET("/large", (request) -> ServerResponse.ok().bodyValue(servedBy(request) + " " + "x".repeat(4096)))
			.GET("/slow", this::slow)
			.GET("/block", this::block)
			.POST("/echo", this::echo)
			.GET("/stream", this::stream)
			.build();
	}

	/**
	 * Answer with {@code count} lines, each written and flushed on its own after a short
	 * delay: a streamed response.
	 */
	private Mono<ServerResponse> stream(ServerRequest request) {
		int count = Math.min(Integer.parseInt(request.queryParam("count").orElse("5")), 100);
		Flux<String> lines = Flux.range(0, count)
			.delayElements(Duration.ofMillis(10))
			.map((line) -> "line " + line + "\n");
		return ServerResponse.ok().contentType(MediaType.TEXT_PLAIN).body(lines, String.class);
	}

	/**
	 * Read the whole request body and answer with its length, so that malformed bodies
	 * reach the decoder.
	 */
	private Mono<ServerResponse> echo(ServerRequest request) {
		return request.bodyToMono(byte[].class)
			.map((body) -> body.length)
			.defaultIfEmpty(0)
			.flatMap((length) -> ServerResponse.ok().bodyValue(servedBy(request) + " length=" + length));
	}

	private Mono<ServerResponse> slow(ServerRequest request) {
		ServedBy servedBy = servedBy(request);
		SLOW_REQUESTS.add(servedBy);
		long millis = Long.parseLong(request.queryParam("millis").orElse("2000"));
		return Mono.delay(Duration.ofMillis(millis)).then(ServerResponse.ok().bodyValue(servedBy.toString()));
	}

	/**
	 * Block the event loop that serves the request, on purpose and for a bounded time, so
	 * that its listener stops accepting while the others go on.
	 */
	private Mono<ServerResponse> block(ServerRequest request) {
		ServedBy servedBy = servedBy(request);
		BLOCKING_REQUESTS.add(servedBy);
		long millis = Math.min(Long.parseLong(request.queryParam("millis").orElse("2000")), 10_000);
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return ServerResponse.ok().bodyValue(servedBy.toString());
	}

	private static ServedBy servedBy(ServerRequest request) {
		int listener = ReuseportRequests.listenerIndex(request.exchange().getRequest()).orElse(-1);
		return new ServedBy(listener, Thread.currentThread().getName());
	}

}
