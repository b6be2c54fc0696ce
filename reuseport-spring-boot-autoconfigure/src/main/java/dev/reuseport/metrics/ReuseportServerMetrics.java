package dev.reuseport.metrics;

import java.time.Clock;
import java.time.Duration;
import java.util.function.ToDoubleFunction;
import java.util.function.ToIntFunction;

import dev.reuseport.server.AcceptError;
import dev.reuseport.server.AcceptQueue;
import dev.reuseport.server.Http3Listener;
import dev.reuseport.server.ReuseportListener;
import dev.reuseport.server.ReuseportWebServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.util.Assert;

/**
 * {@link MeterBinder} for the listeners of a started {@link ReuseportWebServer}: per
 * listener, the open, the accepted and the handed-off TCP connections, the requests, the
 * detected stalls of its loop, the stall withdrawals, the failed accepts by cause and the
 * accept queue read from the kernel, each tagged with the listener index and the port;
 * per server, the spread of recent connections across listeners and that of open
 * connections across event loops; per HTTP/3 listener, its QUIC connections, rerouted
 * datagrams and receive drops.
 * <p>
 * The port tag is the port the server is bound to when the binder is created, which is
 * why it is created from a started server.
 */
class ReuseportServerMetrics implements MeterBinder {

	private final ReuseportWebServer server;

	private final Tags tags;

	private final AcceptImbalance<ReuseportListener> imbalance;

	/**
	 * Create a binder for a started server.
	 * @param server the started server
	 * @param imbalanceWindow the window over which {@code reuseport.listeners.imbalance}
	 * compares the listeners' accepted connections
	 */
	ReuseportServerMetrics(ReuseportWebServer server, Duration imbalanceWindow) {
		Assert.isTrue(server.getPort() >= 0, "'server' must be started");
		this.server = server;
		this.tags = Tags.of(ReuseportMeters.PORT_TAG, String.valueOf(server.getPort()));
		this.imbalance = new AcceptImbalance<>(server.getListeners(), ReuseportListener::acceptedConnections,
				imbalanceWindow, Clock.systemUTC());
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		Gauge.builder(ReuseportMeters.IMBALANCE, this.imbalance, AcceptImbalance::value)
			.description("Spread of the connections accepted over the recent window across listeners, "
					+ "as (max - min) / mean; 0 when balanced or idle")
			.tags(this.tags)
			.strongReference(true)
			.register(registry);
		Gauge.builder(ReuseportMeters.ACTIVE_IMBALANCE, this.server, ReuseportWebServer::getActiveConnectionImbalance)
			.description(
					"Spread of the open connections across event loops now, as (max - min - 1) / mean and at least 0; "
							+ "0 when balanced or idle, or with one connection open")
			.tags(this.tags)
			.strongReference(true)
			.register(registry);
		bindHandovers(registry, "given", ReuseportWebServer::getHandoversGiven);
		bindHandovers(registry, "received", ReuseportWebServer::getHandoversReceived);
		for (ReuseportListener listener : this.server.getListeners()) {
			bindListener(registry, listener,
					this.tags.and(ReuseportMeters.LISTENER_TAG, String.valueOf(listener.index())));
		}
		// Tagged with the UDP port, which may differ from the TCP one
		Tags http3 = Tags.of(ReuseportMeters.PORT_TAG, String.valueOf(this.server.getHttp3().port()));
		for (Http3Listener listener : this.server.getHttp3().listeners()) {
			Http3ListenerMetrics.bind(registry, listener,
					http3.and(ReuseportMeters.LISTENER_TAG, String.valueOf(listener.index())));
		}
	}

	private void bindListener(MeterRegistry registry, ReuseportListener listener, Tags tags) {
		// The server holds its listeners for its whole life, so the meters may hold
		// them strongly too.
		Gauge.builder(ReuseportMeters.CONNECTIONS_ACTIVE, listener, ReuseportListener::activeConnections)
			.description("Open TCP connections accepted by the listener")
			.tags(tags)
			.strongReference(true)
			.register(registry);
		Gauge.builder(ReuseportMeters.CONNECTIONS_SERVED, listener, ReuseportListener::servedConnections)
			.description("Open TCP connections served on the listener's event loop, whichever listener accepted them")
			.tags(tags)
			.strongReference(true)
			.register(registry);
		FunctionCounter.builder(ReuseportMeters.CONNECTIONS_ACCEPTED, listener, ReuseportListener::acceptedConnections)
			.description("TCP connections accepted by the listener")
			.tags(tags)
			.register(registry);
		FunctionCounter.builder(ReuseportMeters.HANDOFFS, listener, ReuseportListener::handedOffConnections)
			.description("TCP connections accepted by the listener and served on another listener's event loop")
			.tags(tags)
			.register(registry);
		FunctionCounter.builder(ReuseportMeters.REQUESTS, listener, ReuseportListener::requestsReceived)
			.description("HTTP requests received on connections the listener accepted, HTTP/2 streams included")
			.tags(tags)
			.register(registry);
		FunctionCounter.builder(ReuseportMeters.STALLS, listener, ReuseportListener::stallWithdrawals)
			.description("Stalls of the listener's event loop that withdrew the listener from the port")
			.tags(tags)
			.register(registry);
		FunctionCounter.builder(ReuseportMeters.LOOP_BLOCKED, listener, ReuseportListener::loopStalls)
			.description("Stalls of the listener's event loop detected by the watchdog, withdrawn or not")
			.tags(tags)
			.register(registry);
		for (AcceptError error : AcceptError.values()) {
			FunctionCounter.builder(ReuseportMeters.ACCEPT_ERRORS, listener, (l) -> l.acceptErrors(error))
				.description("Failed accepts of the listener, by cause; each pauses accepting for half a second")
				.tags(tags.and(ReuseportMeters.ERROR_TAG, error.tag()))
				.register(registry);
		}
		Gauge.builder(ReuseportMeters.WITHDRAWN, listener, (l) -> l.isWithdrawn() ? 1 : 0)
			.description("1 while the listener is withdrawn from the port because its event loop is stalled")
			.tags(tags)
			.strongReference(true)
			.register(registry);
		bindAcceptQueue(registry, listener, tags, ReuseportMeters.ACCEPT_QUEUE, AcceptQueue::length,
				"Connections waiting in the listener's accept queue (TCP_INFO tcpi_unacked)");
		bindAcceptQueue(registry, listener, tags, ReuseportMeters.ACCEPT_QUEUE_LIMIT, AcceptQueue::limit,
				"Backlog of the listener's accept queue (TCP_INFO tcpi_sacked)");
	}

	private void bindHandovers(MeterRegistry registry, String direction, ToDoubleFunction<ReuseportWebServer> count) {
		FunctionCounter.builder(ReuseportMeters.HANDOVERS, this.server, count)
			.description("Handovers of the server's listening sockets between the processes of a restart: given to "
					+ "the process that replaced it, or received from the process it replaced")
			.tags(this.tags.and(ReuseportMeters.DIRECTION_TAG, direction))
			.register(registry);
	}

	/**
	 * Register a gauge read from the kernel on each scrape; NaN while the listener is
	 * closed.
	 */
	private static void bindAcceptQueue(MeterRegistry registry, ReuseportListener listener, Tags tags, String name,
			ToIntFunction<AcceptQueue> field, String description) {
		Gauge
			.builder(name, listener,
					(l) -> l.acceptQueue().map(field::applyAsInt).map(Integer::doubleValue).orElse(Double.NaN))
			.description(description)
			.tags(tags)
			.strongReference(true)
			.register(registry);
	}

}
