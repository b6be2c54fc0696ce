package dev.reuseport.bench.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The WebFlux application behind every JVM server but C: {@code GET /} answers a short
 * plain-text body, and {@link LoopController} serves the stalled-loop scenario. A runs it
 * with {@code --reuseport.enabled=false} (Spring Boot's own Reactor Netty server), B with
 * the starter's defaults and B0 with {@code --reuseport.metrics.enabled=false}; J and T
 * run it on Spring Boot's Jetty and Tomcat servers, with their jars on the class path
 * instead of the Reactor Netty server's and the starter's. {@code --bench.backlog=N} sets
 * the listen backlog of every listening socket, whichever the server
 * ({@link NettyBacklogConfiguration}, {@link JettyBacklogConfiguration},
 * {@link TomcatBacklogConfiguration}), and {@code --bench.backend-url=URL} the backend
 * that {@link ProxyController} calls.
 */
@SpringBootApplication
public class BenchApplication {

	@Bean
	ListenerLoops listenerLoops() {
		return new ListenerLoops();
	}

	@Bean
	ProxyLoops proxyLoops() {
		return new ProxyLoops();
	}

	public static void main(String[] args) {
		SpringApplication.run(BenchApplication.class, args);
	}

}
