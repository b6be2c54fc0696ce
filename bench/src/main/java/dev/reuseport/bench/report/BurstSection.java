package dev.reuseport.bench.report;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.reuseport.bench.report.Format.count;
import static dev.reuseport.bench.report.Format.millis;
import static dev.reuseport.bench.report.Format.row;

/**
 * The burst part of the report: for each listen backlog, the backlog each listening
 * socket really got, then each server's burst alone and during a stalled loop.
 */
final class BurstSection {

	private final RunData run;

	BurstSection(RunData run) {
		this.run = run;
	}

	void render(StringBuilder md) {
		if (this.run.backlogs.isEmpty()) {
			return;
		}
		md.append("\n## Burst accept\n\n").append(this.run.meta("burst.connections"));
		md.append(" connections opened as fast as ").append(this.run.meta("burst.threads"));
		md.append(" client threads can (at most ").append(this.run.meta("burst.maxOpen"));
		md.append(" open at once), one `GET /` with `Connection: close` on each, against servers started with ");
		md.append("each listen backlog. **Stalled**: the burst starts just after the loop that holds the ");
		md.append("(first) listening socket was blocked for ").append(this.run.meta("burst.stall.ms"));
		md.append(" ms. A SYN dropped on a full accept queue is retransmitted after 1 s, so **> 900 ms** counts ");
		md.append("connects that needed a retransmission. ListenOverflows and ListenDrops are the growth of ");
		md.append("the TcpExt counters over the burst (for the whole network namespace).\n");
		for (Map.Entry<String, Map<String, List<Integer>>> backlog : this.run.backlogs.entrySet()) {
			md.append("\n**Backlog ").append(backlog.getKey()).append("**. Listen backlog in effect (`ss -ltn` ");
			md.append("Send-Q, per listening socket): ");
			md.append(backlog.getValue()
				.entrySet()
				.stream()
				.map((e) -> e.getKey() + " "
						+ e.getValue().stream().map(String::valueOf).collect(Collectors.joining("/"))
						+ (e.getValue().stream().allMatch((q) -> String.valueOf(q).equals(backlog.getKey())) ? " ✓"
								: " ✗"))
				.collect(Collectors.joining("; ")));
			md.append("\n\n");
			row(md, "Server", "Burst", "connect p50 ms", "connect p99 ms", "connect max ms", "> 900 ms",
					"ListenOverflows", "ListenDrops", "response p99 ms", "Unfinished");
			row(md, "---", "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:");
			for (String server : this.run.serversMeasuredOnce()) {
				for (String variant : List.of("alone", "stalled")) {
					String prefix = "burst." + backlog.getKey() + "." + variant + ".";
					if (Double.isNaN(this.run.once(server, prefix + "connect.p99.ms"))) {
						continue;
					}
					row(md, server, variant, millis(value(server, prefix, "connect.p50.ms")),
							millis(value(server, prefix, "connect.p99.ms")),
							millis(value(server, prefix, "connect.max.ms")),
							count(value(server, prefix, "connect.over900ms")),
							count(value(server, prefix, "listenOverflows")),
							count(value(server, prefix, "listenDrops")),
							millis(value(server, prefix, "response.p99.ms")),
							count(value(server, prefix, "unfinished")));
				}
			}
		}
	}

	private double value(String server, String prefix, String name) {
		return this.run.once(server, prefix + name);
	}

}
