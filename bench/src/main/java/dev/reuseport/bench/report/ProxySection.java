package dev.reuseport.bench.report;

import java.util.Map;
import java.util.Properties;

import static dev.reuseport.bench.report.Format.cell;
import static dev.reuseport.bench.report.Format.row;

/**
 * The proxy scenario's part of the report (issue 12): per step, each server's throughput,
 * CPU per proxied request and latency with their ratios to A, and the share of downstream
 * responses handled on the loop that received the inbound request; then the proxy
 * warm-ups.
 */
final class ProxySection {

	private final RunData run;

	ProxySection(RunData run) {
		this.run = run;
	}

	void render(StringBuilder md) {
		if (this.run.proxyServersMeasured().isEmpty()) {
			return;
		}
		md.append("\n## Proxy\n\nEach request, `GET /proxy`, calls a backend through a `WebClient` built from the ");
		md.append("application's auto-configured `WebClient.Builder` and answers its body. The backend is nginx ");
		md.append("(`return 200`, ").append(this.run.meta("proxy.backend.workers")).append(" workers, ");
		md.append(this.run.meta("proxy.backend.cpus")).append("), the same for every server. ");
		md.append("CPU µs/req is the server process's CPU time over the step divided by the requests wrk ");
		md.append("completed, each of which made one downstream call. **On inbound loop** is the share of ");
		md.append("downstream responses handled on the thread that received the inbound request, counted by the ");
		md.append("bench app (`GET /proxy/loops` before and after each step). ");
		md.append(RunData.NO_AFFINITY).append(": B with `--reuseport.client-affinity.enabled=false`.\n");
		for (String step : this.run.proxySteps()) {
			md.append("\n**").append(step.equals(RunData.PROXY) ? "Keep-alive" : "Churn (`Connection: close`)");
			md.append("**, `").append(step).append("`: `wrk`, ").append(this.run.meta("wrk.connections"));
			md.append(" connections, ");
			md.append(this.run.meta(step.equals(RunData.PROXY) ? "keepalive.seconds" : "churn.seconds"));
			md.append(" s per round.\n\n");
			row(md, "Server", "req/s", "× A", "CPU µs/req", "× A", "p99 ms", "× A", "On inbound loop", "Calls counted",
					"errors (all rounds)");
			row(md, "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:");
			for (String server : this.run.proxyServersMeasured()) {
				row(md, server, cell(this.run.summary(server, step + ".rps"), Format::count),
						this.run.ratioToACell(server, step + ".rps"),
						cell(this.run.summary(server, step + ".cpu.us"), Format::micros),
						this.run.ratioToACell(server, step + ".cpu.us"),
						cell(this.run.summary(server, step + ".p99.ms"), Format::millis),
						this.run.ratioToACell(server, step + ".p99.ms"),
						cell(this.run.summary(server, step + ".loop.share"), Format::percent),
						this.run.sumCell(server, step + ".calls"), this.run.sumCell(server, step + ".errors"));
			}
		}
		renderWarmups(md);
	}

	private void renderWarmups(StringBuilder md) {
		md.append("\n**Proxy warm-up**: `GET /proxy` with keep-alive, in windows as the other warm-ups.\n\n");
		row(md, "Server", "Warm-up s", "Stable", "Last windows req/s");
		row(md, "---", "---:", "---", "---");
		for (Map.Entry<String, Map<String, Properties>> entry : this.run.warmups.entrySet()) {
			Properties proxy = entry.getValue().get(RunData.PROXY);
			if (proxy != null) {
				row(md, entry.getKey(), proxy.getProperty("seconds", "n/a"), proxy.getProperty("stable", "n/a"),
						SteadyStateSection.lastWindows(proxy));
			}
		}
	}

}
