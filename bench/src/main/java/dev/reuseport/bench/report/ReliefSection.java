package dev.reuseport.bench.report;

import org.jspecify.annotations.Nullable;

import static dev.reuseport.bench.report.Format.count;
import static dev.reuseport.bench.report.Format.millis;
import static dev.reuseport.bench.report.Format.percent;
import static dev.reuseport.bench.report.Format.row;

/**
 * The stall relief rows of the stalled-loop scenario (issue 9): A, B without relief
 * ({@code --reuseport.stall-relief.enabled=false}) and B with relief (its default), each
 * with its delayed share and p99.9, and the p99.9 against A's and against B's without
 * relief. Relief needs {@code net.ipv4.tcp_migrate_req=1}; where the run had 0, B is the
 * row without relief and the relief row is left out with the reason.
 */
final class ReliefSection {

	private final RunData run;

	ReliefSection(RunData run) {
		this.run = run;
	}

	void render(StringBuilder md) {
		String migrate = this.run.meta.getProperty("tcp_migrate_req");
		if (migrate == null || this.run.stalls.isEmpty()) {
			return;
		}
		StallRun a = this.run.stalls.get("A");
		StallRun noRelief = this.run.stalls.get(RunData.NO_RELIEF);
		StallRun relief = (noRelief != null) ? this.run.stalls.get("B") : null;
		String noReliefServer = RunData.NO_RELIEF;
		if (noRelief == null && !"1".equals(migrate.strip())) {
			// Relief stays inactive without tcp_migrate_req=1, so B is without it
			noRelief = this.run.stalls.get("B");
			noReliefServer = "B (relief inactive)";
		}
		md.append("\n### Stall relief\n\nThe stalled-loop figures of A, of B without relief (");
		md.append("`--reuseport.stall-relief.enabled=false`) and of B with relief (its default), with ");
		md.append("`net.ipv4.tcp_migrate_req` ").append(migrate).append(". Relief withdraws a stalled loop's ");
		md.append("listener and moves its queue only where that is 1.\n\n");
		row(md, "Row", "Server", "Worst share delayed", "Mean share over loops", "p99.9 ms", "p99.9 × A",
				"p99.9 × B without relief", "Connections during blocks");
		row(md, "---", "---", "---:", "---:", "---:", "---:", "---:", "---:");
		stallRow(md, "A", a, "A", a, noRelief);
		stallRow(md, "B without relief", noRelief, noReliefServer, a, noRelief);
		if (relief != null) {
			stallRow(md, "B with relief", relief, "B", a, noRelief);
		}
		else {
			md.append("| B with relief | skipped | ").append(skipped(migrate)).append(" | | | | | |\n");
		}
	}

	private static String skipped(String migrate) {
		return "1".equals(migrate.strip()) ? "not measured"
				: "`tcp_migrate_req` is " + migrate + ": relief would stay inactive (with `--no-netns`, set it on "
						+ "the host, or run in the private namespace where the bench sets it)";
	}

	private static void stallRow(StringBuilder md, String label, @Nullable StallRun stall, String server,
			@Nullable StallRun a, @Nullable StallRun noRelief) {
		if (stall == null) {
			row(md, label, server, "n/a", "n/a", "n/a", "n/a", "n/a", "n/a");
			return;
		}
		row(md, label, server, percent(stall.worst().delayedShare()), percent(stall.meanShare()), millis(stall.p999()),
				ratio(stall, a), ratio(stall, noRelief), count(stall.stalledTimes().length));
	}

	private static String ratio(StallRun stall, @Nullable StallRun baseline) {
		return (baseline == null) ? "n/a" : Format.ratio(ratio(stall.p999(), baseline.p999())) + "×";
	}

	/**
	 * Return one p99.9 over another's: NaN when either is missing or the baseline is 0,
	 * and infinite p99.9s (failed connections) compare as equal when both are.
	 * @param value the server's p99.9
	 * @param baseline the baseline's
	 * @return the ratio
	 */
	static double ratio(double value, double baseline) {
		if (Double.isNaN(value) || Double.isNaN(baseline) || baseline == 0) {
			return Double.NaN;
		}
		if (Double.isInfinite(value) && Double.isInfinite(baseline)) {
			return 1;
		}
		return value / baseline;
	}

}
