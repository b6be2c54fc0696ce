package dev.reuseport.autoconfigure;

import dev.reuseport.metrics.ReuseportMeterBinder;
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
	void binderIsAutoConfiguredWhenAMeterRegistryExists() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.run((context) -> assertThat(context).hasSingleBean(ReuseportMeterBinder.class));
	}

	@Test
	void binderIsNotAutoConfiguredWithoutAMeterRegistry() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ReuseportMeterBinder.class));
	}

	@Test
	void binderIsNotAutoConfiguredWhenMetricsAreDisabled() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("reuseport.metrics.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportMeterBinder.class));
	}

	@Test
	void binderIsNotAutoConfiguredWhenReuseportIsDisabled() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withPropertyValues("reuseport.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportMeterBinder.class));
	}

	@Test
	void binderBacksOffWhenTheUserDefinesOne() {
		this.contextRunner.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withUserConfiguration(CustomBinderConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(ReuseportMeterBinder.class)
				.hasBean("customReuseportMeterBinder"));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomBinderConfiguration {

		@Bean
		ReuseportMeterBinder customReuseportMeterBinder() {
			return new ReuseportMeterBinder();
		}

	}

}
