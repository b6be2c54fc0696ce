package dev.reuseport.autoconfigure;

import dev.reuseport.client.ClientLoopAffinity;
import reactor.netty.http.client.HttpClient;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.http.client.autoconfigure.reactive.ClientHttpConnectorBuilderCustomizer;
import org.springframework.boot.http.client.reactive.ReactorClientHttpConnectorBuilder;
import org.springframework.boot.reactor.netty.autoconfigure.ReactorNettyConfigurations.ReactorResourceFactoryConfiguration;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.annotation.Order;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that keeps the HTTP calls a request
 * handler makes on the event loop of the listener serving the request (see
 * {@link ClientLoopAffinity}). The connector behind Spring Boot's auto-configured
 * {@code WebClient.Builder} gets the loop-affine wrappers of the application's
 * {@link ReactorResourceFactory} resources, which keep serving calls made on other
 * threads and are disposed by that factory as before.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = ReuseportAutoConfiguration.class)
@ConditionalOnClass(HttpClient.class)
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnBooleanProperty(name = { "reuseport.enabled", "reuseport.client-affinity.enabled" },
		matchIfMissing = true)
public final class ReuseportClientAffinityAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ClientLoopAffinity clientLoopAffinity(ApplicationContext context) {
		return new ClientLoopAffinity(ReuseportWebServers.of(context));
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ ClientHttpConnectorBuilderCustomizer.class, ReactorClientHttpConnectorBuilder.class })
	@Import(ReactorResourceFactoryConfiguration.class)
	static class ReactorClientHttpConnectorConfiguration {

		// After Spring Boot's own customizer (order 0), which sets the resource
		// factory's provider and loops that these wrap
		@Bean
		@Order(10)
		ClientHttpConnectorBuilderCustomizer<ReactorClientHttpConnectorBuilder> reuseportClientAffinityClientHttpConnectorBuilderCustomizer(
				ClientLoopAffinity affinity, ReactorResourceFactory resourceFactory) {
			return (builder) -> builder
				.withHttpClientFactory(
						() -> HttpClient.create(affinity.connectionProvider(resourceFactory.getConnectionProvider())))
				.withHttpClientCustomizer(
						(httpClient) -> httpClient.runOn(affinity.loopResources(resourceFactory.getLoopResources())));
		}

	}

}
