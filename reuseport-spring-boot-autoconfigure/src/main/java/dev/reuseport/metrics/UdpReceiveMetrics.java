package dev.reuseport.metrics;

import java.nio.file.Path;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * {@link MeterBinder} for the UDP receive errors of the network namespace, read from the
 * {@code Udp} counters of {@code /proc/net/snmp} on each scrape: the datagrams that no
 * socket received, most of them because a socket's receive buffer was full. As the
 * listen-queue counters, they are kept per namespace, not per socket; each HTTP/3
 * listener's own drops are {@code reuseport.http3.receive.drops}.
 *
 * @since 0.1.0
 */
public class UdpReceiveMetrics implements MeterBinder {

	private final KernelCounters udp;

	/**
	 * Create a binder that reads the counters of the current network namespace.
	 */
	public UdpReceiveMetrics() {
		this(Path.of("/proc/net/snmp"));
	}

	UdpReceiveMetrics(Path snmp) {
		this.udp = new KernelCounters(snmp, "Udp");
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		FunctionCounter.builder(ReuseportMeters.UDP_RECEIVE_ERRORS, this.udp, (udp) -> udp.read("InErrors"))
			.description("Datagrams that no UDP socket of the network namespace received, receive buffer "
					+ "overflows included (Udp InErrors)")
			.register(registry);
		FunctionCounter.builder(ReuseportMeters.UDP_RECEIVE_BUFFER_ERRORS, this.udp, (udp) -> udp.read("RcvbufErrors"))
			.description("Datagrams dropped because a UDP socket's receive buffer of the network namespace was full "
					+ "(Udp RcvbufErrors)")
			.register(registry);
	}

}
