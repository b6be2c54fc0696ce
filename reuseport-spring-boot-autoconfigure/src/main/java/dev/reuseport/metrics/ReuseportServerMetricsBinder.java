package dev.reuseport.metrics;

import java.time.Duration;

import dev.reuseport.server.ReuseportWebServer;
import io.micrometer.core.instrument.MeterRegistry;

import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.util.Assert;

/**
 * Binds the meters of each {@link ReuseportWebServer} to a registry once the server has
 * started, in response to the {@link WebServerInitializedEvent}: only then is the port
 * that tags the meters known. Other web servers are ignored.
 *
 * @since 0.1.0
 */
public class ReuseportServerMetricsBinder implements ApplicationListener<WebServerInitializedEvent> {

	private final MeterRegistry meterRegistry;

	private final Duration imbalanceWindow;

	/**
	 * Create a binder.
	 * @param meterRegistry the registry to bind the meters to
	 * @param imbalanceWindow the window over which {@code reuseport.listeners.imbalance}
	 * compares the listeners' accepted connections
	 */
	public ReuseportServerMetricsBinder(MeterRegistry meterRegistry, Duration imbalanceWindow) {
		Assert.notNull(meterRegistry, "'meterRegistry' must not be null");
		Assert.isTrue(!imbalanceWindow.isNegative() && !imbalanceWindow.isZero(), "'imbalanceWindow' must be positive");
		this.meterRegistry = meterRegistry;
		this.imbalanceWindow = imbalanceWindow;
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (event.getWebServer() instanceof ReuseportWebServer server) {
			new ReuseportServerMetrics(server, this.imbalanceWindow).bindTo(this.meterRegistry);
		}
	}

}
