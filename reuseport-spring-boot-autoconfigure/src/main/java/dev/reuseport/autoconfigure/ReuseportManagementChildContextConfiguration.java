package dev.reuseport.autoconfigure;

import dev.reuseport.server.ReuseportNettyReactiveWebServerFactory;

import org.springframework.boot.actuate.autoconfigure.web.ManagementContextConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.ManagementContextType;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.context.annotation.Bean;

/**
 * {@link ManagementContextConfiguration @ManagementContextConfiguration} for the
 * management server on a separate {@code management.server.port}. Spring Boot creates its
 * factory as a new instance of the application's factory class; this keeps it an ordinary
 * single-socket server of its process, so that no other process can join its port and
 * each process of a handover keeps its own management port.
 */
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ManagementContextConfiguration(value = ManagementContextType.CHILD, proxyBeanMethods = false)
class ReuseportManagementChildContextConfiguration {

	@Bean
	WebServerFactoryCustomizer<ReuseportNettyReactiveWebServerFactory> singleSocketManagementServerCustomizer() {
		return (factory) -> factory.setReusePort(false);
	}

}
