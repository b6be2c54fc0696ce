package dev.reuseport.bench.webflux;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.context.annotation.Bean;

/**
 * The WebFlux application behind servers A, B and B0: {@code GET /} answers a short
 * plain-text body, and {@link LoopController} serves the stalled-loop scenario. A runs it
 * with {@code --reuseport.enabled=false} (Spring Boot's own Reactor Netty server), B with
 * the starter's defaults and B0 with {@code --reuseport.metrics.enabled=false}.
 * {@code --bench.backlog=N} sets the listen backlog of every listening socket, and
 * {@code --bench.backend-url=URL} the backend that {@link ProxyController} calls.
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

	@Bean
	BenchServerCustomizer benchServerCustomizer(@Value("${bench.backlog:0}") int backlog, ListenerLoops listenerLoops) {
		return new BenchServerCustomizer(backlog, listenerLoops);
	}

	public static void main(String[] args) {
		SpringApplication.run(BenchApplication.class, args);
	}

}
