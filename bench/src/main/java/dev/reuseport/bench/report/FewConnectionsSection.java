package dev.reuseport.bench.report;

import java.util.Map;
import java.util.SortedMap;

import static dev.reuseport.bench.report.Format.cell;
import static dev.reuseport.bench.report.Format.row;

/**
 * The part of the report on keep-alive with few long-lived connections: per step,
 * throughput, CPU per request and p99 latency, and how evenly the connections and their
 * load spread over the event loops: the loops' CPU time for every server, the open
 * connections per listener for B and its variants.
 */
final class FewConnectionsSection {

	private final RunData run;

	FewConnectionsSection(RunData run) {
		this.run = run;
	}

	void render(StringBuilder md) {
		if (this.run.fewSteps().isEmpty()) {
			return;
		}
		md.append("\n## Few long-lived connections\n\nKeep-alive with few connections that live for the whole step, ");
		md.append("as the pools of load balancers and HTTP clients do: `wrk -c N` with at most N threads, ");
		md.append(this.run.meta("keepalive.seconds")).append(" s per round, after each server's churn step. ");
		md.append("The kernel's reuseport hash places each connection on a listener for good, so a few ");
		md.append("connections can leave some loops busy and others idle, where A hands them to its loops in turn. ");
		md.append("**Loop CPU spread** is (max − min) / mean of the CPU time that each event loop thread ");
		md.append("(nginx: each worker) used over the step (`/proc/PID/task/*/stat`). **Open-connection spread** ");
		md.append("is the same over the open connections on each listener's loop of B and its variants, from `");
		md.append(ListenerCounts.SERVED_METRIC).append("` (or `").append(ListenerCounts.ACTIVE_METRIC);
		md.append("` for a starter without it) scraped once in the middle of the step, less the ");
		md.append("scrape's own connection. 0 is even; lower is better.\n");
		for (String step : this.run.fewSteps()) {
			md.append("\n**").append(step.substring(RunData.FEW.length())).append(" connections** (`");
			md.append(step).append("`)\n\n");
			row(md, "Server", "req/s", "× A", "CPU µs/req", "× A", "p99 ms", "× A", "Loop CPU spread",
					"Open-connection spread", "Open per listener, last round");
			row(md, "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---");
			for (String server : this.run.servers()) {
				row(md, server, cell(this.run.summary(server, step + ".rps"), Format::count),
						this.run.ratioToACell(server, step + ".rps"),
						cell(this.run.summary(server, step + ".cpu.us"), Format::micros),
						this.run.ratioToACell(server, step + ".cpu.us"),
						cell(this.run.summary(server, step + ".p99.ms"), Format::millis),
						this.run.ratioToACell(server, step + ".p99.ms"),
						cell(this.run.summary(server, step + ".loop.cpu.spread"), Format::ratio),
						cell(this.run.summary(server, step + ".open.spread"), Format::ratio), lastOpen(server, step));
			}
		}
	}

	private String lastOpen(String server, String step) {
		SortedMap<Integer, ListenerCounts> rounds = this.run.open.getOrDefault(server, Map.of()).get(step);
		return (rounds == null || rounds.isEmpty()) ? "" : SteadyStateSection.perListener(rounds.get(rounds.lastKey()));
	}

}
