package dev.reuseport.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import dev.reuseport.metrics.ReuseportMeters;
import dev.reuseport.test.Downstream;
import dev.reuseport.test.RawHttp;
import dev.reuseport.test.RawHttp.Response;
import dev.reuseport.test.TestApplication;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.netty.Connection;

import org.springframework.cloud.gateway.config.HttpClientFactory;
import org.springframework.cloud.gateway.filter.GlobalFilter;
import org.springframework.cloud.gateway.support.ServerWebExchangeUtils;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static dev.reuseport.test.TestApplication.port;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Integration tests for {@link LoopAffineGatewayHttpClientFactory}: Spring Cloud Gateway
 * proxies real requests to a real downstream server, and a global filter notes whether
 * the connection of each proxied call ran on the loop that served the request.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class LoopAffineGatewayHttpClientFactoryIntegrationTests {

	private static final int CALLS = 200;

	private Downstream downstream;

	@BeforeEach
	void startDownstream() {
		this.downstream = Downstream.start();
		ProxiedCallRecorder.CALLS.clear();
	}

	@AfterEach
	void stopDownstream() {
		this.downstream.close();
	}

	@Test
	void proxiedCallsStayOnTheInboundLoop() {
		try (ConfigurableApplicationContext context = runGateway()) {
			assertThat(context.getBean("&gatewayHttpClientFactory"))
				.isInstanceOf(LoopAffineGatewayHttpClientFactory.class);
			proxy(port(context));
			long onLoop = ProxiedCallRecorder.CALLS.stream().filter(Boolean::booleanValue).count();
			report("starter", onLoop);
			assertThat(ProxiedCallRecorder.CALLS).hasSize(CALLS);
			assertThat(onLoop).isGreaterThanOrEqualTo(CALLS * 95 / 100);
			assertThat(sameLoopCalls(context.getBean(MeterRegistry.class))).isEqualTo(onLoop);
		}
	}

	@Test
	void proxiedCallsLeaveTheLoopWithoutClientAffinity() {
		try (ConfigurableApplicationContext context = runGateway("reuseport.client-affinity.enabled=false")) {
			assertThat(context.getBean("&gatewayHttpClientFactory")).isInstanceOf(HttpClientFactory.class)
				.isNotInstanceOf(LoopAffineGatewayHttpClientFactory.class);
			proxy(port(context));
			long onLoop = ProxiedCallRecorder.CALLS.stream().filter(Boolean::booleanValue).count();
			report("starter without client affinity", onLoop);
			assertThat(onLoop).isLessThan(CALLS * 95 / 100);
		}
	}

	private ConfigurableApplicationContext runGateway(String... properties) {
		List<String> all = new ArrayList<>(List.of(properties));
		all.add("spring.cloud.gateway.server.webflux.enabled=true");
		all.add("spring.cloud.gateway.server.webflux.routes[0].id=downstream");
		all.add("spring.cloud.gateway.server.webflux.routes[0].uri=" + this.downstream.url());
		all.add("spring.cloud.gateway.server.webflux.routes[0].predicates[0]=Path=/ok");
		return TestApplication.run(new Class<?>[] { ProxiedCallRecorder.class }, all.toArray(String[]::new));
	}

	private static void proxy(int port) {
		for (int call = 0; call < CALLS; call++) {
			Response response = RawHttp.get(port, "/ok");
			assertThat(response.status()).isEqualTo(200);
			assertThat(response.body()).isEqualTo("ok");
		}
	}

	private static double sameLoopCalls(MeterRegistry registry) {
		return registry.get(ReuseportMeters.CLIENT_CALLS)
			.tag(ReuseportMeters.LOOP_TAG, "same")
			.functionCounters()
			.stream()
			.mapToDouble(FunctionCounter::count)
			.sum();
	}

	private static void report(String what, long onLoop) {
		System.out.printf("Gateway calls on the inbound loop (%s): %d of %d = %.1f %%%n", what, onLoop, CALLS,
				100.0 * onLoop / CALLS);
	}

	/**
	 * Notes, for each proxied call, whether its downstream connection runs on the thread
	 * that served the request.
	 */
	@Configuration(proxyBeanMethods = false)
	static class ProxiedCallRecorder {

		static final Queue<Boolean> CALLS = new ConcurrentLinkedQueue<>();

		@Bean
		GlobalFilter proxiedCallRecorder() {
			return (exchange, chain) -> {
				Thread inbound = Thread.currentThread();
				return chain.filter(exchange).doOnSuccess((done) -> {
					Connection connection = exchange.getAttribute(ServerWebExchangeUtils.CLIENT_RESPONSE_CONN_ATTR);
					CALLS.add(connection != null && connection.channel().eventLoop().inEventLoop(inbound));
				});
			};
		}

	}

}
