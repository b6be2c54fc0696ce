package dev.reuseport.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link TcpExtCounters}.
 */
class TcpExtCountersTests {

	@Test
	void readsCountersFromTheTcpExtSection(@TempDir Path dir) throws IOException {
		Path netstat = dir.resolve("netstat");
		Files.writeString(netstat, """
				TcpExt: SyncookiesSent ListenOverflows ListenDrops
				TcpExt: 0 17 23
				IpExt: InNoRoutes ListenOverflows
				IpExt: 5 99
				""");
		TcpExtCounters counters = new TcpExtCounters(netstat);
		assertThat(counters.read("ListenOverflows")).isEqualTo(17);
		assertThat(counters.read("ListenDrops")).isEqualTo(23);
		assertThat(counters.read("NoSuchCounter")).isNaN();
	}

	@Test
	void readsTheRunningKernelsCounters() {
		TcpExtCounters counters = new TcpExtCounters(Path.of("/proc/net/netstat"));
		assertThat(counters.read("ListenOverflows")).isNotNaN().isGreaterThanOrEqualTo(0);
		assertThat(counters.read("ListenDrops")).isGreaterThanOrEqualTo(counters.read("ListenOverflows"));
	}

	@Test
	void isNaNWhenTheFileIsMissing(@TempDir Path dir) {
		assertThat(new TcpExtCounters(dir.resolve("missing")).read("ListenOverflows")).isNaN();
	}

}
