package dev.reuseport.bench.report;

import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link ListenerCounts}.
 */
class ListenerCountsTests {

	private static final String BEFORE = """
			# HELP reuseport_listener_connections_accepted_total TCP connections accepted by the listener
			# TYPE reuseport_listener_connections_accepted_total counter
			reuseport_listener_connections_accepted_total{listener="0",port="18081"} 100.0
			reuseport_listener_connections_accepted_total{listener="1",port="18081"} 120.0
			reuseport_listener_connections_accepted_total{listener="2",port="18081"} 80.0
			reuseport_listener_connections_accepted_total{listener="3",port="18081"} 100.0
			# HELP reuseport_listener_connections_active Open TCP connections accepted by the listener
			# TYPE reuseport_listener_connections_active gauge
			reuseport_listener_connections_active{listener="0",port="18081"} 17.0
			http_server_requests_seconds_count{error="none",method="GET",outcome="SUCCESS",status="200",uri="/"} 5.0
			""";

	private static final String AFTER = """
			reuseport_listener_connections_accepted_total{listener="0",port="18081"} 1.0001E4
			reuseport_listener_connections_accepted_total{listener="1",port="18081"} 10320.0
			reuseport_listener_connections_accepted_total{listener="2",port="18081"} 9880.0
			reuseport_listener_connections_accepted_total{listener="3",port="18081"} 10000.0
			""";

	@Test
	void parsesOnlyTheAcceptedCounter() {
		assertThat(ListenerCounts.parse(BEFORE).counts()).containsExactly(Map.entry(0, 100L), Map.entry(1, 120L),
				Map.entry(2, 80L), Map.entry(3, 100L));
	}

	@Test
	void labelsMayComeInAnyOrder() {
		String scrape = "reuseport_listener_connections_accepted_total{port=\"8080\",listener=\"12\"} 3.0\n";
		assertThat(ListenerCounts.parse(scrape).counts()).containsExactly(Map.entry(12, 3L));
	}

	@Test
	void totalAndSpread() {
		ListenerCounts counts = ListenerCounts.parse(AFTER);
		assertThat(counts.counts()).containsExactly(Map.entry(0, 10001L), Map.entry(1, 10320L), Map.entry(2, 9880L),
				Map.entry(3, 10000L));
		assertThat(counts.total()).isEqualTo(40201);
		assertThat(counts.spread()).isCloseTo(440 / (40201 / 4.0), within(1e-9));
	}

	@Test
	void poolsRoundsListenerByListener() {
		ListenerCounts pooled = ListenerCounts.empty()
			.plus(ListenerCounts.parse(BEFORE))
			.plus(ListenerCounts.parse(BEFORE));
		assertThat(pooled.counts()).containsExactly(Map.entry(0, 200L), Map.entry(1, 240L), Map.entry(2, 160L),
				Map.entry(3, 200L));
	}

	@Test
	void parsesTheActiveGaugeApartFromTheAcceptedCounter() {
		String scrape = BEFORE + """
				reuseport_listener_connections_active{listener="1",port="18081"} 4.0
				reuseport_listener_connections_active{listener="2",port="18081"} 0.0
				reuseport_listener_connections_active{listener="3",port="18081"} 3.0
				""";
		ListenerCounts open = ListenerCounts.parse(scrape, ListenerCounts.ACTIVE_METRIC);
		assertThat(open.counts()).containsExactly(Map.entry(0, 17L), Map.entry(1, 4L), Map.entry(2, 0L),
				Map.entry(3, 3L));
		assertThat(ListenerCounts.parse(scrape).total()).isEqualTo(400);
	}

	@Test
	void theScrapesOwnConnectionIsTakenOffTheListenerWhoseLoopServedIt() {
		String scrape = """
				reuseport_listener_connections_active{listener="0",port="1"} 2.0
				reuseport_listener_connections_active{listener="1",port="1"} 3.0
				reuseport_listener_connections_active{listener="2",port="1"} 2.0
				reuseport_listener_connections_active{listener="3",port="1"} 2.0
				""";
		ListenerCounts open = ListenerCounts.parse(scrape, ListenerCounts.ACTIVE_METRIC)
			.withoutConnectionServedBy("reuseport-listener-1\n");
		assertThat(open.counts()).containsExactly(Map.entry(0, 2L), Map.entry(1, 2L), Map.entry(2, 2L),
				Map.entry(3, 2L));
		assertThat(open.spread()).isZero();
	}

	@Test
	void aConnectionServedElsewhereCannotBeTakenOff() {
		ListenerCounts open = ListenerCounts.parse("reuseport_listener_connections_active{listener=\"0\"} 0.0\n",
				ListenerCounts.ACTIVE_METRIC);
		assertThatIllegalArgumentException().isThrownBy(() -> open.withoutConnectionServedBy("reactor-http-epoll-1"))
			.withMessageContaining("not a listener's loop");
		assertThatIllegalArgumentException().isThrownBy(() -> open.withoutConnectionServedBy("reuseport-listener-0"))
			.withMessageContaining("listener 0 counts no open connection");
	}

	@Test
	void scrapeWithoutTheStarterHasNoCounts() {
		ListenerCounts counts = ListenerCounts.parse("jvm_threads_live_threads 42.0\n");
		assertThat(counts.counts()).isEmpty();
		assertThat(counts.spread()).isNaN();
	}

}
