package dev.reuseport.bench.webflux;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

/**
 * The WebFlux application behind servers A, B and B0: one handler, {@code GET /}, that
 * answers a short plain-text body. A runs it with {@code --reuseport.enabled=false}
 * (Spring Boot's own Reactor Netty server), B with the starter's defaults and B0 with
 * {@code --reuseport.metrics.enabled=false}.
 */
@SpringBootApplication
public class BenchApplication {

	public static void main(String[] args) {
		SpringApplication.run(BenchApplication.class, args);
	}

}
