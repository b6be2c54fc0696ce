package dev.reuseport.server;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

import dev.reuseport.test.TestHttpClients;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestApplication;
import io.netty.handler.codec.http3.Http3ClientConnectionHandler;
import io.netty.handler.codec.quic.QuicChannel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link Http3Drain}: the graceful shutdown of a server's HTTP/3
 * listeners, alone, while a second server that joins the port waits to take HTTP/3 over,
 * and once a second server has taken the TCP listening sockets over the handover socket,
 * seen by Reactor Netty's HTTP/3 client.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class Http3DrainIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(20);

	@Test
	void gracefulShutdownSendsGoAwayFinishesRequestsInFlightAndRefusesNewConnections() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication
			.run(ReuseportWebServerHttp3IntegrationTests.HTTP3)) {
			ReuseportWebServer server = TestApplication.webServer(context);
			try (Client client = new Client(server.getPort())) {
				TestApplication.SLOW_REQUESTS.clear();
				CompletableFuture<String> slow = client.get("/slow?millis=1500").toFuture();
				assertThat(TestApplication.SLOW_REQUESTS.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
				CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
				server.shutDownGracefully(result::complete);
				await().atMost(TIMEOUT).until(client::goAwayReceived);
				assertThat(slow).isNotDone();
				// New connections are refused while the old ones drain
				try (Client late = new Client(server.getPort())) {
					// Closed as its handshake completes, rather than left to time out
					assertThatException().isThrownBy(() -> late.get("/whoami").block(TIMEOUT))
						.withMessageContaining("Connection prematurely closed");
				}
				assertThat(slow.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).startsWith("listener=");
				assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
				assertThat(server.getHttp3().listeners()).allSatisfy((listener) -> {
					assertThat(listener.openConnections()).isZero();
					assertThat(listener.acceptedConnections()).isLessThanOrEqualTo(1);
				});
			}
		}
	}

	@Test
	void aServerThatJoinsThePortServesHttp3OnceTheOldOneHasDrained() throws Exception {
		try (ConfigurableApplicationContext old = TestApplication.run(ReuseportWebServerHttp3IntegrationTests.HTTP3)) {
			ReuseportWebServer oldServer = TestApplication.webServer(old);
			int port = oldServer.getPort();
			try (Client client = new Client(port)) {
				assertThat(client.get("/whoami").block(TIMEOUT)).startsWith("listener=");
				try (ConfigurableApplicationContext replacement = TestApplication
					.run(http3With("server.port=" + port, "reuseport.join-existing=true"))) {
					ReuseportWebServer newServer = TestApplication.webServer(replacement);
					// It waits rather than share the port: the old connections keep their
					// socket, and nothing advertises an HTTP/3 port that cannot take them
					assertThat(newServer.getHttp3().serving()).isFalse();
					assertThat(newServer.getHttp3().unavailable()).startsWith("HTTP/3 waits for UDP port " + port);
					for (int i = 0; i < 10; i++) {
						assertThat(client.get("/whoami").block(TIMEOUT)).startsWith("listener=");
					}
					CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
					oldServer.shutDownGracefully(result::complete);
					await().atMost(TIMEOUT).until(client::goAwayReceived);
					client.close();
					assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
						.isEqualTo(GracefulShutdownResult.IDLE);
					old.close();
					await().atMost(TIMEOUT).until(() -> newServer.getHttp3().serving());
					try (Client next = new Client(port)) {
						ServedBy servedBy = ServedBy.parse(next.get("/whoami").block(TIMEOUT));
						assertThat(newServer.getHttp3().listeners().get(servedBy.listener()).acceptedConnections())
							.isOne();
					}
				}
			}
		}
	}

	@Test
	void aServerThatTakesTheListeningSocketsOverServesHttp3OnceTheOldOneHasDrained(@TempDir Path directory)
			throws Exception {
		// Both stay up after the handover: the test closes the old application, as
		// reuseport.handover.exit has a process of its own do
		String handover = "reuseport.handover.socket=" + directory.resolve("handover.sock");
		try (ConfigurableApplicationContext old = TestApplication
			.run(http3With(handover, "reuseport.handover.exit=false"))) {
			ReuseportWebServer oldServer = TestApplication.webServer(old);
			int port = oldServer.getPort();
			try (Client client = new Client(port)) {
				ServedBy first = ServedBy.parse(client.get("/whoami").block(TIMEOUT));
				try (ConfigurableApplicationContext replacement = TestApplication
					.run(http3With(handover, "server.port=" + port, "reuseport.handover.exit=false"))) {
					ReuseportWebServer newServer = TestApplication.webServer(replacement);
					assertThat(newServer.getHandoversReceived()).isOne();
					await().atMost(TIMEOUT)
						.untilAsserted(() -> assertThat(oldServer.getListeners()).noneMatch(ReuseportListener::isOpen));
					// TCP is the new server's at once; HTTP/3 stays with the old one, on
					// its
					// UDP sockets, and the new one advertises none until it serves it
					assertThat(newServer.getHttp3().serving()).isFalse();
					assertThat(newServer.getHttp3().unavailable()).startsWith("HTTP/3 waits for UDP port " + port);
					assertThat(ReuseportWebServerHttp3IntegrationTests.altSvcOverHttp11(port)).isNull();
					ServedBy again = ServedBy.parse(client.get("/whoami").block(TIMEOUT));
					assertThat(again.listener()).isEqualTo(first.listener());
					assertThat(oldServer.getHttp3().listeners().get(first.listener()).openConnections()).isOne();
					TestApplication.SLOW_REQUESTS.clear();
					CompletableFuture<String> slow = client.get("/slow?millis=1500").toFuture();
					assertThat(TestApplication.SLOW_REQUESTS.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isNotNull();
					CompletableFuture<Void> closed = CompletableFuture.runAsync(old::close);
					await().atMost(TIMEOUT).until(client::goAwayReceived);
					assertThat(slow.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).startsWith("listener=");
					client.close();
					closed.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
					await().atMost(TIMEOUT).until(() -> newServer.getHttp3().serving());
					assertThat(ReuseportWebServerHttp3IntegrationTests.altSvcOverHttp11(port))
						.isEqualTo("h3=\":" + port + "\"; ma=86400");
					try (Client next = new Client(port)) {
						ServedBy servedBy = ServedBy.parse(next.get("/whoami").block(TIMEOUT));
						assertThat(newServer.getHttp3().listeners().get(servedBy.listener()).acceptedConnections())
							.isOne();
					}
				}
			}
		}
	}

	private static String[] http3With(String... properties) {
		return Stream.concat(Stream.of(ReuseportWebServerHttp3IntegrationTests.HTTP3), Stream.of(properties))
			.toArray(String[]::new);
	}

	/**
	 * One HTTP/3 connection, on a pool of its own, and the QUIC channel that carries it.
	 */
	private static final class Client implements AutoCloseable {

		private final ConnectionProvider pool = ConnectionProvider.create("h3-drain", 1);

		private final AtomicReference<QuicChannel> connection = new AtomicReference<>();

		private final HttpClient client;

		Client(int port) {
			this.client = TestHttpClients.client(HttpProtocol.HTTP3, this.pool)
				.baseUrl("https://127.0.0.1:" + port)
				.doOnConnected((stream) -> this.connection.set((QuicChannel) stream.channel().parent()));
		}

		reactor.core.publisher.Mono<String> get(String path) {
			return this.client.get().uri(path).responseSingle((response, body) -> body.asString());
		}

		boolean goAwayReceived() {
			QuicChannel connection = this.connection.get();
			Http3ClientConnectionHandler handler = (connection != null)
					? connection.pipeline().get(Http3ClientConnectionHandler.class) : null;
			return handler != null && handler.isGoAwayReceived();
		}

		@Override
		public void close() {
			this.pool.disposeLater().block(TIMEOUT);
		}

	}

}
