package dev.reuseport.autoconfigure;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import com.jayway.jsonpath.JsonPath;
import dev.reuseport.actuate.ReuseportHealthIndicator;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportHealthContributorAutoConfiguration}.
 */
class ReuseportHealthContributorAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ReuseportHealthContributorAutoConfiguration.class));

	@Test
	void runShouldCreateIndicator() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(ReuseportHealthIndicator.class)
			.hasBean("reuseportHealthIndicator"));
	}

	@Test
	void runWhenDisabledShouldNotCreateIndicator() {
		this.contextRunner.withPropertyValues("management.health.reuseport.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportHealthIndicator.class));
	}

	@Test
	void runWhenReuseportIsDisabledShouldNotCreateIndicator() {
		this.contextRunner.withPropertyValues("reuseport.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportHealthIndicator.class));
	}

	@Test
	void enabledPropertyIsInTheConfigurationMetadata() throws Exception {
		// The metadata that the configuration processor wrote next to the class
		Path classes = Path.of(ReuseportHealthContributorAutoConfiguration.class.getProtectionDomain()
			.getCodeSource()
			.getLocation()
			.toURI());
		String metadata = Files.readString(classes.resolve("META-INF/spring-configuration-metadata.json"));
		List<Map<String, Object>> property = JsonPath.read(metadata,
				"$.properties[?(@.name == 'management.health.reuseport.enabled')]");
		assertThat(property).singleElement()
			.satisfies((entry) -> assertThat(entry).containsEntry("type", "java.lang.Boolean")
				.containsEntry("defaultValue", true)
				.containsEntry("description", "Whether to enable the SO_REUSEPORT listeners health check."));
	}

	@Test
	void runInNonReactiveApplicationShouldNotCreateIndicator() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ReuseportHealthContributorAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ReuseportHealthIndicator.class));
	}

	@Test
	void runWithUserIndicatorShouldBackOff() {
		this.contextRunner.withUserConfiguration(CustomIndicatorConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(ReuseportHealthIndicator.class)
				.getBean("reuseportHealthIndicator")
				.isSameAs(context.getBean(CustomIndicatorConfiguration.class).indicator));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomIndicatorConfiguration {

		final ReuseportHealthIndicator indicator = new ReuseportHealthIndicator(() -> null);

		@Bean
		ReuseportHealthIndicator reuseportHealthIndicator() {
			return this.indicator;
		}

	}

}
