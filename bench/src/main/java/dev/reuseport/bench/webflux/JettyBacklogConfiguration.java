package dev.reuseport.bench.webflux;

import org.eclipse.jetty.server.ServerConnector;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.jetty.JettyServerCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The listen backlog of J, Spring Boot's Jetty server, which has no property for it:
 * Jetty's accept queue size, which it passes to {@code listen(2)} (0, its default, lets
 * the JDK choose 50).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.springframework.boot.jetty.reactive.JettyReactiveWebServerFactory")
class JettyBacklogConfiguration {

	@Bean
	JettyServerCustomizer benchBacklogCustomizer(@Value("${bench.backlog:0}") int backlog) {
		BenchBacklog.check(backlog);
		return (server) -> {
			if (backlog > 0) {
				for (var connector : server.getConnectors()) {
					if (connector instanceof ServerConnector serverConnector) {
						serverConnector.setAcceptQueueSize(backlog);
					}
				}
			}
		};
	}

}
