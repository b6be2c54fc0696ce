package dev.reuseport.metrics;

import dev.reuseport.client.ClientCallCounts;
import dev.reuseport.client.ClientLoopAffinity;
import dev.reuseport.server.ReuseportListener;
import dev.reuseport.server.ReuseportWebServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

import org.springframework.boot.web.server.context.WebServerInitializedEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.util.Assert;

/**
 * Binds the meters of the HTTP client calls that {@link ClientLoopAffinity} keeps on the
 * listeners' loops, once a {@link ReuseportWebServer} has started: per listener, the
 * calls whose connection lives on that listener's loop and those whose connection lives
 * on another; and the calls made on no listener's loop. Other web servers are ignored.
 *
 * @since 0.1.0
 */
public class ReuseportClientMetricsBinder implements ApplicationListener<WebServerInitializedEvent> {

	private final MeterRegistry meterRegistry;

	private final ClientCallCounts counts;

	/**
	 * Create a binder.
	 * @param meterRegistry the registry to bind the meters to
	 * @param affinity the client affinity whose calls are counted
	 */
	public ReuseportClientMetricsBinder(MeterRegistry meterRegistry, ClientLoopAffinity affinity) {
		Assert.notNull(meterRegistry, "'meterRegistry' must not be null");
		Assert.notNull(affinity, "'affinity' must not be null");
		this.meterRegistry = meterRegistry;
		this.counts = affinity.getCounts();
	}

	@Override
	public void onApplicationEvent(WebServerInitializedEvent event) {
		if (!(event.getWebServer() instanceof ReuseportWebServer server)) {
			return;
		}
		Tags tags = Tags.of(ReuseportMeters.PORT_TAG, String.valueOf(server.getPort()));
		FunctionCounter.builder(ReuseportMeters.CLIENT_CALLS_OFF_LOOP, this.counts, ClientCallCounts::offListener)
			.description("HTTP client calls made on a thread that runs no listener's event loop")
			.tags(tags)
			.register(this.meterRegistry);
		for (ReuseportListener listener : server.getListeners()) {
			int index = listener.index();
			Tags listenerTags = tags.and(ReuseportMeters.LISTENER_TAG, String.valueOf(index));
			FunctionCounter.builder(ReuseportMeters.CLIENT_CALLS, this.counts, (counts) -> counts.sameLoop(index))
				.description("HTTP client calls made on the listener's event loop, by the loop of their connection")
				.tags(listenerTags.and(ReuseportMeters.LOOP_TAG, "same"))
				.register(this.meterRegistry);
			FunctionCounter.builder(ReuseportMeters.CLIENT_CALLS, this.counts, (counts) -> counts.otherLoop(index))
				.description("HTTP client calls made on the listener's event loop, by the loop of their connection")
				.tags(listenerTags.and(ReuseportMeters.LOOP_TAG, "other"))
				.register(this.meterRegistry);
		}
	}

}
