package dev.reuseport.bench.client;

import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link NetStat}.
 */
class NetStatTests {

	private static NetStat netstat(long overflows, long drops) {
		return NetStat.parse(List.of("TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops TCPBacklogDrop",
				"TcpExt: 0 0 %d %d 0".formatted(overflows, drops), "IpExt: InNoRoutes InTruncatedPkts", "IpExt: 0 0"));
	}

	@Test
	void readsCountersByPrefixAndName() {
		NetStat netstat = netstat(12, 15);
		assertThat(netstat.get(NetStat.LISTEN_OVERFLOWS)).isEqualTo(12);
		assertThat(netstat.get(NetStat.LISTEN_DROPS)).isEqualTo(15);
		assertThat(netstat.get("IpExt.InNoRoutes")).isZero();
		assertThat(netstat.get("TcpExt.NoSuchCounter")).isEqualTo(-1);
	}

	@Test
	void deltaSinceAnEarlierReading() {
		assertThat(netstat(1012, 1100).since(netstat(12, 15), NetStat.LISTEN_OVERFLOWS)).isEqualTo(1000);
		assertThat(netstat(1012, 1100).since(NetStat.parse(List.of()), NetStat.LISTEN_OVERFLOWS)).isEqualTo(-1);
	}

	@Test
	void mismatchedLinesAreRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> NetStat.parse(List.of("TcpExt: ListenOverflows ListenDrops", "IpExt: 0 0")));
	}

	@Test
	void readsThisMachine() {
		// Linux only: elsewhere the reading is empty
		NetStat netstat = NetStat.read();
		if (NetStat.PROC_NET_NETSTAT.toFile().canRead()) {
			assertThat(netstat.get(NetStat.LISTEN_OVERFLOWS)).isGreaterThanOrEqualTo(0);
		}
	}

}
