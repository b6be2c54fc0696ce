package dev.reuseport.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import dev.reuseport.server.ReuseportListener;
import dev.reuseport.server.ReuseportWebServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@link MeterBinder} for the listeners of {@link ReuseportWebServer}s: per listener, the
 * open and the accepted TCP connections, tagged with the listener index and the port.
 * <p>
 * Registries are usually bound before the server starts, and a server's port is only
 * known once it has started, so the binder remembers both sides and registers the meters
 * of each started server with every registry it has been bound to.
 *
 * @since 0.1.0
 */
public class ReuseportMeterBinder implements MeterBinder {

	private final Set<MeterRegistry> registries = ConcurrentHashMap.newKeySet();

	private final Set<StartedServer> servers = ConcurrentHashMap.newKeySet();

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registries.add(registry);
		this.servers.forEach((server) -> server.registerWith(registry));
	}

	/**
	 * Register the meters of a started server with every bound registry, and with any
	 * registry bound later.
	 * @param server the started server
	 */
	public void bindServer(ReuseportWebServer server) {
		StartedServer started = new StartedServer(server, server.getPort());
		if (this.servers.add(started)) {
			this.registries.forEach(started::registerWith);
		}
	}

	private record StartedServer(ReuseportWebServer server, int port) {

		void registerWith(MeterRegistry registry) {
			for (ReuseportListener listener : this.server.getListeners()) {
				Tags tags = Tags.of(ReuseportMeters.LISTENER_TAG, String.valueOf(listener.index()),
						ReuseportMeters.PORT_TAG, String.valueOf(this.port));
				// The server holds its listeners for its whole life, so the meters
				// may hold them strongly too.
				Gauge.builder(ReuseportMeters.CONNECTIONS_ACTIVE, listener, ReuseportListener::activeConnections)
					.description("Open TCP connections accepted by the listener")
					.tags(tags)
					.strongReference(true)
					.register(registry);
				FunctionCounter
					.builder(ReuseportMeters.CONNECTIONS_ACCEPTED, listener, ReuseportListener::acceptedConnections)
					.description("TCP connections accepted by the listener")
					.tags(tags)
					.register(registry);
			}
		}

	}

}
