package dev.reuseport.bench.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.reuseport.bench.report.Goals.Goal;
import org.jspecify.annotations.Nullable;

import static dev.reuseport.bench.report.Format.row;

/**
 * Turns the raw files of one {@code bench/run.sh} run into the Markdown report and its
 * charts: the goals of the benchmark issue as met or missed, the steady-state tables
 * (median and min-max over rounds, and the ratio to A taken within each round), the steps
 * with few long-lived connections, the variants of B against B, the stalled loop, the
 * bursts, the machine, the versions and the commands.
 * <p>
 * Usage: {@code Report <raw directory> [<markdown file>]}. The report is printed and,
 * when a file is given, also written there with its charts beside it ({@link Charts}).
 * The exit status is 1 when the harness failed to produce a figure (listed under
 * "Problems"); timings never fail it.
 */
public final class Report {

	private final RunData run;

	private final @Nullable Http3Section http3;

	private @Nullable String charts;

	private @Nullable String chartsProblem;

	Report(RunData run) {
		this(run, null);
	}

	private Report(RunData run, @Nullable Http3Section http3) {
		this.run = run;
		this.http3 = http3;
	}

	static Report load(Path raw) throws IOException {
		RunData run = RunLoader.load(raw);
		return new Report(run, Http3Section.load(raw, run));
	}

	RunData run() {
		return this.run;
	}

	List<String> problems() {
		return this.run.problems;
	}

	/**
	 * Write and draw the charts, and link them from the report.
	 * @param raw the raw directory, where the chart data and script go
	 * @param markdown the report file, whose name the charts share
	 * @throws IOException when the chart data cannot be written
	 */
	void drawCharts(Path raw, Path markdown) throws IOException {
		String name = markdown.getFileName().toString().replaceFirst("\\.md$", "");
		Path prefix = markdown.toAbsolutePath().resolveSibling(name);
		Path script = new Charts(this.run).write(raw.toAbsolutePath().resolve("charts"), prefix);
		this.chartsProblem = Charts.draw(script);
		this.charts = name;
		if (this.chartsProblem != null) {
			this.chartsProblem += ". Draw them later with `gnuplot " + script + "`.";
		}
	}

	String render() {
		StringBuilder md = new StringBuilder("# reuseport benchmark\n\n");
		if (this.run.quick()) {
			md.append("> **Not steady-state:** a `--quick` smoke run with short warm-ups and steps. ");
			md.append("Its figures show that the harness works, not how the servers compare.\n\n");
		}
		md.append("Run of ").append(this.run.meta("date")).append(" (`").append(this.run.meta("mode"));
		md.append("` mode): ");
		String roundServers = this.run.roundServers();
		if (roundServers.isEmpty()) {
			// Only scenarios without rounds ran, such as the stalled loop alone
			md.append("no rounds (scenarios: ").append(this.run.meta("scenarios")).append(")");
		}
		else {
			md.append(this.run.meta("rounds.completed")).append(" of ").append(this.run.meta("rounds.planned"));
			md.append(" planned rounds of ").append(roundServers);
		}
		md.append(", ").append(this.run.meta("loops")).append(" event loops or workers per server, ");
		md.append(this.run.meta("elapsed.seconds")).append(" s in all.\n");
		String stoppedEarly = this.run.meta.getProperty("stopped.early");
		if (stoppedEarly != null && !stoppedEarly.isBlank()) {
			md.append("\n**Stopped early:** ").append(stoppedEarly).append("\n");
		}
		md.append("\nEach server is started once, warmed until its throughput is stable, and kept up: the ");
		md.append("rounds then alternate the servers' measured steps. Each cell is the median over the rounds, ");
		md.append("with the min–max in brackets. **× A** is the server's figure divided by A's from the same ");
		md.append("round, then the median (min–max) of those ratios.\n");
		renderGoals(md);
		SteadyStateSection steady = new SteadyStateSection(this.run);
		boolean steadyState = !this.run.servers().isEmpty();
		if (steadyState) {
			steady.renderHeadline(md);
			new ServerChoiceSection(this.run).render(md);
		}
		renderCharts(md);
		if (steadyState) {
			steady.renderDetails(md);
		}
		else {
			steady.renderWarmups(md);
		}
		if (steadyState) {
			new FewConnectionsSection(this.run).render(md);
		}
		new VariantSection(this.run).render(md);
		new ProxySection(this.run).render(md);
		new StallSection(this.run).render(md);
		new BurstSection(this.run).render(md);
		if (this.http3 != null) {
			this.http3.render(md);
		}
		renderMachine(md);
		md.append("\n## Commands\n\n```text\n").append(this.run.commands.strip()).append("\n```\n");
		list(md, "Notes", "", this.run.notes);
		list(md, "Problems", "The harness did not produce these figures:\n\n", this.run.problems);
		return md.toString();
	}

	private void renderGoals(StringBuilder md) {
		md.append("\n## Goals\n\nTargets from the benchmark issue, measured and never asserted. Ratios are the ");
		md.append("median over the rounds of B's figure divided by A's in the same round (min–max in brackets). ");
		md.append("**Command** names the lines under Commands that measured it.\n\n");
		row(md, "Goal", "Measured", "Status", "Command");
		row(md, "---", "---", "---", "---");
		for (Goal goal : Goals.evaluate(this.run)) {
			row(md, goal.name(), goal.figure(), goal.status(), goal.command());
		}
	}

	private void renderCharts(StringBuilder md) {
		if (this.charts == null) {
			return;
		}
		md.append("\n## Charts\n\n");
		if (this.chartsProblem != null) {
			md.append("Not drawn: ").append(this.chartsProblem).append('\n');
			return;
		}
		md.append("![Ratios to A](").append(this.charts).append("-ratios.svg)\n\n");
		md.append("![Stalled loop](").append(this.charts).append("-stall.svg)\n\n");
		md.append("PNG: `").append(this.charts).append("-ratios.png`, `").append(this.charts);
		md.append("-stall.png`.\n");
	}

	private void renderMachine(StringBuilder md) {
		md.append("\n## Machine and versions\n\n");
		md.append("- Machine: ")
			.append(this.run.meta("nproc"))
			.append(" CPUs (`nproc`), ")
			.append(this.run.meta("cpu"));
		md.append(", kernel ").append(this.run.meta("kernel")).append(", ").append(this.run.meta("memory"));
		md.append(" memory\n- Load average before the run: ").append(this.run.meta("loadavg")).append('\n');
		md.append("- CPU pinning: ").append(this.run.meta("pin")).append('\n');
		md.append("- Network namespace: ").append(this.run.meta("netns")).append('\n');
		md.append("- `net.ipv4.tcp_migrate_req`: ").append(this.run.meta("tcp_migrate_req")).append('\n');
		md.append("- Scenarios: ").append(this.run.meta.getProperty("scenarios", "steady stall burst")).append('\n');
		md.append("- `net.core.somaxconn` ").append(this.run.meta("somaxconn"));
		md.append(", `net.ipv4.tcp_max_syn_backlog` ").append(this.run.meta("tcp_max_syn_backlog"));
		md.append(", file descriptor limit ").append(this.run.meta("nofile")).append(", clock ticks ");
		md.append(this.run.meta("clk_tck")).append(" per second\n");
		md.append("- Java: ").append(this.run.meta("java")).append('\n');
		Versions.detect()
			.forEach((name, version) -> md.append("- ").append(name).append(": ").append(version).append('\n'));
		md.append("- nginx: ").append(this.run.meta("nginx")).append('\n');
		md.append("- wrk: ").append(this.run.meta("wrk")).append('\n');
		md.append("- Project: ").append(this.run.meta("git")).append('\n');
		for (String variant : this.run.variants()) {
			md.append("- Variant ").append(variant).append(": ").append(this.run.describe(variant));
			String jars = this.run.meta.getProperty("variant." + variant + ".jars", "");
			md.append(jars.isBlank() ? "" : "; starter jars " + jars).append('\n');
		}
	}

	private static void list(StringBuilder md, String title, String intro, List<String> items) {
		if (!items.isEmpty()) {
			md.append("\n## ").append(title).append("\n\n").append(intro);
			items.forEach((item) -> md.append("- ").append(item).append('\n'));
		}
	}

	public static void main(String[] args) throws IOException {
		if (args.length < 1 || args.length > 2) {
			System.err.println("Usage: Report <raw directory> [<markdown file>]");
			System.exit(2);
		}
		Path raw = Path.of(args[0]);
		Report report = load(raw);
		Path out = (args.length == 2) ? Path.of(args[1]) : null;
		if (out != null) {
			if (out.toAbsolutePath().getParent() != null) {
				Files.createDirectories(out.toAbsolutePath().getParent());
			}
			report.drawCharts(raw, out);
		}
		String markdown = report.render();
		System.out.print(markdown);
		if (out != null) {
			Files.writeString(out, markdown);
		}
		if (!report.problems().isEmpty()) {
			System.err.printf("%d problem(s) with the benchmark harness: see 'Problems' in the report%n",
					report.problems().size());
			System.exit(1);
		}
	}

}
