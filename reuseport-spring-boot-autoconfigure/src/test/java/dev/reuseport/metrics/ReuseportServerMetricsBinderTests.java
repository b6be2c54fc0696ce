package dev.reuseport.metrics;

import java.time.Duration;

import dev.reuseport.server.ReuseportWebServer;
import dev.reuseport.test.TestServers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServer;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerApplicationContext;
import org.springframework.boot.web.server.reactive.context.ReactiveWebServerInitializedEvent;
import org.springframework.http.server.reactive.HttpHandler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ReuseportServerMetricsBinder}.
 */
class ReuseportServerMetricsBinderTests {

	private final MeterRegistry registry = new SimpleMeterRegistry();

	private final ReuseportServerMetricsBinder binder = new ReuseportServerMetricsBinder(this.registry,
			Duration.ofMinutes(1));

	@Test
	void bindsTheMetersOfAReuseportServerOnceItHasStarted() {
		ReuseportWebServer server = TestServers.start(3);
		try {
			this.binder.onApplicationEvent(initialized(server));
			assertThat(this.registry.find(ReuseportMeters.CONNECTIONS_ACCEPTED)
				.tag(ReuseportMeters.PORT_TAG, String.valueOf(server.getPort()))
				.functionCounters()).hasSize(3);
		}
		finally {
			server.stop();
		}
	}

	@Test
	void ignoresOtherWebServers() {
		HttpHandler handler = (request, response) -> response.setComplete();
		this.binder.onApplicationEvent(initialized(new NettyReactiveWebServerFactory(0).getWebServer(handler)));
		assertThat(this.registry.getMeters()).isEmpty();
	}

	@Test
	void imbalanceWindowMustBePositive() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new ReuseportServerMetricsBinder(this.registry, Duration.ZERO))
			.withMessage("'imbalanceWindow' must be positive");
	}

	private static ReactiveWebServerInitializedEvent initialized(WebServer server) {
		return new ReactiveWebServerInitializedEvent(server, new ReactiveWebServerApplicationContext());
	}

}
