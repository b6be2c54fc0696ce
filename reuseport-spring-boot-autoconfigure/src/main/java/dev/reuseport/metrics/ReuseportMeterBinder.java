package dev.reuseport.metrics;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToIntFunction;

import dev.reuseport.server.AcceptQueue;
import dev.reuseport.server.ReuseportListener;
import dev.reuseport.server.ReuseportWebServer;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;

import org.springframework.util.Assert;

/**
 * {@link MeterBinder} for the listeners of {@link ReuseportWebServer}s: per listener, the
 * open and the accepted TCP connections, the requests, and the accept queue read from
 * the kernel, each tagged with the listener index and the port; per server, the spread
 * of recent connections across listeners; and the namespace's listen-queue overflows and
 * drops.
 * <p>
 * Registries are usually bound before the server starts, and a server's port is only
 * known once it has started, so the binder remembers both sides and registers the meters
 * of each started server with every registry it has been bound to.
 *
 * @since 0.1.0
 */
public class ReuseportMeterBinder implements MeterBinder {

	/**
	 * The default window of {@code reuseport.listeners.imbalance}.
	 */
	public static final Duration DEFAULT_IMBALANCE_WINDOW = Duration.ofMinutes(1);

	private final Duration imbalanceWindow;

	private final TcpExtCounters tcpExt = new TcpExtCounters(Path.of("/proc/net/netstat"));

	private final Set<MeterRegistry> registries = ConcurrentHashMap.newKeySet();

	private final Set<StartedServer> servers = ConcurrentHashMap.newKeySet();

	/**
	 * Create a binder with the default imbalance window.
	 */
	public ReuseportMeterBinder() {
		this(DEFAULT_IMBALANCE_WINDOW);
	}

	/**
	 * Create a binder.
	 * @param imbalanceWindow the window over which {@code reuseport.listeners.imbalance}
	 * compares the listeners' accepted connections
	 */
	public ReuseportMeterBinder(Duration imbalanceWindow) {
		Assert.isTrue(!imbalanceWindow.isNegative() && !imbalanceWindow.isZero(), "'imbalanceWindow' must be positive");
		this.imbalanceWindow = imbalanceWindow;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		if (this.registries.add(registry)) {
			registerListenQueueCounters(registry);
		}
		this.servers.forEach((server) -> server.registerWith(registry));
	}

	/**
	 * Register the meters of a started server with every bound registry, and with any
	 * registry bound later.
	 * @param server the started server
	 */
	public void bindServer(ReuseportWebServer server) {
		StartedServer started = new StartedServer(server, server.getPort(), new AcceptImbalance<>(
				server.getListeners(), ReuseportListener::acceptedConnections, this.imbalanceWindow, Clock.systemUTC()));
		if (this.servers.add(started)) {
			this.registries.forEach(started::registerWith);
		}
	}

	private void registerListenQueueCounters(MeterRegistry registry) {
		FunctionCounter.builder(ReuseportMeters.LISTEN_OVERFLOWS, this.tcpExt, (tcpExt) -> tcpExt.read("ListenOverflows"))
			.description("Handshakes dropped because an accept queue was full, for every listening socket of the "
					+ "network namespace (TcpExt ListenOverflows)")
			.register(registry);
		FunctionCounter.builder(ReuseportMeters.LISTEN_DROPS, this.tcpExt, (tcpExt) -> tcpExt.read("ListenDrops"))
			.description("Connection requests dropped by any listening socket of the network namespace, "
					+ "overflows included (TcpExt ListenDrops)")
			.register(registry);
	}

	/**
	 * A started server and the port its meters are tagged with. Equality is by server
	 * and port, so that binding the same start twice registers nothing new.
	 */
	private static final class StartedServer {

		private final ReuseportWebServer server;

		private final int port;

		private final AcceptImbalance<ReuseportListener> imbalance;

		StartedServer(ReuseportWebServer server, int port, AcceptImbalance<ReuseportListener> imbalance) {
			this.server = server;
			this.port = port;
			this.imbalance = imbalance;
		}

		@Override
		public boolean equals(Object other) {
			return other instanceof StartedServer started && started.server == this.server && started.port == this.port;
		}

		@Override
		public int hashCode() {
			return System.identityHashCode(this.server) * 31 + this.port;
		}

		void registerWith(MeterRegistry registry) {
			Tags portTag = Tags.of(ReuseportMeters.PORT_TAG, String.valueOf(this.port));
			Gauge.builder(ReuseportMeters.IMBALANCE, this.imbalance, AcceptImbalance::value)
				.description("Spread of the connections accepted over the recent window across listeners, "
						+ "as (max - min) / mean; 0 when balanced or idle")
				.tags(portTag)
				.strongReference(true)
				.register(registry);
			for (ReuseportListener listener : this.server.getListeners()) {
				registerListenerMeters(registry, listener,
						portTag.and(ReuseportMeters.LISTENER_TAG, String.valueOf(listener.index())));
			}
		}

		private void registerListenerMeters(MeterRegistry registry, ReuseportListener listener, Tags tags) {
			// The server holds its listeners for its whole life, so the meters may hold
			// them strongly too.
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
			FunctionCounter.builder(ReuseportMeters.REQUESTS, listener, ReuseportListener::requestsReceived)
				.description("HTTP requests received on connections the listener accepted, HTTP/2 streams included")
				.tags(tags)
				.register(registry);
			registerAcceptQueueGauge(registry, listener, tags, ReuseportMeters.ACCEPT_QUEUE, AcceptQueue::length,
					"Connections waiting in the listener's accept queue (TCP_INFO tcpi_unacked)");
			registerAcceptQueueGauge(registry, listener, tags, ReuseportMeters.ACCEPT_QUEUE_LIMIT, AcceptQueue::limit,
					"Backlog of the listener's accept queue (TCP_INFO tcpi_sacked)");
		}

		/**
		 * Register a gauge read from the kernel on each scrape; NaN while the listener
		 * is closed.
		 */
		private void registerAcceptQueueGauge(MeterRegistry registry, ReuseportListener listener, Tags tags,
				String name, ToIntFunction<AcceptQueue> field, String description) {
			Gauge.builder(name, listener, (l) -> l.acceptQueue().map(field::applyAsInt).map(Integer::doubleValue).orElse(Double.NaN))
				.description(description)
				.tags(tags)
				.strongReference(true)
				.register(registry);
		}

	}

}
