package dev.reuseport.bench.report;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.stream.Collectors;

import static dev.reuseport.bench.report.Format.cell;
import static dev.reuseport.bench.report.Format.count;
import static dev.reuseport.bench.report.Format.percent;
import static dev.reuseport.bench.report.Format.row;

/**
 * The steady-state part of the report: the headline, the keep-alive and churn tables with
 * CPU per request, latency and the spread of CPU time over the loops, the warm-ups and
 * the balance of B and its variants.
 */
final class SteadyStateSection {

	/**
	 * What each fixed server is, for the legend under the headline.
	 */
	static final Map<String, String> DESCRIPTIONS = Map.of("A",
			"Spring Boot WebFlux on its own Reactor Netty server (`--reuseport.enabled=false`): one socket, "
					+ "accepted on one loop",
			"B", "the same app with the starter: one SO_REUSEPORT listener per loop", "B0",
			"B with `--reuseport.metrics.enabled=false`", "C",
			"raw Netty 4.2 epoll, one SO_REUSEPORT listener per loop", "D",
			"nginx, one `reuseport` listener per worker", "J",
			"the same app on Spring Boot's Jetty 12 server at its defaults (one socket, Jetty's acceptor and "
					+ "selector threads, a pool of up to 200 workers)",
			"T",
			"the same app on Spring Boot's Tomcat 11 server at its defaults (one socket, one acceptor, one poller, "
					+ "up to 200 workers), keep-alive requests unlimited",
			"Au", "A on io_uring (Netty's io_uring jar on the class path: Reactor Netty picks it)", "Bu",
			"B on io_uring (`--reuseport.transport=io_uring`)");

	private final RunData run;

	SteadyStateSection(RunData run) {
		this.run = run;
	}

	void renderHeadline(StringBuilder md) {
		md.append("\n## Headline\n\n");
		row(md, "Server", "Keep-alive req/s", "× A", "CPU µs/req", "× A", "Churn req/s", "× A", "CPU µs/req", "× A");
		row(md, "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:");
		for (String server : this.run.servers()) {
			row(md, server, cell(this.run.summary(server, "keepalive.rps"), Format::count),
					this.run.ratioToACell(server, "keepalive.rps"),
					cell(this.run.summary(server, "keepalive.cpu.us"), Format::micros),
					this.run.ratioToACell(server, "keepalive.cpu.us"),
					cell(this.run.summary(server, "churn.rps"), Format::count),
					this.run.ratioToACell(server, "churn.rps"),
					cell(this.run.summary(server, "churn.cpu.us"), Format::micros),
					this.run.ratioToACell(server, "churn.cpu.us"));
		}
		md.append("\n");
		for (String server : RunData.SERVERS) {
			if (this.run.servers().contains(server) || server.equals("A") || server.equals("B")) {
				md.append(server).append(": ").append(DESCRIPTIONS.get(server)).append(". ");
			}
		}
		for (String variant : this.run.variants()) {
			md.append(variant).append(": ").append(this.run.describe(variant)).append(". ");
		}
		md.append("CPU µs/req is the server processes' user + ");
		md.append("system time over the step (`/proc/PID/stat`) divided by the requests wrk completed: ");
		md.append("lower is better.\n");
	}

	void renderDetails(StringBuilder md) {
		md.append("\n## Keep-alive\n\n`wrk`, ").append(this.run.meta("wrk.connections")).append(" connections, ");
		md.append(this.run.meta("keepalive.seconds")).append(" s per round.\n\n");
		wrkTable(md, RunData.KEEPALIVE);
		md.append("\n## Churn\n\n`wrk` with `Connection: close` (a new connection per request), ");
		md.append(this.run.meta("wrk.connections")).append(" connections, ").append(this.run.meta("churn.seconds"));
		md.append(" s per round.\n\n");
		wrkTable(md, RunData.CHURN);
		renderWarmups(md);
		renderBalance(md);
	}

	private void wrkTable(StringBuilder md, String step) {
		row(md, "Server", "req/s", "× A", "CPU µs/req", "× A", "p50 ms", "p99 ms", "max ms", "errors (all rounds)",
				"Loop CPU spread");
		row(md, "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:");
		for (String server : this.run.servers()) {
			row(md, server, cell(this.run.summary(server, step + ".rps"), Format::count),
					this.run.ratioToACell(server, step + ".rps"),
					cell(this.run.summary(server, step + ".cpu.us"), Format::micros),
					this.run.ratioToACell(server, step + ".cpu.us"),
					cell(this.run.summary(server, step + ".p50.ms"), Format::millis),
					cell(this.run.summary(server, step + ".p99.ms"), Format::millis),
					cell(this.run.summary(server, step + ".max.ms"), Format::millis),
					this.run.sumCell(server, step + ".errors"),
					cell(this.run.summary(server, step + ".loop.cpu.spread"), Format::ratio));
		}
		md.append("\n**Loop CPU spread**: (max − min) / mean of the CPU time that each event loop thread (nginx: ");
		md.append("each worker) used over the step, from `/proc/PID/task/*/stat`; 0 when the loops share the load ");
		md.append("evenly.\n");
	}

	void renderWarmups(StringBuilder md) {
		md.append("\n## Warm-up\n\nEach server is started once and warmed with wrk in windows until ");
		md.append(this.run.meta("warmup.windows")).append(" consecutive windows of ");
		md.append(this.run.meta("warmup.window.seconds")).append(" s agree within ");
		md.append(this.run.meta("warmup.tolerance.percent")).append(" % (at most ");
		md.append(this.run.meta("warmup.max.seconds")).append(" s per step), keep-alive first, then churn. ");
		md.append("It then stays up for every round, so the warm-up is paid once.\n\n");
		row(md, "Server", "Keep-alive warm-up s", "Stable", "Churn warm-up s", "Stable", "Last windows req/s");
		row(md, "---", "---:", "---", "---:", "---", "---");
		for (Map.Entry<String, Map<String, Properties>> entry : this.run.warmups.entrySet()) {
			if (!entry.getValue().containsKey(RunData.KEEPALIVE)) {
				continue;
			}
			Properties keepAlive = entry.getValue().getOrDefault(RunData.KEEPALIVE, new Properties());
			Properties churn = entry.getValue().getOrDefault(RunData.CHURN, new Properties());
			row(md, entry.getKey(), keepAlive.getProperty("seconds", "n/a"), keepAlive.getProperty("stable", "n/a"),
					churn.getProperty("seconds", "n/a"), churn.getProperty("stable", "n/a"),
					"keep-alive " + lastWindows(keepAlive) + "; churn " + lastWindows(churn));
		}
	}

	static String lastWindows(Properties warmup) {
		List<String> windows = List.of(warmup.getProperty("windows", "").split(","));
		return String.join(" / ", windows.subList(Math.max(0, windows.size() - 3), windows.size()));
	}

	private void renderBalance(StringBuilder md) {
		if (this.run.balance.isEmpty()) {
			return;
		}
		md.append("\n## Balance\n\nConnections that each listener of B (and of its variants) had accepted after ");
		md.append("each round's churn step (`").append(ListenerCounts.METRIC).append("`, counted since the server ");
		md.append("started: warm-up included), spread = (max − min) / mean.\n\n");
		row(md, "Server", "After round", "Connections", "Per listener", "Spread");
		row(md, "---", "---", "---:", "---", "---:");
		this.run.balance.forEach((server, rounds) -> rounds.forEach((round, counts) -> row(md, server,
				String.valueOf(round), count(counts.total()), perListener(counts), percent(counts.spread()))));
	}

	static String perListener(ListenerCounts counts) {
		return counts.counts().values().stream().map(Format::count).collect(Collectors.joining(" / "));
	}

}
