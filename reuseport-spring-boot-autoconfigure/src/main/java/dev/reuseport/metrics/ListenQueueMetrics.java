package dev.reuseport.metrics;

import java.nio.file.Path;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@link MeterBinder} for the listen-queue overflows and drops of the network namespace,
 * read from the {@code TcpExt} counters of {@code /proc/net/netstat} on each scrape. The
 * kernel keeps these counters per namespace, not per socket, so they cover every
 * listening socket of the namespace and need no server: this binder is bound once, like
 * any other {@link MeterBinder} bean.
 *
 * @since 0.1.0
 */
public class ListenQueueMetrics implements MeterBinder {

	private final KernelCounters tcpExt;

	/**
	 * Create a binder that reads the counters of the current network namespace.
	 */
	public ListenQueueMetrics() {
		this(Path.of("/proc/net/netstat"));
	}

	ListenQueueMetrics(Path netstat) {
		this.tcpExt = new KernelCounters(netstat, "TcpExt");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		FunctionCounter
			.builder(ReuseportMeters.LISTEN_OVERFLOWS, this.tcpExt, (tcpExt) -> tcpExt.read("ListenOverflows"))
			.description("Handshakes dropped because an accept queue was full, for every listening socket of the "
					+ "network namespace (TcpExt ListenOverflows)")
			.register(registry);
		FunctionCounter.builder(ReuseportMeters.LISTEN_DROPS, this.tcpExt, (tcpExt) -> tcpExt.read("ListenDrops"))
			.description("Connection requests dropped by any listening socket of the network namespace, "
					+ "overflows included (TcpExt ListenDrops)")
			.register(registry);
	}

}
