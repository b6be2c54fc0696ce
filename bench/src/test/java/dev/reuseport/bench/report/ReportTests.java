package dev.reuseport.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import dev.reuseport.bench.report.Stats.Summary;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link Report}, on a raw directory laid out as {@code bench/run.sh} writes
 * it.
 */
class ReportTests {

	@TempDir
	Path raw;

	@BeforeEach
	void writeRun() throws IOException {
		Files.writeString(this.raw.resolve("meta.properties"), """
				date=2026-01-01 00:00 UTC
				mode=full
				rounds.planned=3
				rounds.completed=3
				loops=4
				burst.connections=20000
				""");
		Files.writeString(this.raw.resolve("commands.txt"), "keep-alive: wrk -t 2 -c 64 -d 8s --latency\n");
		// A's figures drift from round to round; B stays 10 % ahead in rounds 1 and 3
		round(1, "A", 100_000, 10_000, 1000.0, 500, 100_000);
		round(1, "B", 110_000, 12_000, 2.0, 0, 110_000);
		round(1, "B0", 111_100, 12_100, 2.0, 0, 0);
		round(2, "A", 200_000, 20_000, 1000.0, 700, 200_000);
		round(2, "B", 180_000, 21_000, 3.0, 0, 190_000);
		round(2, "B0", 180_000, 21_000, 3.0, 0, 0);
		round(3, "A", 300_000, 30_000, 1000.0, 0, 300_000);
		round(3, "B", 330_000, 36_000, 1.0, 0, 400_000);
		round(3, "B0", 330_000, 36_000, 1.0, 0, 0);
	}

	@Test
	void ratiosToAAreTakenWithinEachRound() throws IOException {
		Report report = Report.load(this.raw);
		Summary keepAlive = report.ratio("B", "A", Report.KEEPALIVE_RPS);
		assertThat(keepAlive.median()).isCloseTo(1.10, within(1e-9));
		assertThat(keepAlive.min()).isCloseTo(0.90, within(1e-9));
		assertThat(keepAlive.max()).isCloseTo(1.10, within(1e-9));
		assertThat(report.summary("B", Report.KEEPALIVE_RPS).median()).isEqualTo(180_000);
	}

	@Test
	void rendersTheHeadlineAndTheGoals() throws IOException {
		Report report = Report.load(this.raw);
		assertThat(report.problems()).isEmpty();
		String markdown = report.render();
		assertThat(markdown).contains("| B | 180,000 (110,000–330,000) | 1.10× (0.90–1.10) | 21,000 (12,000–36,000) "
				+ "| 1.20× (1.05–1.20) | 2.00 (1.00–3.00) | 0.002× (0.001–0.003) | 0 |");
		assertThat(markdown).contains("| B ≥ 1.00× A on keep-alive | 1.10× (0.90–1.10) | met |");
		assertThat(markdown).contains("| B ≥ 1.10× A on churn | 1.20× (1.05–1.20) | met |");
		assertThat(markdown).contains("| Burst: B p99 connect ≤ ¼ of A's | 0.002× (0.001–0.003) | met |");
		assertThat(markdown).contains("| Burst: B has no listen overflows where A overflows | r1: A 500, B 0; "
				+ "r2: A 700, B 0; r3: A 0, B 0 | met |");
		assertThat(markdown).contains("| Meters cost ≤ 2 % (1 − B/B0 req/s) | keep-alive 0.0 % (0.0–1.0); "
				+ "churn 0.0 % (0.0–0.8) | met |");
		assertThat(markdown).contains("keep-alive: wrk -t 2 -c 64 -d 8s --latency");
		// C and D did not run in this fixture
		assertThat(report.servers()).containsExactly("A", "B", "B0");
		assertThat(markdown).doesNotContain("| C |").doesNotContain("| D |");
	}

	@Test
	void balanceIsPooledOverRounds() throws IOException {
		Report report = Report.load(this.raw);
		ListenerCounts pooled = report.pooledBalance();
		assertThat(pooled.total()).isEqualTo(700_000);
		assertThat(report.render()).contains("| all | 700,000 | 175,000 / 175,000 / 175,000 / 175,000 | 0.0 % |")
			.contains("over 700,000 connections | met |");
	}

	@Test
	void missingFilesAreProblemsNotFailures() throws IOException {
		Files.delete(this.raw.resolve("round-2/B/churn.txt"));
		Files.writeString(this.raw.resolve("round-3/B/burst.txt"), "");
		Files.writeString(this.raw.resolve("round-1/B/prom-after-churn.txt"), "jvm_threads_live_threads 42.0\n");
		Report report = Report.load(this.raw);
		assertThat(report.values("B", Report.CHURN_RPS)).containsOnlyKeys(1, 3);
		assertThat(report.problems()).containsExactly("round 1, B: prom-after-churn.txt: no "
				+ ListenerCounts.METRIC + " samples", "round 2, B: churn.txt is missing",
				"round 3, B: burst.txt: no connect.p99.ms (did the burst client run?)");
		assertThat(report.render()).contains("## Problems").contains("- round 2, B: churn.txt is missing");
		assertThat(report.pooledBalance().total()).isEqualTo(590_000);
	}

	@Test
	void burstErrorsAreNotesNotProblems() throws IOException {
		Path burst = this.raw.resolve("round-1/A/burst.txt");
		Files.writeString(burst, Files.readString(burst) + "error=3 x IOException: Connection reset by peer\n");
		Report report = Report.load(this.raw);
		assertThat(report.problems()).isEmpty();
		assertThat(report.render()).contains("## Notes")
			.contains("- round 1, A: burst client: 3 x IOException: Connection reset by peer")
			.doesNotContain("## Problems");
	}

	private void round(int round, String server, double keepAlive, double churn, double burstP99, int overflows,
			long churnConnections) throws IOException {
		Path dir = Files.createDirectories(this.raw.resolve("round-" + round).resolve(server));
		Files.writeString(dir.resolve("keepalive.txt"), wrk(keepAlive));
		Files.writeString(dir.resolve("churn.txt"), wrk(churn));
		Files.writeString(dir.resolve("burst.txt"), """
				connections=20000
				connected=20000
				completed=20000
				failed=0
				timedOut=0
				connect.p50.ms=0.100
				connect.p99.ms=%s
				connect.max.ms=1003.000
				response.p50.ms=1.000
				response.p99.ms=5.000
				response.max.ms=1010.000
				listenOverflows=%d
				listenDrops=%d
				""".formatted(burstP99, overflows, overflows));
		if (server.equals("B")) {
			Files.writeString(dir.resolve("prom-after-churn.txt"), scrape(churnConnections / 4));
		}
	}

	private static String scrape(long each) {
		StringBuilder scrape = new StringBuilder();
		for (int listener = 0; listener < 4; listener++) {
			scrape.append("reuseport_listener_connections_accepted_total{listener=\"%d\",port=\"18081\"} %d.0\n"
				.formatted(listener, each));
		}
		return scrape.toString();
	}

	private static String wrk(double requestsPerSecond) {
		return """
				Running 8s test @ http://127.0.0.1:18080/
				  2 threads and 64 connections
				  Thread Stats   Avg      Stdev     Max   +/- Stdev
				    Latency     1.21ms  812.00us  31.47ms   93.31%%
				  Latency Distribution
				     50%%    1.02ms
				     99%%    4.12ms
				  421345 requests in 8.00s, 31.34MB read
				Requests/sec:  %.2f
				Transfer/sec:      3.92MB
				""".formatted(requestsPerSecond);
	}

}
