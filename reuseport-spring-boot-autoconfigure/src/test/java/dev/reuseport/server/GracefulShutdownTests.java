package dev.reuseport.server;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.reuseport.test.RawHttp;
import dev.reuseport.test.TestServers;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

import org.springframework.boot.web.server.GracefulShutdownResult;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link GracefulShutdown}.
 */
class GracefulShutdownTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@Test
	void reportsIdleOnceEveryListenerIsClosedAndDrained() throws Exception {
		ReuseportWebServer server = TestServers.start(2);
		try {
			assertThat(RawHttp.get(server.getPort(), "/").body()).isEqualTo("ok");
			CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
			new GracefulShutdown(server.group(), Duration.ofMillis(100)).shutDownGracefully(result::complete,
					CompletableFuture.completedFuture(null));
			assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
			assertThat(server.getListeners()).noneMatch(ReuseportListener::isOpen);
		}
		finally {
			server.stop();
		}
	}

	@Test
	void abortReportsRequestsActiveWhileARequestIsInFlight() throws Exception {
		CountDownLatch received = new CountDownLatch(1);
		ReuseportWebServer server = TestServers.start(1, (request, response) -> {
			received.countDown();
			return response.sendString(Mono.delay(Duration.ofSeconds(30)).thenReturn("late"));
		});
		try (Socket socket = RawHttp.connect(server.getPort())) {
			RawHttp.send(socket, "/", true);
			assertThat(received.await(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isTrue();
			CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
			GracefulShutdown gracefulShutdown = new GracefulShutdown(server.group(), Duration.ofMillis(100));
			gracefulShutdown.shutDownGracefully(result::complete, CompletableFuture.completedFuture(null));
			// The request holds the drain open, well past the idle grace, until the
			// shutdown is aborted
			await().during(Duration.ofMillis(500)).atMost(TIMEOUT).until(() -> !result.isDone());
			gracefulShutdown.abort();
			assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
				.isEqualTo(GracefulShutdownResult.REQUESTS_ACTIVE);
		}
		finally {
			server.stop();
		}
	}

}
