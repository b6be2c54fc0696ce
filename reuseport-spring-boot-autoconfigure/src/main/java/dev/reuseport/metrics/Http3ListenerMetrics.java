package dev.reuseport.metrics;

import dev.reuseport.server.Http3Listener;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;

/**
 * Binds the meters of one {@link Http3Listener}: its open and accepted QUIC connections,
 * the datagrams it handed to another listener's loop and the kernel's drops on its
 * socket, tagged with the listener index and the UDP port.
 */
final class Http3ListenerMetrics {

	private Http3ListenerMetrics() {
	}

	static void bind(MeterRegistry registry, Http3Listener listener, Tags tags) {
		Gauge.builder(ReuseportMeters.HTTP3_CONNECTIONS_ACTIVE, listener, Http3Listener::openConnections)
			.description("QUIC connections open on the HTTP/3 listener's event loop")
			.tags(tags)
			.strongReference(true)
			.register(registry);
		FunctionCounter
			.builder(ReuseportMeters.HTTP3_CONNECTIONS_ACCEPTED, listener, Http3Listener::acceptedConnections)
			.description("QUIC connections whose first packet arrived on the HTTP/3 listener's socket")
			.tags(tags)
			.register(registry);
		FunctionCounter.builder(ReuseportMeters.HTTP3_DATAGRAMS_REROUTED, listener, Http3Listener::reroutedDatagrams)
			.description("Datagrams that arrived on the HTTP/3 listener's socket for a connection of another "
					+ "listener, such as one whose client address changed, and were handed to that listener's loop")
			.tags(tags)
			.register(registry);
		FunctionCounter
			.builder(ReuseportMeters.HTTP3_RECEIVE_DROPS, listener,
					(l) -> (l.receiveDrops() >= 0) ? l.receiveDrops() : Double.NaN)
			.description("Datagrams that the kernel dropped on their way to the HTTP/3 listener's socket, "
					+ "mostly because its receive buffer was full (the drops column of /proc/net/udp)")
			.tags(tags)
			.register(registry);
	}

}
