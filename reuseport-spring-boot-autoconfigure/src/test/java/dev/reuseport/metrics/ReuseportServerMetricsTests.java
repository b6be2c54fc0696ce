package dev.reuseport.metrics;

import java.time.Duration;
import java.util.List;

import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.TestServers;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.web.server.Shutdown;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
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
			for (String name : List.of(ReuseportMeters.CONNECTIONS_ACTIVE, ReuseportMeters.CONNECTIONS_ACCEPTED,
					ReuseportMeters.REQUESTS, ReuseportMeters.ACCEPT_QUEUE, ReuseportMeters.ACCEPT_QUEUE_LIMIT)) {
				assertThat(this.registry.find(name).meters()).as(name)
					.extracting((meter) -> meter.getId().getTag("listener") + ":" + meter.getId().getTag("port"))
					.containsExactlyInAnyOrder("0:" + port, "1:" + port);
			}
			assertThat(this.registry.get(ReuseportMeters.IMBALANCE).gauge().getId().getTags()).singleElement()
				.satisfies((tag) -> assertThat(tag.getKey() + "=" + tag.getValue()).isEqualTo("port=" + port));
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
		ReuseportWebServer server = new ReuseportWebServer(reactor.netty.http.server.HttpServer.create(), 1, null,
				Shutdown.IMMEDIATE);
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
