package dev.reuseport.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KernelCounters}.
 */
class KernelCountersTests {

	@Test
	void readsCountersFromTheTcpExtSection(@TempDir Path dir) throws IOException {
		Path netstat = dir.resolve("netstat");
		Files.writeString(netstat, """
				TcpExt: SyncookiesSent ListenOverflows ListenDrops
				TcpExt: 0 17 23
				IpExt: InNoRoutes ListenOverflows
				IpExt: 5 99
				""");
		KernelCounters counters = new KernelCounters(netstat, "TcpExt");
		assertThat(counters.read("ListenOverflows")).isEqualTo(17);
		assertThat(counters.read("ListenDrops")).isEqualTo(23);
		assertThat(counters.read("NoSuchCounter")).isNaN();
	}

	@Test
	void readsTheUdpSectionAndNotUdpLite(@TempDir Path dir) throws IOException {
		Path snmp = dir.resolve("snmp");
		Files.writeString(snmp, """
				UdpLite: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors
				UdpLite: 1 2 3 4 5
				Udp: InDatagrams NoPorts InErrors OutDatagrams RcvbufErrors
				Udp: 100 9 7 120 6
				""");
		KernelCounters counters = new KernelCounters(snmp, "Udp");
		assertThat(counters.read("InErrors")).isEqualTo(7);
		assertThat(counters.read("RcvbufErrors")).isEqualTo(6);
	}

	@Test
	void readsTheRunningKernelsUdpCounters() {
		KernelCounters counters = new KernelCounters(Path.of("/proc/net/snmp"), "Udp");
		assertThat(counters.read("InErrors")).isGreaterThanOrEqualTo(counters.read("RcvbufErrors"))
			.isGreaterThanOrEqualTo(0);
	}

	@Test
	void readsTheRunningKernelsCounters() {
		KernelCounters counters = new KernelCounters(Path.of("/proc/net/netstat"), "TcpExt");
		assertThat(counters.read("ListenOverflows")).isNotNaN().isGreaterThanOrEqualTo(0);
		assertThat(counters.read("ListenDrops")).isGreaterThanOrEqualTo(counters.read("ListenOverflows"));
	}

	@Test
	void isNaNWhenTheFileIsMissing(@TempDir Path dir) {
		assertThat(new KernelCounters(dir.resolve("missing"), "TcpExt").read("ListenOverflows")).isNaN();
	}

}
