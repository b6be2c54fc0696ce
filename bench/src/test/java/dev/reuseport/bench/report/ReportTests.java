package dev.reuseport.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import dev.reuseport.bench.report.Goals.Goal;
import dev.reuseport.bench.report.Stats.Summary;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.util.FileSystemUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

/**
 * Tests for {@link Report} with {@link RunLoader} and {@link Goals}, on a raw directory
 * laid out as {@code bench/run.sh} writes it.
 */
class ReportTests {

	@TempDir
	Path raw;

	@BeforeEach
	void writeRun() throws IOException {
		Files.writeString(this.raw.resolve("meta.properties"), "date=2026-01-01 00:00 UTC\nmode=full\nloops=4\n");
		Files.writeString(this.raw.resolve("commands.txt"), "keepalive: wrk -t 2 -c 64 -d 10s --latency\n");
		// A's figures drift from round to round; B stays 10 % ahead in rounds 1 and 3.
		// CPU: A uses 100 ticks per 10,000 requests (100 µs each), B 90 in rounds 1 and
		// 3.
		round(1, "A", 100_000, 10_000, 100, 100);
		round(1, "B", 110_000, 12_000, 90, 110);
		round(1, "B0", 110_000, 12_000, 91, 100);
		round(2, "A", 200_000, 20_000, 100, 100);
		round(2, "B", 180_000, 21_000, 120, 95);
		round(2, "B0", 180_000, 21_000, 119, 90);
		round(3, "A", 300_000, 30_000, 100, 100);
		round(3, "B", 330_000, 36_000, 90, 105);
		round(3, "B0", 330_000, 36_000, 90, 100);
		stall("A", "loop-1 true", 900.0, "loop-2 false", 2.0);
		stall("B", "loop-1 true", 2.0, "loop-2 true", 400.0);
		burst("A", 512, 700);
		burst("B", 512, 40);
	}

	@Test
	void ratiosToAAreTakenWithinEachRound() throws IOException {
		RunData run = RunLoader.load(this.raw);
		Summary keepAlive = run.ratio("B", "A", "keepalive.rps");
		assertThat(keepAlive.median()).isCloseTo(1.10, within(1e-9));
		assertThat(keepAlive.min()).isCloseTo(0.90, within(1e-9));
		assertThat(run.summary("B", "keepalive.rps").median()).isEqualTo(180_000);
	}

	@Test
	void cpuPerRequestIsCpuTimeOverWrkRequests() throws IOException {
		RunData run = RunLoader.load(this.raw);
		// 100 ticks at 100 per second over 10,000 requests
		assertThat(run.values("A", "keepalive.cpu.us").get(1)).isCloseTo(100.0, within(1e-9));
		assertThat(run.ratio("B", "A", "keepalive.cpu.us").median()).isCloseTo(0.90, within(1e-9));
	}

	@Test
	void goalsAreMetOrMissedWithTheirFigures() throws IOException {
		List<Goal> goals = Goals.evaluate(RunLoader.load(this.raw));
		assertThat(goals).extracting(Goal::status)
			.containsExactly("met", "missed", "met", "met", "not measured", "not measured", "not measured", "met",
					"met", "met", "missed", "not run (--scenarios)");
		assertThat(goals.get(0).figure()).isEqualTo("0.90× (0.90–1.20)");
		assertThat(goals.get(1).figure()).isEqualTo("1.05× (0.95–1.10)");
		assertThat(goals.get(7).figure()).isEqualTo("B 0.0 % (limit 55.0 %, N = 2); A 100.0 %");
		assertThat(goals.get(8).figure()).isEqualTo("B 400 ms, A 900 ms (0.44×)");
		assertThat(goals.get(9).figure()).isEqualTo("ListenOverflows B 40, A 700");
	}

	@Test
	void rendersGoalsTablesAndSections() throws IOException {
		Report report = Report.load(this.raw);
		assertThat(report.problems()).isEmpty();
		String markdown = report.render();
		assertThat(markdown).contains("| Throughput on churn: B ≥ 1.05× A | 1.20× (1.05–1.20) | met | churn |")
			.contains("| A | loop-1 (listener) | 100.0 % | 50.0 % |")
			.contains("**Backlog 512**")
			.contains("A 512 ✓; B 512/512 ✓")
			.contains("keepalive: wrk -t 2 -c 64 -d 10s --latency")
			.doesNotContain("Not steady-state")
			.doesNotContain("| C |");
	}

	@Test
	void jettyTomcatAndIoUringServersAreComparedWithAAndBWithTheBetterOfJettyAndTomcat() throws IOException {
		writeOtherServers();
		Report report = Report.load(this.raw);
		assertThat(report.problems()).isEmpty();
		RunData run = RunLoader.load(this.raw);
		// Churn: B 12,000 / 21,000 / 36,000 against the better of J and T in each round,
		// J 10,000 / 25,000 / 30,000 and T 11,000 / 20,000 / 32,000
		Summary churn = run.ratioToBest("B", RunData.SERVLET_SERVERS, "churn.rps", true);
		assertThat(churn.median()).isCloseTo(12_000.0 / 11_000, within(1e-9));
		assertThat(churn.min()).isCloseTo(21_000.0 / 25_000, within(1e-9));
		assertThat(churn.max()).isCloseTo(36_000.0 / 32_000, within(1e-9));
		// CPU on keep-alive: the lower of J's 150 and T's 130 ticks per 10,000 requests
		Summary cpu = run.ratioToBest("B", RunData.SERVLET_SERVERS, "keepalive.cpu.us", false);
		assertThat(cpu.median()).isCloseTo(90.0 / 130, within(1e-9));
		assertThat(Goals.evaluate(run)).filteredOn((goal) -> goal.name().contains("the better of J and T"))
			.extracting(Goal::status)
			.containsExactly("met", "met", "met");
		String markdown = report.render();
		assertThat(markdown).contains("## Choosing a server")
			.contains("| Au | 200,000 (1.00×) |")
			.contains("| J | 180,000 (0.90×) | 150.0 (1.50×) | 25,000 (1.00× (1.00–1.25)) |")
			.contains("Best: Keep-alive req/s **Bu**, Keep-alive CPU µs/req **B**, Churn req/s **J**,")
			.contains("J: the same app on Spring Boot's Jetty 12 server")
			.contains("Bu: B on io_uring");
		// Jetty and Tomcat have no loops: their rows leave the spread out, Au's has it
		assertThat(run.summary("J", "keepalive.loop.cpu.spread")).isNull();
		assertThat(run.summary("Au", "keepalive.loop.cpu.spread").median()).isZero();
		// Bu has the starter's meters, scraped as B's are
		assertThat(run.balance).containsKey("Bu");
	}

	@Test
	void missingFilesAreProblemsNotFailures() throws IOException {
		Files.delete(this.raw.resolve("round-2/B/churn.txt"));
		Files.writeString(this.raw.resolve("round-1/B/prom-after-churn.txt"), "jvm_threads_live_threads 42.0\n");
		Files.writeString(this.raw.resolve("burst-512/B/stalled.txt"), "");
		RunData run = RunLoader.load(this.raw);
		assertThat(run.values("B", "churn.rps")).containsOnlyKeys(1, 3);
		assertThat(run.problems).containsExactly(
				"burst at backlog 512, B: stalled.txt: no connect.p99.ms (did the burst client run?)",
				"round 1, B: prom-after-churn.txt: no " + ListenerCounts.METRIC + " samples",
				"round 2, B: churn.txt is missing");
		assertThat(new Report(run).render()).contains("## Problems");
	}

	@Test
	void burstErrorsAreNotesNotProblems() throws IOException {
		Path burst = this.raw.resolve("burst-512/A/alone.txt");
		Files.writeString(burst, Files.readString(burst) + "error=3 x IOException: Connection reset by peer\n");
		Report report = Report.load(this.raw);
		assertThat(report.problems()).isEmpty();
		assertThat(report.render()).contains("## Notes")
			.contains("burst client: 3 x IOException: Connection reset by peer");
	}

	@Test
	void chartsAreWrittenAsDataAndAGnuplotScript() throws IOException {
		Path script = new Charts(RunLoader.load(this.raw)).write(this.raw.resolve("charts"), this.raw.resolve("out"));
		assertThat(Files.readString(script)).contains("-ratios.png").contains("-stall.svg").contains("index 1");
		assertThat(Files.readString(this.raw.resolve("charts/ratios.dat")))
			.contains("\"keep-alive req/s\" 1.10000 0.900000 1.10000");
	}

	@Test
	void aRunWithoutAHasNoRatiosToDraw() throws IOException {
		try (Stream<Path> paths = Files.walk(this.raw)) {
			for (Path dir : paths.filter((path) -> path.getFileName().toString().equals("A")).toList()) {
				FileSystemUtils.deleteRecursively(dir);
			}
		}
		Path script = new Charts(RunLoader.load(this.raw)).write(this.raw.resolve("charts"), this.raw.resolve("out"));
		assertThat(Files.readString(this.raw.resolve("charts/ratios.dat")))
			.startsWith("# figure, then median min max of each server's ratio to A: \n");
		assertThat(Files.readString(script)).contains("plot 1 title 'no ratios'");
	}

	@Test
	void fewConnectionStepsGiveTheSpreadOfLoopCpuAndOfOpenConnections() throws IOException {
		writeFewConnectionsAndVariant();
		RunData run = RunLoader.load(this.raw);
		assertThat(run.problems).isEmpty();
		assertThat(run.fewSteps()).containsExactly("keepalive-c8");
		// A's loops used 1 s each; B's 0, 2, 4 and 2 s: (4 - 0) / 2
		assertThat(run.values("A", "keepalive-c8.loop.cpu.spread").values()).containsExactly(0.0, 0.0, 0.0);
		assertThat(run.values("B", "keepalive-c8.loop.cpu.spread").values()).containsExactly(2.0, 2.0, 2.0);
		// B's listeners report 0, 3, 4 and 2 open, the scrape's own connection on
		// listener 1
		assertThat(run.open.get("B").get("keepalive-c8").get(3).counts()).containsExactly(entry(0, 0L), entry(1, 2L),
				entry(2, 4L), entry(3, 2L));
		assertThat(run.values("B", "keepalive-c8.open.spread").values()).containsExactly(2.0, 2.0, 2.0);
		assertThat(run.values("A", "keepalive-c8.open.spread")).isEmpty();
		assertThat(run.values("B", "keepalive-c8.cpu.us").get(1)).isCloseTo(50.0, within(1e-9));
		assertThat(run.ratio("B", "A", "keepalive-c8.rps").median()).isCloseTo(0.5, within(1e-9));
	}

	@Test
	void variantsAreMeasuredLikeBAndComparedWithB() throws IOException {
		writeFewConnectionsAndVariant();
		Report report = Report.load(this.raw);
		RunData run = report.run();
		assertThat(run.servers()).containsExactly("A", "B", "B0", "Bx");
		assertThat(run.ratio("Bx", "B", "keepalive.rps").median()).isCloseTo(0.8, within(1e-9));
		assertThat(run.ratio("Bx", "B", "keepalive.cpu.us").median()).isCloseTo(1.2, within(1e-9));
		assertThat(run.ratio("Bx", "A", "keepalive.rps").min()).isCloseTo(0.72, within(1e-9));
		assertThat(report.problems()).isEmpty();
		assertThat(run.notes).containsExactly(
				"Bx: its scrapes have no " + ListenerCounts.METRIC + " samples (are its meters off?)",
				"Bx: its scrapes have no " + ListenerCounts.ACTIVE_METRIC + " samples (are its meters off?)");
		assertThat(report.render()).contains("## Few long-lived connections")
			.contains("| B | 5,000 | 0.50× | 50.0 | 0.50× | 4.12 | 1.00× | 2.00 | 2.00 | 0 / 2 / 4 / 2 |")
			.contains("| A | 10,000 | 1 | 100.0 | 1 | 4.12 | 1 | 0.00 | n/a |  |")
			.contains("## Variants against B")
			.contains("- Bx: B with `--reuseport.metrics.enabled=false`")
			.contains("| keepalive | req/s | 0.80× |")
			.contains("| keepalive | CPU µs/req | 1.20× |")
			.contains("| keepalive-c8 | req/s | 0.80× |")
			.contains("| Bx | 144,000 (88,000–264,000) | 0.88× (0.72–0.88) |");
	}

	@Test
	void openConnectionsAreCountedPerServingLoopWhereTheStarterReportsThem() throws IOException {
		writeFewConnectionsAndVariant();
		// Balancing handed the scrape's connection, accepted by listener 0, to loop 3:
		// the
		// accepting listener's gauge does not count it on loop 3, the served gauge does
		Files.writeString(this.raw.resolve("round-3/B/keepalive-c8.prom.txt"), """
				reuseport_listener_connections_active{listener="0",port="18081"} 3.0
				reuseport_listener_connections_active{listener="1",port="18081"} 2.0
				reuseport_listener_connections_active{listener="2",port="18081"} 2.0
				reuseport_listener_connections_active{listener="3",port="18081"} 2.0
				reuseport_listener_connections_served{listener="0",port="18081"} 2.0
				reuseport_listener_connections_served{listener="1",port="18081"} 2.0
				reuseport_listener_connections_served{listener="2",port="18081"} 2.0
				reuseport_listener_connections_served{listener="3",port="18081"} 3.0
				""");
		Files.writeString(this.raw.resolve("round-3/B/keepalive-c8.scrape-thread.txt"), "reuseport-listener-3");
		RunData run = RunLoader.load(this.raw);
		assertThat(run.problems).isEmpty();
		assertThat(run.open.get("B").get("keepalive-c8").get(3).counts()).containsExactly(entry(0, 2L), entry(1, 2L),
				entry(2, 2L), entry(3, 2L));
		assertThat(run.values("B", "keepalive-c8.open.spread").get(3)).isZero();
	}

	@Test
	void bWithoutOpenConnectionSamplesIsAProblem() throws IOException {
		writeFewConnectionsAndVariant();
		Files.writeString(this.raw.resolve("round-2/B/keepalive-c8.prom.txt"), "jvm_threads_live_threads 42.0\n");
		Files.delete(this.raw.resolve("round-3/A/churn.loops"));
		assertThat(RunLoader.load(this.raw).problems).containsExactly(
				"round 2, B: keepalive-c8.prom.txt: no " + ListenerCounts.ACTIVE_METRIC + " samples",
				"round 3, A: churn.loops is missing");
	}

	@Test
	void proxyStepsGiveCpuPerProxiedRequestAndTheShareOnTheInboundLoop() throws IOException {
		writeProxyAndRelief("1 (set in the private namespace)");
		Report report = Report.load(this.raw);
		RunData run = report.run();
		assertThat(report.problems()).isEmpty();
		assertThat(run.servers()).containsExactly("A", "B", "B0");
		assertThat(run.proxyServersMeasured()).containsExactly("A", "B", RunData.NO_AFFINITY);
		// 85 ticks at 100 per second over wrk's 10,000 requests, against A's 100
		assertThat(run.values("B", "proxy.cpu.us").get(2)).isCloseTo(85.0, within(1e-9));
		assertThat(run.ratio("B", "A", "proxy.cpu.us").median()).isCloseTo(0.85, within(1e-9));
		assertThat(run.values("A", "proxy.loop.share").values()).containsOnly(0.25);
		assertThat(run.values("B", "proxy-churn.loop.share").values()).containsOnly(1.0);
		assertThat(run.values(RunData.NO_AFFINITY, "proxy.calls").values()).containsOnly(10_000.0);
		Goal proxy = Goals.evaluate(run).get(11);
		assertThat(proxy.name()).startsWith("Proxy: CPU per proxied request");
		assertThat(proxy.figure()).isEqualTo("0.85×");
		assertThat(proxy.status()).isEqualTo("met");
		assertThat(report.render()).contains("planned rounds of A B B0 B-noaffinity,")
			.contains("## Proxy")
			.contains("| A | 20,000 | 1 | 100.0 | 1 | 4.12 | 1 | 25.0 % | 30,000 | 0 |")
			.contains("| B | 22,000 | 1.10× | 85.0 | 0.85× | 4.12 | 1.00× | 100.0 % | 30,000 | 0 |")
			.contains("| B-noaffinity | 18,000 | 0.90× | 120.0 | 1.20× | 4.12 | 1.00× | 0.0 % | 30,000 | 0 |")
			.contains("| B-noaffinity | 4.0 | true | 900 / 950 / 940 |")
			.contains("- `net.ipv4.tcp_migrate_req`: 1 (set in the private namespace)");
	}

	@Test
	void proxyRatiosJoinTheRatioChart() throws IOException {
		writeProxyAndRelief("1");
		new Charts(RunLoader.load(this.raw)).write(this.raw.resolve("charts"), this.raw.resolve("out"));
		String ratios = Files.readString(this.raw.resolve("charts/ratios.dat"));
		assertThat(ratios).startsWith("# figure, then median min max of each server's ratio to A: B B0 B-noaffinity\n")
			.contains("\"proxy CPU/req\" 0.850000 0.850000 0.850000 NaN NaN NaN 1.20000 1.20000 1.20000");
	}

	@Test
	void reliefRowsCompareBWithReliefWithAAndWithBWithoutRelief() throws IOException {
		writeProxyAndRelief("1 (set in the private namespace)");
		String markdown = Report.load(this.raw).render();
		assertThat(markdown).contains("### Stall relief")
			.contains("| A | A | 100.0 % | 50.0 % | 900 | 1.00× | 0.90× | 2 |")
			.contains("| B without relief | B-norelief | 100.0 % | 50.0 % | 1,000 | 1.11× | 1.00× | 2 |")
			.contains("| B with relief | B | 0.0 % | 0.0 % | 400 | 0.44× | 0.40× | 2 |");
	}

	@Test
	void withoutTcpMigrateReqBIsTheRowWithoutReliefAndTheReliefRowIsSkipped() throws IOException {
		writeProxyAndRelief("0 (the host's)");
		Files.delete(this.raw.resolve("stall/B-norelief/samples.txt"));
		Files.delete(this.raw.resolve("stall/B-norelief"));
		String markdown = Report.load(this.raw).render();
		assertThat(markdown)
			.contains("| B without relief | B (relief inactive) | 0.0 % | 0.0 % | 400 | 0.44× | 1.00× | 2 |")
			.contains("| B with relief | skipped | `tcp_migrate_req` is 0 (the host's): relief would stay inactive");
	}

	@Test
	void aMissingProxyCountIsAProblemAndGoalsOfScenariosLeftOutSaySo() throws IOException {
		writeProxyAndRelief("1");
		Files.delete(this.raw.resolve("round-2/B/proxy-churn.share"));
		Files.writeString(this.raw.resolve("meta.properties"),
				Files.readString(this.raw.resolve("meta.properties"))
					.replace("scenarios=steady proxy stall burst", "scenarios=proxy stall")
					.replace("steady.servers=A B B0", "steady.servers="));
		RunData run = RunLoader.load(this.raw);
		assertThat(run.problems).containsExactly("round 2, B: proxy-churn.share is missing");
		assertThat(new Report(run).render()).doesNotContain("## Headline").doesNotContain("## Keep-alive");
		Files.writeString(this.raw.resolve("meta.properties"),
				Files.readString(this.raw.resolve("meta.properties"))
					.replace("scenarios=proxy stall", "scenarios=stall")
					.replace("proxy.servers=A B B-noaffinity", "proxy.servers="));
		assertThat(Report.load(this.raw).render()).contains("` mode): no rounds (scenarios: stall), 4 event loops");
		assertThat(Goals.evaluate(run)).extracting(Goal::status)
			.containsExactly("not run (--scenarios)", "not run (--scenarios)", "not run (--scenarios)",
					"not run (--scenarios)", "not run (--scenarios)", "not run (--scenarios)", "not run (--scenarios)",
					"met", "met", "not run (--scenarios)", "not run (--scenarios)", "met");
	}

	/**
	 * Add the proxy scenario, for A, B and B-noaffinity in every round, and the stalled
	 * loop of B without relief. Each proxy step counts 10,000 requests (wrk's output) and
	 * 10,000 proxied calls: A handles a quarter of the downstream responses on the
	 * inbound loop, B all of them, B-noaffinity none.
	 * @param migrate the recorded {@code tcp_migrate_req}
	 */
	private void writeProxyAndRelief(String migrate) throws IOException {
		Files.writeString(this.raw.resolve("meta.properties"), """
				date=2026-01-01 00:00 UTC
				mode=full
				loops=4
				servers=A B B0
				scenarios=steady proxy stall burst
				steady.servers=A B B0
				proxy.servers=A B B-noaffinity
				proxy.backend.workers=2
				proxy.backend.cpus=not pinned
				tcp_migrate_req=%s
				""".formatted(migrate));
		for (int round = 1; round <= 3; round++) {
			for (String server : List.of("A", "B", RunData.NO_AFFINITY)) {
				Path dir = Files.createDirectories(this.raw.resolve("round-" + round).resolve(server));
				double rps = server.equals("A") ? 20_000 : server.equals("B") ? 22_000 : 18_000;
				int ticks = server.equals("A") ? 100 : server.equals("B") ? 85 : 120;
				long same = server.equals("A") ? 2_500 : server.equals("B") ? 10_000 : 0;
				for (String step : List.of("proxy", "proxy-churn")) {
					Files.writeString(dir.resolve(step + ".txt"), wrk(rps));
					Files.writeString(dir.resolve(step + ".cpu"), cpu(ticks));
					Files.writeString(dir.resolve(step + ".share"), "before same=40 other=60\nafter same=%d other=%d\n"
						.formatted(40 + same, 60 + 10_000 - same));
				}
			}
		}
		Path warmup = Files.createDirectories(this.raw.resolve("warmup").resolve(RunData.NO_AFFINITY));
		Files.writeString(warmup.resolve("proxy.properties"), "seconds=4.0\nstable=true\nwindows=800,900,950,940\n");
		stall(RunData.NO_RELIEF, "loop-1 true", 1000.0, "loop-2 true", 2.0);
	}

	/**
	 * Turn the recorded run into one with a few-connection step of 8 connections and a
	 * variant Bx without meters, whose throughput is 20 % below B's and whose CPU per
	 * request on keep-alive is 20 % above.
	 */
	private void writeFewConnectionsAndVariant() throws IOException {
		Files.writeString(this.raw.resolve("meta.properties"), """
				date=2026-01-01 00:00 UTC
				mode=full
				loops=4
				few.connections=8
				variants=Bx
				variant.Bx.starter=bench/target/starter
				variant.Bx.args=--reuseport.metrics.enabled=false
				""");
		round(1, "Bx", 88_000, 9_600, 108, 110);
		round(2, "Bx", 144_000, 16_800, 144, 95);
		round(3, "Bx", 264_000, 28_800, 108, 105);
		for (int round = 1; round <= 3; round++) {
			for (String server : List.of("A", "B", "B0", "Bx")) {
				Path dir = this.raw.resolve("round-" + round).resolve(server);
				boolean a = server.equals("A");
				String name = LoopCpuTime.loopThreadName(server);
				Files.writeString(dir.resolve("keepalive.loops"), loops(name, 100, 100, 100, 100));
				Files.writeString(dir.resolve("churn.loops"), loops(name, 100, 100, 100, 100));
				// 10,000 requests each (wrk's output): A used 100 ticks, B and Bx 50
				double rps = a ? 10_000 : server.equals("Bx") ? 4_000 : 5_000;
				Files.writeString(dir.resolve("keepalive-c8.txt"), wrk(rps));
				Files.writeString(dir.resolve("keepalive-c8.cpu"), cpu(a ? 100 : 50));
				Files.writeString(dir.resolve("keepalive-c8.loops"),
						a ? loops(name, 100, 100, 100, 100) : loops(name, 0, 200, 400, 200));
				if (server.equals("B")) {
					Files.writeString(dir.resolve("keepalive-c8.prom.txt"), """
							reuseport_listener_connections_active{listener="0",port="18081"} 0.0
							reuseport_listener_connections_active{listener="1",port="18081"} 3.0
							reuseport_listener_connections_active{listener="2",port="18081"} 4.0
							reuseport_listener_connections_active{listener="3",port="18081"} 2.0
							""");
					Files.writeString(dir.resolve("keepalive-c8.scrape-thread.txt"), "reuseport-listener-1");
				}
				if (server.equals("Bx")) {
					Files.writeString(dir.resolve("prom-after-churn.txt"), "jvm_threads_live_threads 42.0\n");
					Files.writeString(dir.resolve("keepalive-c8.prom.txt"), "jvm_threads_live_threads 42.0\n");
					Files.writeString(dir.resolve("keepalive-c8.scrape-thread.txt"), "reuseport-listener-0");
				}
			}
		}
	}

	/**
	 * Add Jetty (J), Tomcat (T), A on io_uring (Au) and B on io_uring (Bu) to the
	 * recorded run, each with its threads as the servers name them: J and T serve from
	 * pools of workers.
	 */
	private void writeOtherServers() throws IOException {
		Files.writeString(this.raw.resolve("meta.properties"), """
				date=2026-01-01 00:00 UTC
				mode=full
				loops=4
				few.connections=
				""");
		int[][] churn = { { 10_000, 11_000 }, { 25_000, 20_000 }, { 30_000, 32_000 } };
		for (int round = 1; round <= 3; round++) {
			round(round, "J", 90_000 * round, churn[round - 1][0], 150, 110);
			round(round, "T", 80_000 * round, churn[round - 1][1], 130, 120);
			round(round, "Au", 100_000 * round, 10_000 * round, 100, 100);
			round(round, "Bu", 110_000 * round, 12_000 * round, 90, 100);
			for (String server : List.of("A", "B", "B0", "J", "T", "Au", "Bu")) {
				Path dir = this.raw.resolve("round-" + round).resolve(server);
				String name = switch (server) {
					case "J" -> "qtp1689498062-";
					case "T" -> "http-nio-127.0.0.1-18080-exec-";
					default -> LoopCpuTime.loopThreadName(server);
				};
				Files.writeString(dir.resolve("keepalive.loops"), loops(name, 100, 100, 100, 100));
				Files.writeString(dir.resolve("churn.loops"), loops(name, 100, 300, 100, 100));
			}
			Files.writeString(this.raw.resolve("round-" + round).resolve("Bu").resolve("prom-after-churn.txt"),
					"reuseport_listener_connections_accepted_total{listener=\"0\",port=\"1\"} 10.0\n");
		}
	}

	/**
	 * A per-thread file: each loop thread's CPU ticks over the step, at 100 per second,
	 * among other threads of the JVM.
	 */
	private static String loops(String loopThreadName, int... ticks) {
		String comm = loopThreadName.substring(0, Math.min(loopThreadName.length(), LoopCpuTime.COMM_LENGTH));
		StringBuilder file = new StringBuilder("clk_tck=100\n");
		for (String side : List.of("before", "after")) {
			file.append(side).append(" 9 (C2 CompilerThre) S 1 1 1 0 -1 0 0 0 0 0 ");
			file.append(side.equals("before") ? 5 : 5000).append(" 0 0 0 20 0 1\n");
			for (int i = 0; i < ticks.length; i++) {
				file.append(side).append(' ').append(10 + i).append(" (").append(comm);
				file.append(") S 1 1 1 0 -1 0 0 0 0 0 ");
				file.append(side.equals("before") ? 1000 : 1000 + ticks[i]).append(" 0 0 0 20 0 1\n");
			}
		}
		return file.toString();
	}

	private void round(int round, String server, double keepAlive, double churn, int keepAliveTicks, int churnTicks)
			throws IOException {
		Path dir = Files.createDirectories(this.raw.resolve("round-" + round).resolve(server));
		Files.writeString(dir.resolve("keepalive.txt"), wrk(keepAlive));
		Files.writeString(dir.resolve("churn.txt"), wrk(churn));
		Files.writeString(dir.resolve("keepalive.cpu"), cpu(keepAliveTicks));
		Files.writeString(dir.resolve("churn.cpu"), cpu(churnTicks));
		if (server.equals("B")) {
			Files.writeString(dir.resolve("prom-after-churn.txt"),
					"reuseport_listener_connections_accepted_total{listener=\"0\",port=\"1\"} 10.0\n");
		}
	}

	private static String cpu(int ticks) {
		String before = "1 (java) S 1 1 1 0 -1 0 0 0 0 0 500 500 0 0 20 0 41";
		String after = "1 (java) S 1 1 1 0 -1 0 0 0 0 0 " + (500 + ticks) + " 500 0 0 20 0 41";
		return "clk_tck=100\nbefore " + before + "\nafter " + after + "\n";
	}

	private void stall(String server, String first, double firstMs, String second, double secondMs) throws IOException {
		Path dir = Files.createDirectories(this.raw.resolve("stall").resolve(server));
		Files.writeString(dir.resolve("samples.txt"), """
				loop %s 0.0 1000.0
				loop %s 2000.0 3000.0
				conn 100.0 0.1 %s ok
				conn 2100.0 0.1 %s ok
				""".formatted(first, second, firstMs, secondMs));
	}

	private void burst(String server, int backlog, int overflows) throws IOException {
		Path dir = Files.createDirectories(this.raw.resolve("burst-" + backlog).resolve(server));
		String listen = "LISTEN 0 " + backlog + " 127.0.0.1:18080 0.0.0.0:*\n";
		Files.writeString(dir.resolve("listen.txt"), server.equals("A") ? listen : listen + listen);
		for (String variant : List.of("alone", "stalled")) {
			Files.writeString(dir.resolve(variant + ".txt"), """
					connections=20000
					failed=0
					timedOut=0
					connect.p50.ms=0.100
					connect.p99.ms=5.0
					connect.max.ms=1003.000
					connect.over900ms=%d
					response.p99.ms=5.000
					listenOverflows=%d
					listenDrops=%d
					""".formatted(overflows, overflows, overflows));
		}
	}

	private static String wrk(double requestsPerSecond) {
		return """
				Running 10s test @ http://127.0.0.1:18080/
				  Thread Stats   Avg      Stdev     Max   +/- Stdev
				    Latency     1.21ms  812.00us  31.47ms   93.31%%
				  Latency Distribution
				     50%%    1.02ms
				     99%%    4.12ms
				  10000 requests in 10.00s, 31.34MB read
				Requests/sec:  %.2f
				""".formatted(requestsPerSecond);
	}

}
