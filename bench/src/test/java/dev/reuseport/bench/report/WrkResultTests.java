package dev.reuseport.bench.report;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link WrkResult}.
 */
class WrkResultTests {

	private static final String KEEP_ALIVE = """
			Running 8s test @ http://127.0.0.1:18080/
			  2 threads and 64 connections
			  Thread Stats   Avg      Stdev     Max   +/- Stdev
			    Latency     1.21ms  812.00us  31.47ms   93.31%
			    Req/Sec    26.47k     2.01k   30.12k    71.25%
			  Latency Distribution
			     50%    1.02ms
			     75%    1.33ms
			     90%    1.80ms
			     99%    4.12ms
			  421345 requests in 8.00s, 31.34MB read
			Requests/sec:  52666.61
			Transfer/sec:      3.92MB
			""";

	private static final String CHURN_WITH_ERRORS = """
			Running 8s test @ http://127.0.0.1:18081/
			  2 threads and 64 connections
			  Thread Stats   Avg      Stdev     Max   +/- Stdev
			    Latency   850.25us    2.10ms    1.02s    98.00%
			    Req/Sec     4.01k   300.00     4.50k    70.00%
			  Latency Distribution
			     50%  612.00us
			     75%  800.00us
			     90%    1.10ms
			     99%    1.01s
			  64012 requests in 1.00m, 5.12MB read
			  Socket errors: connect 3, read 12, write 0, timeout 2
			  Non-2xx or 3xx responses: 5
			Requests/sec:   8001.50
			Transfer/sec:    655.00KB
			""";

	@Test
	void parsesKeepAliveOutput() {
		WrkResult result = WrkResult.parse(KEEP_ALIVE);
		assertThat(result.requestsPerSecond()).isEqualTo(52666.61);
		assertThat(result.requests()).isEqualTo(421345);
		assertThat(result.seconds()).isCloseTo(8.0, within(1e-9));
		assertThat(result.latencyAvgMs()).isCloseTo(1.21, within(1e-9));
		assertThat(result.latencyMaxMs()).isCloseTo(31.47, within(1e-9));
		assertThat(result.latencyP50Ms()).isCloseTo(1.02, within(1e-9));
		assertThat(result.latencyP99Ms()).isCloseTo(4.12, within(1e-9));
		assertThat(result.socketErrors()).isZero();
		assertThat(result.non2xx()).isZero();
	}

	@Test
	void parsesErrorsAndEveryTimeUnit() {
		WrkResult result = WrkResult.parse(CHURN_WITH_ERRORS);
		assertThat(result.requestsPerSecond()).isEqualTo(8001.5);
		assertThat(result.seconds()).isCloseTo(60.0, within(1e-9));
		assertThat(result.latencyAvgMs()).isCloseTo(0.85025, within(1e-9));
		assertThat(result.latencyMaxMs()).isCloseTo(1020.0, within(1e-9));
		assertThat(result.latencyP50Ms()).isCloseTo(0.612, within(1e-9));
		assertThat(result.latencyP99Ms()).isCloseTo(1010.0, within(1e-9));
		assertThat(result.socketErrors()).isEqualTo(17);
		assertThat(result.non2xx()).isEqualTo(5);
	}

	@Test
	void outputWithoutLatencyDistributionHasNoPercentiles() {
		String output = KEEP_ALIVE.lines()
			.filter((line) -> !line.contains("%    "))
			.reduce("", (text, line) -> text + line + "\n");
		WrkResult result = WrkResult.parse(output);
		assertThat(result.requestsPerSecond()).isEqualTo(52666.61);
		assertThat(result.latencyP50Ms()).isNaN();
		assertThat(result.latencyP99Ms()).isNaN();
	}

	@Test
	void somethingElseIsRejected() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> WrkResult.parse("unable to connect to 127.0.0.1:18080 Connection refused"));
		assertThatIllegalArgumentException().isThrownBy(() -> WrkResult.parse(""));
	}

	@Test
	void convertsTimeUnitsToMillis() {
		assertThat(WrkResult.millis("250.00", "us")).isCloseTo(0.25, within(1e-9));
		assertThat(WrkResult.millis("2", "s")).isEqualTo(2000);
		assertThat(WrkResult.millis("1.5", "m")).isEqualTo(90_000);
		assertThat(WrkResult.millis("1", "h")).isEqualTo(3_600_000);
	}

}
