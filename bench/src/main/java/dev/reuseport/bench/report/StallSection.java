package dev.reuseport.bench.report;

import java.util.Map;

import dev.reuseport.bench.report.StallRun.LoopStall;

import static dev.reuseport.bench.report.Format.count;
import static dev.reuseport.bench.report.Format.millis;
import static dev.reuseport.bench.report.Format.percent;
import static dev.reuseport.bench.report.Format.row;

/**
 * The stalled-loop part of the report: per server, each blocked loop's share of delayed
 * new connections and their times, then the worst loop, the mean over loops and the p99.9
 * over every block.
 */
final class StallSection {

	private final RunData run;

	StallSection(RunData run) {
		this.run = run;
	}

	void render(StringBuilder md) {
		if (this.run.stalls.isEmpty()) {
			return;
		}
		md.append("\n## Stalled loop\n\nA steady load opens ").append(this.run.meta("stall.rate"));
		md.append(" new connections per second (one `GET /` each, `Connection: close`) while the client blocks ");
		md.append("each event loop in turn for ").append(this.run.meta("stall.block.ms"));
		md.append(" ms (`GET /block` on a connection that the loop serves, found by `GET /thread`), with ");
		md.append(this.run.meta("stall.gap.ms")).append(" ms between blocks. A new connection belongs to the ");
		md.append("block it started in; it is **delayed** when its connect + response took more than ");
		md.append(Format.count(StallRun.DELAYED_MS)).append(" ms (a failed one counts as delayed, time ∞). ");
		md.append("**Listener** marks a loop that holds a listening socket (`GET /listeners`): A's one socket, ");
		md.append("B's one per loop.\n\n");
		row(md, "Server", "Worst loop", "Worst share delayed", "Mean share over loops", "p99.9 ms (all blocks)",
				"Connections during blocks");
		row(md, "---", "---", "---:", "---:", "---:", "---:");
		for (Map.Entry<String, StallRun> entry : this.run.stalls.entrySet()) {
			StallRun stall = entry.getValue();
			LoopStall worst = stall.worst();
			row(md, entry.getKey(), worst.loop() + (worst.listener() ? " (listener)" : ""),
					percent(worst.delayedShare()), percent(stall.meanShare()), millis(stall.p999()),
					count(stall.stalledTimes().length));
		}
		for (Map.Entry<String, StallRun> entry : this.run.stalls.entrySet()) {
			md.append("\n**").append(entry.getKey()).append("**, per blocked loop:\n\n");
			row(md, "Loop", "Listener", "New connections counted", "Delayed > 500 ms", "p50 ms", "p99 ms", "max ms");
			row(md, "---", "---", "---:", "---:", "---:", "---:", "---:");
			for (LoopStall loop : entry.getValue().loops()) {
				row(md, loop.loop(), loop.listener() ? "yes" : "", count(loop.connections()),
						percent(loop.delayedShare()), millis(loop.p50()), millis(loop.p99()), millis(loop.max()));
			}
		}
		new ReliefSection(this.run).render(md);
	}

}
