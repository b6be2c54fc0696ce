package dev.reuseport.server;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import dev.reuseport.test.RawHttp;
import dev.reuseport.test.TestServers;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ReuseportRequests}.
 */
class ReuseportRequestsTests {

	@Test
	void listenerIndexOfAConnectionNamesTheListenerThatAcceptedIt() {
		ReuseportWebServer server = TestServers.start(3, ReuseportRequestsTests::answerListenerIndex);
		try {
			Map<Integer, Integer> answers = new HashMap<>();
			for (int i = 0; i < 60; i++) {
				String[] answer = RawHttp.get(server.getPort(), "/").body().split(" ");
				int index = Integer.parseInt(answer[0]);
				// Each listener serves its connections on its own loop thread
				assertThat(answer[1]).isEqualTo(ReuseportListener.THREAD_NAME_PREFIX + index);
				answers.merge(index, 1, Integer::sum);
			}
			// The listeners count their accepted connections apart from the attribute
			// that the index is read from
			await().atMost(Duration.ofSeconds(5))
				.untilAsserted(() -> assertThat(server.getListeners())
					.allSatisfy((listener) -> assertThat(listener.acceptedConnections())
						.isEqualTo(answers.getOrDefault(listener.index(), 0).longValue())));
			assertThat(answers).hasSizeGreaterThan(1);
		}
		finally {
			server.stop();
		}
	}

	@Test
	void listenerIndexOfAConnectionIsEmptyOutsideAReuseportServer() {
		DisposableServer server = HttpServer.create()
			.host("127.0.0.1")
			.port(0)
			.handle(ReuseportRequestsTests::answerListenerIndex)
			.bindNow();
		try {
			assertThat(RawHttp.get(server.port(), "/").body()).startsWith("-1 ");
		}
		finally {
			server.disposeNow();
		}
	}

	private static Mono<Void> answerListenerIndex(HttpServerRequest request, HttpServerResponse response) {
		StringBuilder answer = new StringBuilder();
		request.withConnection((connection) -> answer.append(ReuseportRequests.listenerIndex(connection).orElse(-1)));
		return response.sendString(Mono.just(answer + " " + Thread.currentThread().getName())).then();
	}

}
