package dev.reuseport.client;

import java.util.List;

import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.config.HttpClientFactory;
import org.springframework.cloud.gateway.config.HttpClientProperties;
import org.springframework.cloud.gateway.config.HttpClientSslConfigurer;

/**
 * Spring Cloud Gateway's {@link HttpClientFactory} with the proxied calls kept on the
 * listener loop that serves the request (see {@link ClientLoopAffinity}). Everything else
 * is the gateway's own: its {@code spring.cloud.gateway.server.webflux.httpclient.*}
 * settings, SSL and {@link HttpClientCustomizer customizers}.
 * <p>
 * A customizer alone cannot do this: it receives the {@link HttpClient} after the gateway
 * has created it with its connection provider, and an {@code HttpClient} takes its
 * provider only when it is created. The gateway builds that provider in
 * {@link #buildConnectionProvider}, which this factory wraps.
 *
 * @since 0.1.0
 */
public class LoopAffineGatewayHttpClientFactory extends HttpClientFactory {

	private final ClientLoopAffinity affinity;

	/**
	 * Create a new factory.
	 * @param properties the gateway's HTTP client properties
	 * @param serverProperties the server properties
	 * @param sslConfigurer the gateway's SSL configurer
	 * @param customizers the gateway's HTTP client customizers
	 * @param affinity the client affinity that wraps the gateway's provider and loops
	 */
	public LoopAffineGatewayHttpClientFactory(HttpClientProperties properties, ServerProperties serverProperties,
			HttpClientSslConfigurer sslConfigurer, List<HttpClientCustomizer> customizers,
			ClientLoopAffinity affinity) {
		super(properties, serverProperties, sslConfigurer, customizers);
		this.affinity = affinity;
	}

	@Override
	protected HttpClient createInstance() {
		HttpClient httpClient = super.createInstance();
		return httpClient.runOn(this.affinity.loopResources(httpClient.configuration().loopResources()));
	}

	@Override
	protected ConnectionProvider buildConnectionProvider(HttpClientProperties properties) {
		return this.affinity.connectionProvider(super.buildConnectionProvider(properties));
	}

}
