package dev.reuseport.server;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.HttpHandler;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The handler of the servers that
 * {@link ReuseportNettyReactiveWebServerFactoryContractTests} and
 * {@link ReuseportNettyReactiveWebServerFactoryShutdownContractTests} start:
 * <ul>
 * <li>{@code /echo} answers with the request body;</li>
 * <li>{@code /chars?size=N&type=T} answers with N {@code F} characters of content type T,
 * for the compression checks;</li>
 * <li>{@code /uri} answers with the URI of the request, as forwarded headers make
 * it;</li>
 * <li>{@code /hold} holds the request until the test releases it, then answers
 * {@code held on <listener>};</li>
 * <li>any other path answers {@code handled}.</li>
 * </ul>
 */
final class ContractHandler implements HttpHandler {

	private final BlockingQueue<Held> arrived = new LinkedBlockingQueue<>();

	private final ConcurrentLinkedQueue<Held> all = new ConcurrentLinkedQueue<>();

	@Override
	public Mono<Void> handle(ServerHttpRequest request, ServerHttpResponse response) {
		return switch (request.getPath().value()) {
			case "/echo" -> response.writeWith(request.getBody());
			case "/chars" -> chars(request, response);
			case "/uri" -> answer(response, request.getURI().toString());
			case "/hold" -> hold(request, response);
			default -> answer(response, "handled");
		};
	}

	private Mono<Void> chars(ServerHttpRequest request, ServerHttpResponse response) {
		int size = Integer.parseInt(request.getQueryParams().getFirst("size"));
		// Set as it comes, so that an invalid content type reaches the server as such
		response.getHeaders().set(HttpHeaders.CONTENT_TYPE, request.getQueryParams().getFirst("type"));
		return answer(response, "F".repeat(size));
	}

	private Mono<Void> hold(ServerHttpRequest request, ServerHttpResponse response) {
		int listener = ReuseportRequests.listenerIndex(request).orElse(-1);
		Held held = new Held(listener, Sinks.empty());
		this.all.add(held);
		this.arrived.add(held);
		return held.sink().asMono().then(Mono.defer(() -> answer(response, "held on " + listener)));
	}

	private static Mono<Void> answer(ServerHttpResponse response, String body) {
		byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
		response.getHeaders().setContentLength(bytes.length);
		return response.writeWith(Mono.just(DefaultDataBufferFactory.sharedInstance.wrap(bytes)));
	}

	/**
	 * Wait for the next request to {@code /hold}.
	 * @param timeout how long to wait
	 * @return the held request
	 * @throws InterruptedException if interrupted
	 */
	Held awaitHeld(Duration timeout) throws InterruptedException {
		Held held = this.arrived.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
		assertThat(Optional.ofNullable(held)).as("held request arrived").isPresent();
		return held;
	}

	/**
	 * Release every request held so far.
	 */
	void releaseAll() {
		this.all.forEach(Held::release);
	}

	/**
	 * A request to {@code /hold}, waiting for its release.
	 *
	 * @param listener the listener that accepted its connection
	 * @param sink completes to let it answer
	 */
	record Held(int listener, Sinks.Empty<Void> sink) {

		/**
		 * Let the request answer.
		 */
		void release() {
			this.sink.tryEmitEmpty();
		}

	}

}
