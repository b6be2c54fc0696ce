package dev.reuseport.autoconfigure;

import dev.reuseport.metrics.ReuseportMeterBinder;
import dev.reuseport.server.ReuseportWebServer;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for per-listener connection meters.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = { MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class })
@ConditionalOnClass({ MeterRegistry.class, MetricsAutoConfiguration.class })
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = { "reuseport.enabled", "reuseport.metrics.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties(ReuseportProperties.class)
public final class ReuseportMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ReuseportMeterBinder reuseportMeterBinder(ReuseportProperties properties) {
		return new ReuseportMeterBinder(properties.getMetrics().getImbalanceWindow());
	}

	@Bean
	ApplicationListener<WebServerInitializedEvent> reuseportMeterBinderServerListener(ReuseportMeterBinder binder) {
		return (event) -> {
			if (event.getWebServer() instanceof ReuseportWebServer server) {
				binder.bindServer(server);
			}
		};
	}

}
