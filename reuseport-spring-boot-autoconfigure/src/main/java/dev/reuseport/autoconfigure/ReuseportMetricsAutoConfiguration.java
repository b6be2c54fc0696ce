package dev.reuseport.autoconfigure;

import dev.reuseport.client.ClientLoopAffinity;
import dev.reuseport.metrics.ListenQueueMetrics;
import dev.reuseport.metrics.ReuseportClientMetricsBinder;
import dev.reuseport.metrics.ReuseportServerMetricsBinder;
import dev.reuseport.metrics.UdpReceiveMetrics;
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
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * {@link EnableAutoConfiguration Auto-configuration} for the meters of SO_REUSEPORT
 * listeners, of the network namespace's listen queues and UDP receive errors (with
 * HTTP/3), and of the HTTP client calls kept on the listeners' loops.
 *
 * @since 0.1.0
 */
@AutoConfiguration(after = { MetricsAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class,
		ReuseportClientAffinityAutoConfiguration.class })
@ConditionalOnClass({ MeterRegistry.class, MetricsAutoConfiguration.class })
@ConditionalOnBean(MeterRegistry.class)
@ConditionalOnBooleanProperty(name = { "reuseport.enabled", "reuseport.metrics.enabled" }, matchIfMissing = true)
@EnableConfigurationProperties(ReuseportProperties.class)
public final class ReuseportMetricsAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ReuseportServerMetricsBinder reuseportServerMetricsBinder(MeterRegistry meterRegistry,
			ReuseportProperties properties) {
		return new ReuseportServerMetricsBinder(meterRegistry, properties.getMetrics().getImbalanceWindow());
	}

	@Bean
	@ConditionalOnMissingBean
	ListenQueueMetrics listenQueueMetrics() {
		return new ListenQueueMetrics();
	}

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBooleanProperty("reuseport.http3.enabled")
	UdpReceiveMetrics udpReceiveMetrics() {
		return new UdpReceiveMetrics();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBean(ClientLoopAffinity.class)
	static class ClientMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		ReuseportClientMetricsBinder reuseportClientMetricsBinder(MeterRegistry meterRegistry,
				ClientLoopAffinity affinity) {
			return new ReuseportClientMetricsBinder(meterRegistry, affinity);
		}

	}

}
