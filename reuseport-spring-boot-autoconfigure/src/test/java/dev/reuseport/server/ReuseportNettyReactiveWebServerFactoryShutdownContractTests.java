package dev.reuseport.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.Socket;
import java.net.SocketException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.reuseport.server.ContractHandler.Held;
import dev.reuseport.test.ListeningSockets;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.web.server.GracefulShutdownResult;
import org.springframework.boot.web.server.Shutdown;
import org.springframework.boot.web.server.WebServer;

import static dev.reuseport.server.ContractServers.LISTENERS;
import static dev.reuseport.server.ContractServers.TIMEOUT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Checks the shutdown part of Spring Boot's contract of a reactive web server factory, as
 * Spring Boot's {@code AbstractReactiveWebServerFactoryTests} and
 * {@code NettyReactiveWebServerFactoryTests} define it, against
 * {@link ReuseportNettyReactiveWebServerFactory}, on every listener of each server (see
 * {@link EveryListener}), with requests in flight on every listener where it matters. It
 * covers:
 * <ul>
 * <li>an immediate shutdown, whose callback reports {@code IMMEDIATE} at once and which
 * leaves the server serving until it stops;</li>
 * <li>a graceful shutdown of an idle server, which reports {@code IDLE} without waiting
 * for the idle grace period;</li>
 * <li>a graceful shutdown with requests in flight, which refuses new connections, lets
 * the requests of every listener complete and reports {@code IDLE} only once the last one
 * has;</li>
 * <li>a stop that cuts a graceful shutdown short: the callback reports
 * {@code REQUESTS_ACTIVE}, the stop completes and closes the connections of the requests
 * in flight;</li>
 * <li>a stop while requests never complete, which returns within the lifecycle
 * timeout.</li>
 * </ul>
 * How a drain ends each connection is checked by {@link ConnectionDrainIntegrationTests}.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ReuseportNettyReactiveWebServerFactoryShutdownContractTests {

	private final ContractServers servers = new ContractServers();

	@AfterEach
	void stopServersAndCloseConnections() throws IOException {
		this.servers.close();
	}

	@Test
	void immediateShutdownReportsImmediateAndLeavesEveryListenerServing() {
		WebServer server = this.servers.start(factory(Shutdown.IMMEDIATE));
		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		server.shutDownGracefully(result::complete);
		assertThat(result).isCompletedWithValue(GracefulShutdownResult.IMMEDIATE);
		EveryListener.check(server, () -> assertThat(RawHttp.get(server.getPort(), "/").body()).isEqualTo("handled"));
	}

	@Test
	void gracefulShutdownOfAnIdleServerReportsIdleWithoutWaitingForTheIdleGrace() throws Exception {
		WebServer server = this.servers.start(factory(Shutdown.GRACEFUL));
		int port = server.getPort();
		EveryListener.check(server, () -> RawHttp.get(port, "/"));
		long start = System.nanoTime();
		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		server.shutDownGracefully(result::complete);
		assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).as("shutdown time")
			.isLessThan(ReuseportWebServer.IDLE_GRACE);
		assertThat(ListeningSockets.count(port)).isZero();
	}

	@Test
	void gracefulShutdownWaitsForTheRequestsInFlightOnEveryListenerBeforeReportingIdle() throws Exception {
		WebServer server = this.servers.start(factory(Shutdown.GRACEFUL));
		int port = server.getPort();
		Map<Integer, List<HeldRequest>> held = holdRequestsOnEveryListener(server);
		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		server.shutDownGracefully(result::complete);
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThatExceptionOfType(ConnectException.class)
				.isThrownBy(() -> RawHttp.connect(port).close()));
		for (int listener = 0; listener < LISTENERS; listener++) {
			// Until the requests of the last listener complete, some remain in flight
			await("shutdown still waiting for the requests of listener " + listener).during(Duration.ofMillis(300))
				.atMost(TIMEOUT)
				.until(() -> !result.isDone());
			for (HeldRequest request : held.get(listener)) {
				request.held().release();
				Response response = RawHttp.read(request.socket());
				assertThat(response.status()).isEqualTo(200);
				assertThat(response.body()).isEqualTo("held on " + listener);
			}
		}
		assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.IDLE);
	}

	@Test
	void stopCutsAGracefulShutdownShortWithRequestsActiveAndClosesTheirConnections() throws Exception {
		WebServer server = this.servers.start(factory(Shutdown.GRACEFUL));
		Map<Integer, List<HeldRequest>> held = holdRequestsOnEveryListener(server);
		CompletableFuture<GracefulShutdownResult> result = new CompletableFuture<>();
		server.shutDownGracefully(result::complete);
		await("shutdown waiting for the requests").during(Duration.ofMillis(300))
			.atMost(TIMEOUT)
			.until(() -> !result.isDone());
		long start = System.nanoTime();
		server.stop();
		assertThat(result.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS)).isEqualTo(GracefulShutdownResult.REQUESTS_ACTIVE);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).as("stop time")
			.isLessThan(ReuseportWebServer.IDLE_GRACE);
		assertClosedWithoutAResponse(held);
	}

	@Test
	void stopWhileRequestsNeverCompleteOnEveryListenerReturnsWithinTheLifecycleTimeout() throws Exception {
		ReuseportNettyReactiveWebServerFactory factory = factory(Shutdown.IMMEDIATE);
		// Far below the 10 s that a stop waits for requests without a lifecycle timeout
		factory.setLifecycleTimeout(Duration.ofSeconds(1));
		WebServer server = this.servers.start(factory);
		int port = server.getPort();
		Map<Integer, List<HeldRequest>> held = holdRequestsOnEveryListener(server);
		long start = System.nanoTime();
		server.stop();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).as("stop time").isLessThan(Duration.ofSeconds(5));
		assertThat(ListeningSockets.count(port)).isZero();
		assertClosedWithoutAResponse(held);
	}

	private static ReuseportNettyReactiveWebServerFactory factory(Shutdown shutdown) {
		ReuseportNettyReactiveWebServerFactory factory = ContractServers.factory();
		factory.setShutdown(shutdown);
		return factory;
	}

	/**
	 * Send requests that the handler holds until every listener has at least one in
	 * flight.
	 */
	private Map<Integer, List<HeldRequest>> holdRequestsOnEveryListener(WebServer server) {
		Map<Integer, List<HeldRequest>> held = new TreeMap<>();
		EveryListener.check(server, () -> {
			Socket socket = this.servers.track(RawHttp.connect(server.getPort()));
			RawHttp.send(socket, "/hold", false);
			Held request = this.servers.handler().awaitHeld(TIMEOUT);
			held.computeIfAbsent(request.listener(), (listener) -> new ArrayList<>())
				.add(new HeldRequest(socket, request));
		});
		assertThat(held).containsOnlyKeys(0, 1, 2);
		return held;
	}

	private static void assertClosedWithoutAResponse(Map<Integer, List<HeldRequest>> held) throws IOException {
		for (HeldRequest request : held.values().stream().flatMap(List::stream).toList()) {
			try {
				assertThat(request.socket().getInputStream().read()).as("end of stream").isEqualTo(-1);
			}
			catch (SocketException ex) {
				// Reset: closed as well
			}
		}
	}

	/**
	 * A request that the handler holds, and the connection that waits for its response.
	 *
	 * @param socket the connection
	 * @param held the request
	 */
	private record HeldRequest(Socket socket, Held held) {

	}

}
