package dev.reuseport.autoconfigure;

import dev.reuseport.server.ListenerTransport;
import dev.reuseport.server.ReuseportNettyReactiveWebServerFactory;
import org.jspecify.annotations.Nullable;
import reactor.netty.http.server.HttpServer;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.reactor.netty.NettyReactiveWebServerFactory;
import org.springframework.boot.reactor.netty.NettyRouteProvider;
import org.springframework.boot.reactor.netty.NettyServerCustomizer;
import org.springframework.boot.reactor.netty.autoconfigure.NettyReactiveWebServerAutoConfiguration;
import org.springframework.boot.reactor.netty.autoconfigure.ReactorNettyConfigurations.ReactorResourceFactoryConfiguration;
import org.springframework.boot.web.server.reactive.ReactiveWebServerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.io.ResourceLoader;
import org.springframework.http.ReactiveHttpInputMessage;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for a Reactor Netty web server that
 * binds one SO_REUSEPORT listener per event loop, on io_uring or epoll. It runs before
 * Spring Boot's {@link NettyReactiveWebServerAutoConfiguration}, whose factory then backs
 * off; Spring Boot's {@code server.*} and {@code server.netty.*} customizers still apply
 * to the factory defined here.
 *
 * @since 0.1.0
 */
@AutoConfiguration(before = NettyReactiveWebServerAutoConfiguration.class)
@ConditionalOnClass({ ReactiveHttpInputMessage.class, HttpServer.class })
@ConditionalOnWebApplication(type = Type.REACTIVE)
@EnableConfigurationProperties(ReuseportProperties.class)
public final class ReuseportAutoConfiguration {

	// The properties bind even when reuseport is off, so that a value such as
	// reuseport.enabled=perhaps fails startup instead of silently turning it off
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "reuseport.enabled", matchIfMissing = true)
	@Import(ReactorResourceFactoryConfiguration.class)
	static class ReuseportServerFactoryConfiguration {

		@Bean
		ReuseportWebServerFactoryCustomizer reuseportWebServerFactoryCustomizer(ReuseportProperties properties) {
			return new ReuseportWebServerFactoryCustomizer(properties);
		}

		@Bean
		@ConditionalOnBooleanProperty(name = "reuseport.handover.exit", matchIfMissing = true)
		static ReuseportHandoverExit reuseportHandoverExit() {
			return new ReuseportHandoverExit();
		}

		@Bean
		@ConditionalOnMissingBean(ReactiveWebServerFactory.class)
		NettyReactiveWebServerFactory reuseportNettyReactiveWebServerFactory(ReuseportProperties properties,
				ResourceLoader resourceLoader, ReactorResourceFactory resourceFactory,
				ObjectProvider<NettyRouteProvider> routes, ObjectProvider<NettyServerCustomizer> serverCustomizers) {
			NettyReactiveWebServerFactory serverFactory = createServerFactory(properties,
					resourceLoader.getClassLoader(), resourceFactory);
			routes.orderedStream().forEach(serverFactory::addRouteProviders);
			serverFactory.getServerCustomizers().addAll(serverCustomizers.orderedStream().toList());
			return serverFactory;
		}

		private NettyReactiveWebServerFactory createServerFactory(ReuseportProperties properties,
				@Nullable ClassLoader classLoader, ReactorResourceFactory resourceFactory) {
			ListenerTransport transport = ListenerTransportSelector.select(properties, classLoader);
			if (transport != null) {
				// The other reuseport.* properties come from the customizer, as
				// server.* do from Spring Boot's
				ReuseportNettyReactiveWebServerFactory serverFactory = new ReuseportNettyReactiveWebServerFactory();
				serverFactory.setTransport(transport);
				return serverFactory;
			}
			NettyReactiveWebServerFactory serverFactory = new NettyReactiveWebServerFactory();
			serverFactory.setResourceFactory(resourceFactory);
			return serverFactory;
		}

	}

}
