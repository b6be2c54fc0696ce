package dev.reuseport.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ListenQueueMetrics}.
 */
class ListenQueueMetricsTests {

	private final MeterRegistry registry = new SimpleMeterRegistry();

	@Test
	void shouldRegisterTheNamespaceCountersWithoutTagsAndReadThemOnEachScrape(@TempDir Path dir) throws IOException {
		Path netstat = dir.resolve("netstat");
		Files.writeString(netstat, "TcpExt: ListenOverflows ListenDrops\nTcpExt: 1 2\n");
		new ListenQueueMetrics(netstat).bindTo(this.registry);
		FunctionCounter overflows = this.registry.get(ReuseportMeters.LISTEN_OVERFLOWS).functionCounter();
		FunctionCounter drops = this.registry.get(ReuseportMeters.LISTEN_DROPS).functionCounter();
		assertThat(overflows.getId().getTags()).isEmpty();
		assertThat(drops.getId().getTags()).isEmpty();
		assertThat(overflows.getId().getDescription())
			.isEqualTo("Handshakes dropped because an accept queue was full, for every listening socket of the "
					+ "network namespace (TcpExt ListenOverflows)");
		assertThat(drops.getId().getDescription())
			.isEqualTo("Connection requests dropped by any listening socket of the network namespace, "
					+ "overflows included (TcpExt ListenDrops)");
		assertThat(overflows.count()).isEqualTo(1);
		assertThat(drops.count()).isEqualTo(2);
		Files.writeString(netstat, "TcpExt: ListenOverflows ListenDrops\nTcpExt: 5 8\n");
		assertThat(overflows.count()).isEqualTo(5);
		assertThat(drops.count()).isEqualTo(8);
	}

	@Test
	void shouldReadTheCurrentNetworkNamespaceByDefault() {
		new ListenQueueMetrics().bindTo(this.registry);
		assertThat(this.registry.get(ReuseportMeters.LISTEN_OVERFLOWS).functionCounter().count()).isNotNaN();
		assertThat(this.registry.get(ReuseportMeters.LISTEN_DROPS).functionCounter().count()).isNotNaN();
	}

}
