package dev.reuseport.server;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.TestHttpClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.context.ConfigurableApplicationContext;

import static dev.reuseport.test.TestApplication.port;
import static dev.reuseport.test.TestApplication.webServer;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Integration tests for {@link ConnectionDrain} and {@link KeepAliveDrainHandler}: how a
 * graceful shutdown ends a connection, seen from real clients on real sockets, with
 * Reactor Netty's own pipeline and request lifecycle. None of them waits for the idle
 * grace period: {@link ConnectionDrainTests} and {@link KeepAliveDrainHandlerTests} time
 * it exactly on a controllable clock.
 */
@Timeout(value = 1, unit = TimeUnit.MINUTES)
class ConnectionDrainIntegrationTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	@Test
	void requestSentOnAnIdleKeptAliveConnectionDuringTheDrainIsAnsweredWithConnectionClose() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=2")) {
			int port = port(context);
			try (Socket socket = RawHttp.connect(port)) {
				RawHttp.send(socket, "/whoami", false);
				assertThat(RawHttp.read(socket).header("connection")).as("kept alive before the drain").isNull();
				long start = System.nanoTime();
				CompletableFuture<GracefulShutdownResult> result = shutDownGracefully(context);
				awaitRefused(port);
				RawHttp.send(socket, "/whoami", false);
				Response response = RawHttp.read(socket);
				assertThat(response.status()).isEqualTo(200);
				assertThat(ServedBy.parse(response.body()).onOwnLoop()).isTrue();
				assertThat(response.header("connection")).isEqualTo("close");
				assertThat(socket.getInputStream().read()).as("end of stream").isEqualTo(-1);
				assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
				assertThat(Duration.ofNanos(System.nanoTime() - start)).as("drain time")
					.isLessThan(ReuseportWebServer.IDLE_GRACE);
			}
		}
	}

	@Test
	void stopCutsADrainShortAndClosesTheConnectionsLeft() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=2")) {
			try (Socket idle = RawHttp.connect(port(context))) {
				RawHttp.send(idle, "/whoami", false);
				RawHttp.read(idle);
				long start = System.nanoTime();
				CompletableFuture<GracefulShutdownResult> result = shutDownGracefully(context);
				webServer(context).stop();
				assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS))
					.isEqualTo(GracefulShutdownResult.REQUESTS_ACTIVE);
				assertThat(endOfStream(idle)).isEqualTo(-1);
				assertThat(Duration.ofNanos(System.nanoTime() - start)).as("stop time")
					.isLessThan(ReuseportWebServer.IDLE_GRACE);
			}
		}
	}

	@Test
	void stopWithoutADrainClosesIdleConnectionsAtOnceAndWaitsForTheRequestsInFlight() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=2")) {
			TestApplication.SLOW_REQUESTS.clear();
			try (Socket idle = RawHttp.connect(port(context)); Socket busy = RawHttp.connect(port(context))) {
				RawHttp.send(idle, "/whoami", false);
				RawHttp.read(idle);
				// Still in flight when the idle connection closes, on a busy machine too
				RawHttp.send(busy, "/slow?millis=5000", false);
				awaitSlowRequest();
				CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> webServer(context).stop());
				assertThat(endOfStream(idle)).isEqualTo(-1);
				assertThat(busy.getInputStream().available()).as("response bytes when the idle connection closed")
					.isZero();
				assertThat(stopped).isNotDone();
				assertThat(RawHttp.read(busy).status()).isEqualTo(200);
				assertThat(endOfStream(busy)).isEqualTo(-1);
				stopped.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			}
		}
	}

	@Test
	void http2StreamInFlightCompletesAndItsConnectionClosesWithoutWaitingForTheGracePeriod() throws Exception {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=2",
				"server.http2.enabled=true")) {
			TestApplication.SLOW_REQUESTS.clear();
			ConnectionProvider provider = ConnectionProvider.create("drain-h2", 1);
			try {
				CompletableFuture<String> answer = TestHttpClients.http2(provider, false)
					.get()
					.uri("http://127.0.0.1:" + port(context) + "/slow?millis=1000")
					.responseSingle((response, body) -> body.asString()
						.map((text) -> response.status().code() + " " + response.version() + " " + text))
					.toFuture();
				awaitSlowRequest();
				long start = System.nanoTime();
				CompletableFuture<GracefulShutdownResult> result = shutDownGracefully(context);
				assertThat(answer.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).startsWith("200 HTTP/2.0 listener=");
				assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
				assertThat(Duration.ofNanos(System.nanoTime() - start)).as("drain time")
					.isLessThan(ReuseportWebServer.IDLE_GRACE);
			}
			finally {
				provider.disposeLater().onErrorResume((ex) -> Mono.empty()).block(TIMEOUT);
			}
		}
	}

	private static CompletableFuture<GracefulShutdownResult> shutDownGracefully(
			ConfigurableApplicationContext context) {
		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		webServer(context).shutDownGracefully(result::complete);
		return result;
	}

	private static void awaitSlowRequest() throws InterruptedException {
		assertThat(TestApplication.SLOW_REQUESTS.poll(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).as("slow request arrived")
			.isNotNull();
	}

	private static void awaitRefused(int port) {
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThatExceptionOfType(ConnectException.class)
				.isThrownBy(() -> RawHttp.connect(port).close()));
	}

	private static int endOfStream(Socket socket) throws IOException {
		socket.setSoTimeout((int) ReuseportWebServer.IDLE_GRACE.plus(TIMEOUT).toMillis());
		InputStream in = socket.getInputStream();
		return in.read();
	}

}
