package dev.reuseport.autoconfigure;

import java.time.Duration;

import dev.reuseport.client.ClientLoopAffinity;
import dev.reuseport.metrics.ListenQueueMetrics;
import dev.reuseport.metrics.ReuseportClientMetricsBinder;
import dev.reuseport.metrics.ReuseportServerMetricsBinder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportMetricsAutoConfiguration}.
 */
class ReuseportMetricsAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ReuseportMetricsAutoConfiguration.class));

	@Test
	void bindersAreAutoConfiguredWhenAMeterRegistryExists() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).hasSingleBean(ReuseportServerMetricsBinder.class)
				.hasSingleBean(ListenQueueMetrics.class));
	}

	@Test
	void bindersAreNotAutoConfiguredWithoutAMeterRegistry() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ReuseportServerMetricsBinder.class)
			.doesNotHaveBean(ListenQueueMetrics.class));
	}

	@Test
	void bindersAreNotAutoConfiguredWhenMetricsAreDisabled() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("reuseport.metrics.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportServerMetricsBinder.class)
				.doesNotHaveBean(ListenQueueMetrics.class));
	}

	@Test
	void bindersAreNotAutoConfiguredWhenReuseportIsDisabled() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("reuseport.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportServerMetricsBinder.class)
				.doesNotHaveBean(ListenQueueMetrics.class));
	}

	@Test
	void clientCallsAreMeteredWhenClientAffinityIsConfigured() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withBean(ClientLoopAffinity.class, () -> new ClientLoopAffinity(() -> null))
			.run((context) -> assertThat(context).hasSingleBean(ReuseportClientMetricsBinder.class));
	}

	@Test
	void clientCallsAreNotMeteredWithoutClientAffinity() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportClientMetricsBinder.class));
	}

	@Test
	void bindersBackOffWhenTheUserDefinesThem() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withUserConfiguration(CustomBindersConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(ReuseportServerMetricsBinder.class)
				.hasBean("customReuseportServerMetricsBinder")
				.hasSingleBean(ListenQueueMetrics.class)
				.hasBean("customListenQueueMetrics"));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomBindersConfiguration {

		@Bean
		ReuseportServerMetricsBinder customReuseportServerMetricsBinder(MeterRegistry registry) {
			return new ReuseportServerMetricsBinder(registry, Duration.ofMinutes(5));
		}

		@Bean
		ListenQueueMetrics customListenQueueMetrics() {
			return new ListenQueueMetrics();
		}

	}

}
