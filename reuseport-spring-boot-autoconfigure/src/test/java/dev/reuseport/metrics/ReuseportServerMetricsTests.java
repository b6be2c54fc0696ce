package dev.reuseport.metrics;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import dev.reuseport.server.ConnectionBalancing;
import dev.reuseport.server.ListenerTransport;
import dev.reuseport.server.ReuseportListener;
import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.server.StallReliefSettings;
import dev.reuseport.test.KeepAliveConnections;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestServers;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.web.server.Shutdown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ReuseportServerMetrics}.
 */
class ReuseportServerMetricsTests {

	private static final Duration WINDOW = Duration.ofMinutes(1);

	private final MeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void shouldRegisterTheMetersOfEachListenerTaggedWithListenerAndPort() {
		ReuseportWebServer server = TestServers.start(2);
		try {
			String port = String.valueOf(server.getPort());
			new ReuseportServerMetrics(server, WINDOW).bindTo(this.registry);
			for (String name : List.of(ReuseportMeters.CONNECTIONS_ACTIVE, ReuseportMeters.CONNECTIONS_SERVED,
					ReuseportMeters.CONNECTIONS_ACCEPTED, ReuseportMeters.HANDOFFS, ReuseportMeters.REQUESTS,
					ReuseportMeters.ACCEPT_QUEUE, ReuseportMeters.ACCEPT_QUEUE_LIMIT, ReuseportMeters.STALLS,
					ReuseportMeters.LOOP_BLOCKED, ReuseportMeters.WITHDRAWN)) {
				assertThat(this.registry.find(name).meters()).as(name)
					.extracting((meter) -> meter.getId().getTag("listener") + ":" + meter.getId().getTag("port"))
					.containsExactlyInAnyOrder("0:" + port, "1:" + port);
			}
			for (String name : List.of(ReuseportMeters.IMBALANCE, ReuseportMeters.ACTIVE_IMBALANCE)) {
				assertThat(this.registry.get(name).gauge().getId().getTags()).as(name)
					.singleElement()
					.satisfies((tag) -> assertThat(tag.getKey() + "=" + tag.getValue()).isEqualTo("port=" + port));
			}
		}
		finally {
			server.stop();
		}
	}

	@Test
	void shouldRegisterEachMeterWithItsReleasedTypeAndDescription() {
		ReuseportWebServer server = TestServers.start(1);
		try {
			new ReuseportServerMetrics(server, WINDOW).bindTo(this.registry);
			assertMeter(ReuseportMeters.CONNECTIONS_ACTIVE, Meter.Type.GAUGE,
					"Open TCP connections accepted by the listener");
			assertMeter(ReuseportMeters.CONNECTIONS_SERVED, Meter.Type.GAUGE,
					"Open TCP connections served on the listener's event loop, whichever listener accepted them");
			assertMeter(ReuseportMeters.CONNECTIONS_ACCEPTED, Meter.Type.COUNTER,
					"TCP connections accepted by the listener");
			assertMeter(ReuseportMeters.REQUESTS, Meter.Type.COUNTER,
					"HTTP requests received on connections the listener accepted, HTTP/2 streams included");
			assertMeter(ReuseportMeters.ACCEPT_QUEUE, Meter.Type.GAUGE,
					"Connections waiting in the listener's accept queue (TCP_INFO tcpi_unacked)");
			assertMeter(ReuseportMeters.ACCEPT_QUEUE_LIMIT, Meter.Type.GAUGE,
					"Backlog of the listener's accept queue (TCP_INFO tcpi_sacked)");
			assertMeter(ReuseportMeters.IMBALANCE, Meter.Type.GAUGE,
					"Spread of the connections accepted over the recent window across listeners, "
							+ "as (max - min) / mean; 0 when balanced or idle");
			assertMeter(ReuseportMeters.HANDOFFS, Meter.Type.COUNTER,
					"TCP connections accepted by the listener and served on another listener's event loop");
			assertMeter(ReuseportMeters.STALLS, Meter.Type.COUNTER,
					"Stalls of the listener's event loop that withdrew the listener from the port");
			assertMeter(ReuseportMeters.LOOP_BLOCKED, Meter.Type.COUNTER,
					"Stalls of the listener's event loop detected by the watchdog, withdrawn or not");
			assertMeter(ReuseportMeters.WITHDRAWN, Meter.Type.GAUGE,
					"1 while the listener is withdrawn from the port because its event loop is stalled");
			assertMeter(ReuseportMeters.ACTIVE_IMBALANCE, Meter.Type.GAUGE,
					"Spread of the open connections across event loops now, as (max - min - 1) / mean and at least 0; "
							+ "0 when balanced or idle, or with one connection open");
			assertMeter(ReuseportMeters.HANDOVERS, Meter.Type.COUNTER,
					"Handovers of the server's listening sockets between the processes of a restart: given to "
							+ "the process that replaced it, or received from the process it replaced");
		}
		finally {
			server.stop();
		}
	}

	@Test
	void shouldCountTheConnectionsAndRequestsOfTheServer() {
		ReuseportWebServer server = TestServers.start(2);
		try {
			new ReuseportServerMetrics(server, WINDOW).bindTo(this.registry);
			for (int i = 0; i < 3; i++) {
				assertThat(RawHttp.get(server.getPort(), "/").body()).isEqualTo("ok");
			}
			// The loop may count a request, and see its connection close, just after
			// the client has read the response
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
				assertThat(sum(ReuseportMeters.CONNECTIONS_ACCEPTED)).isEqualTo(3);
				assertThat(sum(ReuseportMeters.REQUESTS)).isEqualTo(3);
				assertThat(this.registry.find(ReuseportMeters.CONNECTIONS_ACTIVE).gauges())
					.allSatisfy((gauge) -> assertThat(gauge.value()).isZero());
			});
		}
		finally {
			server.stop();
		}
	}

	@Test
	void shouldCountTheHandoversGivenAndReceived(@TempDir Path directory) throws IOException {
		Path socket = directory.resolve("handover.sock");
		int port = TestServers.freePort();
		ReuseportWebServer old = TestServers.startHandingOver("old", port, socket, 2);
		ReuseportWebServer replacement = null;
		try {
			new ReuseportServerMetrics(old, WINDOW).bindTo(this.registry);
			SimpleMeterRegistry replacementRegistry = new SimpleMeterRegistry();
			replacement = TestServers.startHandingOver("new", port, socket, 2);
			new ReuseportServerMetrics(replacement, WINDOW).bindTo(replacementRegistry);
			await().atMost(Duration.ofSeconds(10))
				.untilAsserted(() -> assertThat(handovers(this.registry, "given")).isEqualTo(1));
			assertThat(handovers(this.registry, "received")).isZero();
			assertThat(handovers(replacementRegistry, "given")).isZero();
			assertThat(handovers(replacementRegistry, "received")).isEqualTo(1);
		}
		finally {
			old.stop();
			if (replacement != null) {
				replacement.stop();
			}
		}
	}

	private static double handovers(MeterRegistry registry, String direction) {
		return registry.get(ReuseportMeters.HANDOVERS)
			.tag(ReuseportMeters.DIRECTION_TAG, direction)
			.functionCounter()
			.count();
	}

	@Test
	void shouldReadNoActiveImbalanceWithOneConnectionOpenOnAnIdleServer() throws Exception {
		ReuseportWebServer server = TestServers.start(4);
		try (Socket scrape = RawHttp.connect(server.getPort())) {
			new ReuseportServerMetrics(server, WINDOW).bindTo(this.registry);
			// A keep-alive connection such as a Prometheus scrape's, open on one loop
			RawHttp.send(scrape, "/", false);
			assertThat(RawHttp.read(scrape).status()).isEqualTo(200);
			assertThat(server.getListeners().stream().mapToLong(ReuseportListener::servedConnections).sum())
				.isEqualTo(1);
			assertThat(this.registry.get(ReuseportMeters.ACTIVE_IMBALANCE).gauge().value()).isZero();
		}
		finally {
			server.stop();
		}
	}

	@Test
	void shouldCountEveryConnectionAndEveryHandoffExactly() {
		ReuseportWebServer server = TestServers.startServedBy(4, ConnectionBalancing.DEFAULT);
		try {
			new ReuseportServerMetrics(server, WINDOW).bindTo(this.registry);
			List<ServedBy> served = new ArrayList<>();
			for (int round = 0; round < 3; round++) {
				try (KeepAliveConnections open = KeepAliveConnections.open(server.getPort(), "/", 64)) {
					served.addAll(open.servedBy());
					long[] perLoop = server.getListeners()
						.stream()
						.mapToLong((listener) -> open.servedBy()
							.stream()
							.filter((servedBy) -> servedBy.thread().equals(listener.threadName()))
							.count())
						.toArray();
					long max = Arrays.stream(perLoop).max().orElseThrow();
					long min = Arrays.stream(perLoop).min().orElseThrow();
					double mean = 64.0 / perLoop.length;
					await().atMost(Duration.ofSeconds(5))
						.untilAsserted(
								() -> assertThat(this.registry.get(ReuseportMeters.ACTIVE_IMBALANCE).gauge().value())
									.isCloseTo(Math.max(0, max - min - 1) / mean, within(1e-9)));
					// Each loop's served gauge counts the connections whose responses
					// named that loop's thread, whichever listener accepted them
					for (ReuseportListener listener : server.getListeners()) {
						assertThat(this.registry.get(ReuseportMeters.CONNECTIONS_SERVED)
							.tag(ReuseportMeters.LISTENER_TAG, String.valueOf(listener.index()))
							.gauge()
							.value()).as("connections served on %s", listener).isEqualTo(perLoop[listener.index()]);
					}
				}
				for (int i = 0; i < 50; i++) {
					served.add(ServedBy.parse(RawHttp.get(server.getPort(), "/").body()));
				}
			}
			await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
				assertThat(this.registry.find(ReuseportMeters.CONNECTIONS_ACTIVE).gauges())
					.allSatisfy((gauge) -> assertThat(gauge.value()).isZero());
				assertThat(this.registry.find(ReuseportMeters.CONNECTIONS_SERVED).gauges())
					.allSatisfy((gauge) -> assertThat(gauge.value()).isZero());
				assertThat(this.registry.get(ReuseportMeters.ACTIVE_IMBALANCE).gauge().value()).isZero();
			});
			assertThat(sum(ReuseportMeters.CONNECTIONS_ACCEPTED)).isEqualTo(served.size());
			for (ReuseportListener listener : server.getListeners()) {
				long handedOff = served.stream()
					.filter((servedBy) -> servedBy.listener() == listener.index() && !servedBy.onOwnLoop())
					.count();
				assertThat(this.registry.get(ReuseportMeters.HANDOFFS)
					.tag(ReuseportMeters.LISTENER_TAG, String.valueOf(listener.index()))
					.functionCounter()
					.count()).as("hand-offs of %s", listener).isEqualTo(handedOff);
			}
			System.out.printf("%d connections, %d handed off%n", served.size(),
					served.stream().filter((servedBy) -> !servedBy.onOwnLoop()).count());
		}
		finally {
			server.stop();
		}
	}

	@Test
	void shouldReadTheAcceptQueueAsNaNOnceTheServerHasStopped() {
		ReuseportWebServer server = TestServers.start(1);
		new ReuseportServerMetrics(server, WINDOW).bindTo(this.registry);
		assertThat(this.registry.get(ReuseportMeters.ACCEPT_QUEUE_LIMIT).gauge().value()).isPositive();
		server.stop();
		assertThat(this.registry.get(ReuseportMeters.ACCEPT_QUEUE).gauge().value()).isNaN();
		assertThat(this.registry.get(ReuseportMeters.ACCEPT_QUEUE_LIMIT).gauge().value()).isNaN();
	}

	@Test
	void shouldRejectAServerThatHasNotStarted() {
		ReuseportWebServer server = new ReuseportWebServer(reactor.netty.http.server.HttpServer.create(),
				ListenerTransport.EPOLL, 1, false, null, Shutdown.IMMEDIATE, ConnectionBalancing.DEFAULT,
				StallReliefSettings.DEFAULT);
		assertThatIllegalArgumentException().isThrownBy(() -> new ReuseportServerMetrics(server, WINDOW))
			.withMessage("'server' must be started");
	}

	private void assertMeter(String name, Meter.Type type, String description) {
		Meter meter = this.registry.get(name).meter();
		assertThat(meter.getId().getType()).as(name).isEqualTo(type);
		assertThat(meter.getId().getDescription()).as(name).isEqualTo(description);
		assertThat(meter).as(name).isInstanceOf((type == Meter.Type.GAUGE) ? Gauge.class : FunctionCounter.class);
	}

	private double sum(String name) {
		return this.registry.find(name).functionCounters().stream().mapToDouble(FunctionCounter::count).sum();
	}

}
