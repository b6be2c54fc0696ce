package dev.reuseport.autoconfigure;

import dev.reuseport.actuate.ReuseportHealthIndicator;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.contributor.Health;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the
 * {@link ReuseportHealthIndicator}, which appears as {@code reuseport} in the health
 * endpoint.
 *
 * @since 0.1.0
 */
@AutoConfiguration(before = HealthContributorAutoConfiguration.class)
@ConditionalOnClass(Health.class)
@ConditionalOnWebApplication(type = Type.REACTIVE)
@ConditionalOnBooleanProperty(name = "reuseport.enabled", matchIfMissing = true)
@ConditionalOnEnabledHealthIndicator("reuseport")
public final class ReuseportHealthContributorAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean(name = "reuseportHealthIndicator")
	ReuseportHealthIndicator reuseportHealthIndicator(ApplicationContext context) {
		return new ReuseportHealthIndicator(ReuseportWebServers.of(context));
	}

}
