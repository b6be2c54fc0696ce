package dev.reuseport.bench.webflux;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.tomcat.reactive.TomcatReactiveWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The listen backlog of T, Spring Boot's Tomcat server: its connector's
 * {@code acceptCount}, what {@code server.tomcat.accept-count} sets, given here from
 * {@code bench.backlog} as for the other servers.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.springframework.boot.tomcat.reactive.TomcatReactiveWebServerFactory")
class TomcatBacklogConfiguration {

	@Bean
	WebServerFactoryCustomizer<TomcatReactiveWebServerFactory> benchBacklogCustomizer(
			@Value("${bench.backlog:0}") int backlog) {
		BenchBacklog.check(backlog);
		return (factory) -> {
			if (backlog > 0) {
				factory.addConnectorCustomizers(
						(connector) -> connector.setProperty("acceptCount", String.valueOf(backlog)));
			}
		};
	}

}
