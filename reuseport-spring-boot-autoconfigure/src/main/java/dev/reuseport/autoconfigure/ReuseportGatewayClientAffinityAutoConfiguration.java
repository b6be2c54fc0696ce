package dev.reuseport.autoconfigure;

import dev.reuseport.client.ClientLoopAffinity;
import dev.reuseport.client.LoopAffineGatewayHttpClientFactory;
import reactor.netty.http.client.HttpClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.cloud.gateway.config.GatewayAutoConfiguration;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.config.HttpClientFactory;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.config.HttpClientSslConfigurer;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} that keeps Spring Cloud Gateway's
 * proxied calls on the listener loop that serves the request, when the application has
 * the gateway, on, and client affinity is on. It defines the gateway's
 * {@link HttpClientFactory}, so the gateway's own one, which is
 * {@code @ConditionalOnMissingBean}, backs off; an application that defines its own
 * {@link HttpClient} or {@link HttpClientFactory} keeps it.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = ReuseportClientAffinityAutoConfiguration.class, before = GatewayAutoConfiguration.class)
@ConditionalOnClass({ HttpClientFactory.class, HttpClient.class })
@ConditionalOnBooleanProperty(name = "spring.cloud.gateway.server.webflux.enabled", matchIfMissing = true)
@ConditionalOnBean(ClientLoopAffinity.class)
public final class ReuseportGatewayClientAffinityAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean({ HttpClient.class, HttpClientFactory.class })
	LoopAffineGatewayHttpClientFactory gatewayHttpClientFactory(HttpClientProperties properties,
			ServerProperties serverProperties, HttpClientSslConfigurer sslConfigurer,
			ObjectProvider<HttpClientCustomizer> customizers, ClientLoopAffinity affinity) {
		return new LoopAffineGatewayHttpClientFactory(properties, serverProperties, sslConfigurer,
				customizers.orderedStream().toList(), affinity);
	}

}
