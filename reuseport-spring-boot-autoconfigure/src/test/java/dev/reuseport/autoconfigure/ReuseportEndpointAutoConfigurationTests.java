package dev.reuseport.autoconfigure;

import dev.reuseport.actuate.ReuseportEndpoint;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportEndpointAutoConfiguration}.
 */
class ReuseportEndpointAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ReuseportEndpointAutoConfiguration.class));

	@Test
	void endpointIsAutoConfiguredWhenExposed() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=reuseport")
			.run((context) -> assertThat(context).hasSingleBean(ReuseportEndpoint.class));
	}

	@Test
	void endpointIsNotAutoConfiguredWhenNotExposed() {
		this.contextRunner.run((context) -> assertThat(context).doesNotHaveBean(ReuseportEndpoint.class));
	}

	@Test
	void endpointIsNotAutoConfiguredWhenDisabled() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=reuseport",
					"management.endpoint.reuseport.access=NONE")
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportEndpoint.class));
	}

	@Test
	void endpointIsNotAutoConfiguredWhenReuseportIsDisabled() {
		this.contextRunner
			.withPropertyValues("management.endpoints.web.exposure.include=reuseport", "reuseport.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportEndpoint.class));
	}

	@Test
	void endpointIsNotAutoConfiguredWithoutTheActuator() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=reuseport")
			.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate"))
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportEndpoint.class));
	}

	@Test
	void endpointBacksOffWhenUserProvidedEndpointIsPresent() {
		this.contextRunner.withPropertyValues("management.endpoints.web.exposure.include=reuseport")
			.withUserConfiguration(CustomEndpointConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(ReuseportEndpoint.class)
				.hasBean("customReuseportEndpoint"));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomEndpointConfiguration {

		@Bean
		ReuseportEndpoint customReuseportEndpoint() {
			return new ReuseportEndpoint(() -> null);
		}

	}

}
