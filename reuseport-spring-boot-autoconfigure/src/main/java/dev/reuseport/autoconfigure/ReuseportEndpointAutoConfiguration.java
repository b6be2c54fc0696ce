package dev.reuseport.autoconfigure;

import dev.reuseport.actuate.ReuseportEndpoint;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the {@link ReuseportEndpoint}.
 * Like most endpoints it is available but not exposed over the web by default: add
 * {@code reuseport} to {@code management.endpoints.web.exposure.include}. Like the
 * metrics and the health indicator, it is off with {@code reuseport.enabled=false}.
 *
 * @since 0.1.0
 */
@AutoConfiguration
@ConditionalOnClass(ConditionalOnAvailableEndpoint.class)
@ConditionalOnBooleanProperty(name = "reuseport.enabled", matchIfMissing = true)
public final class ReuseportEndpointAutoConfiguration {

	// On the method, so that the condition is only read once the actuator is known to
	// be on the classpath
	@Bean
	@ConditionalOnAvailableEndpoint
	@ConditionalOnMissingBean
	ReuseportEndpoint reuseportEndpoint(ApplicationContext context) {
		return new ReuseportEndpoint(ReuseportWebServers.of(context));
	}

}
