package dev.reuseport.bench.webflux;

import reactor.core.publisher.Mono;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.reactive.function.client.WebClient;
import org.springframework.web.server.ResponseStatusException;

/**
 * The proxy scenario's routes, in the bench app only: {@code GET /proxy} calls the
 * backend that {@code --bench.backend-url} names through a client built from the
 * application's auto-configured {@link WebClient.Builder}, as a WebFlux service calls
 * another, and answers the backend's body; {@code GET /proxy/loops} gives the
 * {@link ProxyLoops} counts.
 */
@RestController
class ProxyController {

	private final WebClient client;

	private final String backendUrl;

	private final ProxyLoops loops;

	ProxyController(WebClient.Builder builder, @Value("${bench.backend-url:}") String backendUrl, ProxyLoops loops) {
		this.client = builder.build();
		this.backendUrl = backendUrl;
		this.loops = loops;
	}

	@GetMapping(path = "/proxy", produces = MediaType.TEXT_PLAIN_VALUE)
	Mono<String> proxy() {
		if (this.backendUrl.isEmpty()) {
			return Mono.error(new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE,
					"No backend: start the bench app with --bench.backend-url=http://127.0.0.1:PORT/"));
		}
		// An annotated handler runs on the loop that received the request; the body
		// arrives on the loop of the client connection that carried the call
		Thread inbound = Thread.currentThread();
		return this.client.get().uri(this.backendUrl).retrieve().bodyToMono(String.class).map((body) -> {
			this.loops.record(inbound, Thread.currentThread());
			return body;
		});
	}

	@GetMapping(path = "/proxy/loops", produces = MediaType.TEXT_PLAIN_VALUE)
	String loops() {
		return this.loops.counts();
	}

}
