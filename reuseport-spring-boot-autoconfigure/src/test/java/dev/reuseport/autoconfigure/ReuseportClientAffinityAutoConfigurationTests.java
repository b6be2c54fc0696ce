package dev.reuseport.autoconfigure;

import dev.reuseport.client.ClientLoopAffinity;
import org.junit.jupiter.api.Test;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.client.reactive.ClientHttpConnectorBuilder;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.ReactiveWebApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ReactorResourceFactory;
import org.springframework.http.client.reactive.ClientHttpConnector;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ReuseportClientAffinityAutoConfiguration}.
 */
class ReuseportClientAffinityAutoConfigurationTests {

	private final ReactiveWebApplicationContextRunner contextRunner = new ReactiveWebApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ReuseportClientAffinityAutoConfiguration.class,
				ReactiveHttpClientAutoConfiguration.class));

	@Test
	void clientAffinityIsAutoConfiguredAndCustomizesTheReactorConnector() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(ClientLoopAffinity.class)
				.hasSingleBean(ReactorResourceFactory.class)
				.hasBean("reuseportClientAffinityClientHttpConnectorBuilderCustomizer");
			assertThat(context.getBean(ClientHttpConnectorBuilder.class).build())
				.isInstanceOf(ClientHttpConnector.class);
		});
	}

	@Test
	void clientAffinityIsNotAutoConfiguredWhenDisabled() {
		this.contextRunner.withPropertyValues("reuseport.client-affinity.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ClientLoopAffinity.class)
				.doesNotHaveBean("reuseportClientAffinityClientHttpConnectorBuilderCustomizer"));
	}

	@Test
	void clientAffinityIsNotAutoConfiguredWhenReuseportIsDisabled() {
		this.contextRunner.withPropertyValues("reuseport.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(ClientLoopAffinity.class));
	}

	@Test
	void clientAffinityIsNotAutoConfiguredWithoutReactorNettyClient() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(HttpClient.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ClientLoopAffinity.class));
	}

	@Test
	void connectorIsNotCustomizedWithoutSpringBootHttpClient() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(ClientHttpConnectorBuilderCustomizer.class))
			.run((context) -> assertThat(context).hasSingleBean(ClientLoopAffinity.class)
				.doesNotHaveBean("reuseportClientAffinityClientHttpConnectorBuilderCustomizer"));
	}

	@Test
	void clientAffinityIsNotAutoConfiguredInANonReactiveApplication() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(ReuseportClientAffinityAutoConfiguration.class))
			.run((context) -> assertThat(context).doesNotHaveBean(ClientLoopAffinity.class));
	}

	@Test
	void clientAffinityBacksOffWhenTheUserDefinesIt() {
		this.contextRunner.withUserConfiguration(CustomClientAffinityConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(ClientLoopAffinity.class)
				.hasBean("customClientLoopAffinity"));
	}

	@Configuration(proxyBeanMethods = false)
	static class CustomClientAffinityConfiguration {

		@Bean
		ClientLoopAffinity customClientLoopAffinity() {
			return new ClientLoopAffinity(() -> null);
		}

	}

}
