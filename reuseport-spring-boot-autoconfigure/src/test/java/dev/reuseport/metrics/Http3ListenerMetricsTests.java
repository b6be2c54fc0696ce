package dev.reuseport.metrics;

import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.test.ServedBy;
import dev.reuseport.test.TestApplication;
import dev.reuseport.test.TestHttpClients;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.search.RequiredSearch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.netty.http.HttpProtocol;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link Http3ListenerMetrics} and {@link UdpReceiveMetrics}: the meters of a
 * running application with HTTP/3, in its real registry, against what Reactor Netty's
 * HTTP/3 client saw.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class Http3ListenerMetricsTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final String[] HTTP3 = { "reuseport.listeners=2", "reuseport.http3.enabled=true",
			"server.ssl.key-store=classpath:test.p12", "server.ssl.key-store-password=secret1",
			"server.ssl.key-store-type=PKCS12" };

	@Test
	void perListenerCountsAgreeWithWhatTheClientsSaw() {
		try (ConfigurableApplicationContext context = TestApplication.run(HTTP3)) {
			ReuseportWebServer server = TestApplication.webServer(context);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			int port = server.getHttp3().port();
			Map<String, Double> seen = new TreeMap<>();
			ConnectionProvider held = ConnectionProvider.create("h3-held", 1);
			try {
				for (int i = 0; i < 12; i++) {
					// The last connection stays open: a pool of its own that is not
					// closed yet
					ConnectionProvider pool = (i == 11) ? held : ConnectionProvider.create("h3-meters-" + i, 1);
					ServedBy servedBy = ServedBy.parse(TestHttpClients.client(HttpProtocol.HTTP3, pool)
						.get()
						.uri("https://127.0.0.1:" + port + "/whoami")
						.responseSingle((response, body) -> body.asString())
						.block(TIMEOUT));
					seen.merge(String.valueOf(servedBy.listener()), 1.0, Double::sum);
					if (pool != held) {
						pool.disposeLater().block(TIMEOUT);
					}
				}
				Map<String, Double> accepted = new TreeMap<>();
				search(registry, ReuseportMeters.HTTP3_CONNECTIONS_ACCEPTED, port).functionCounters()
					.forEach((counter) -> accepted.merge(counter.getId().getTag(ReuseportMeters.LISTENER_TAG),
							counter.count(), Double::sum));
				assertThat(accepted).isEqualTo(seen);
				await().atMost(TIMEOUT)
					.untilAsserted(
							() -> assertThat(search(registry, ReuseportMeters.HTTP3_CONNECTIONS_ACTIVE, port).gauges()
								.stream()
								.mapToDouble((gauge) -> gauge.value())
								.sum()).isOne());
			}
			finally {
				held.disposeLater().block(TIMEOUT);
			}
			await().atMost(TIMEOUT)
				.untilAsserted(
						() -> assertThat(search(registry, ReuseportMeters.HTTP3_CONNECTIONS_ACTIVE, port).gauges()
							.stream()
							.mapToDouble((gauge) -> gauge.value())
							.sum()).isZero());
			assertThat(search(registry, ReuseportMeters.HTTP3_DATAGRAMS_REROUTED, port).functionCounters()).hasSize(2)
				.allSatisfy((counter) -> assertThat(counter.count()).isZero());
			assertThat(search(registry, ReuseportMeters.HTTP3_RECEIVE_DROPS, port).functionCounters()).hasSize(2)
				.allSatisfy((counter) -> assertThat(counter.count()).isZero());
			assertThat(registry.get(ReuseportMeters.UDP_RECEIVE_ERRORS).functionCounter().count())
				.isGreaterThanOrEqualTo(
						registry.get(ReuseportMeters.UDP_RECEIVE_BUFFER_ERRORS).functionCounter().count())
				.isGreaterThanOrEqualTo(0);
		}
	}

	@Test
	void withoutHttp3NeitherTheListenersNorTheNamespacesUdpErrorsAreMetered() {
		try (ConfigurableApplicationContext context = TestApplication.run("reuseport.listeners=2")) {
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.find(ReuseportMeters.HTTP3_CONNECTIONS_ACCEPTED).meters()).isEmpty();
			assertThat(registry.find(ReuseportMeters.UDP_RECEIVE_ERRORS).meters()).isEmpty();
		}
	}

	private static RequiredSearch search(MeterRegistry registry, String name, int port) {
		return registry.get(name).tag(ReuseportMeters.PORT_TAG, String.valueOf(port));
	}

}
