package dev.reuseport.bench.report;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoublePredicate;

import dev.reuseport.bench.report.Stats.Summary;
import org.jspecify.annotations.Nullable;

/**
 * The goals of the benchmark issue, evaluated on one run: targets that the report states
 * as met or missed, never assertions.
 */
final class Goals {

	/**
	 * The largest deviation of B/B0 from 1 that counts as noise when the rounds' range
	 * does not include 1.
	 */
	static final double NOISE = 0.02;

	private Goals() {
	}

	/**
	 * Evaluate every goal.
	 * @param run the run
	 * @return the goals in the order
	 */
	static List<Goal> evaluate(RunData run) {
		List<Goal> goals = new ArrayList<>();
		for (Goal goal : measured(run)) {
			// A goal of a scenario that the run left out (--scenarios) says so
			boolean ran = List.of(goal.command().split(",\\s*")).stream().anyMatch(run::ranScenarioOf);
			goals.add(ran ? goal : new Goal(goal.name(), goal.figure(), "not run (--scenarios)", goal.command()));
		}
		return goals;
	}

	private static List<Goal> measured(RunData run) {
		List<Goal> goals = new ArrayList<>();
		for (String step : List.of(RunData.KEEPALIVE, RunData.CHURN)) {
			Summary cpu = run.ratio("B", "A", step + ".cpu.us");
			goals.add(new Goal("CPU per request on " + label(step) + ": B ≤ 1.00× A", Format.ratioCell(cpu),
					status(cpu, (m) -> m <= 1.00), step));
		}
		Summary keepAlive = run.ratio("B", "A", RunData.KEEPALIVE + ".rps");
		goals.add(new Goal("Throughput on keep-alive: B ≥ 1.00× A", Format.ratioCell(keepAlive),
				status(keepAlive, (m) -> m >= 1.00), RunData.KEEPALIVE));
		Summary churn = run.ratio("B", "A", RunData.CHURN + ".rps");
		goals.add(new Goal("Throughput on churn: B ≥ 1.05× A", Format.ratioCell(churn), status(churn, (m) -> m >= 1.05),
				RunData.CHURN));
		goals.addAll(againstServlet(run));
		goals.add(stallShare(run));
		goals.add(stallP999(run));
		goals.add(burst(run));
		goals.add(meterCost(run));
		Summary proxyCpu = run.ratio("B", "A", RunData.PROXY + ".cpu.us");
		goals.add(new Goal("Proxy: CPU per proxied request (keep-alive) B ≤ 0.90× A", Format.ratioCell(proxyCpu),
				status(proxyCpu, (m) -> m <= 0.90), RunData.PROXY));
		return goals;
	}

	/**
	 * Where B stands against the better of Jetty and Tomcat in each round: the figure
	 * that matters most to a team choosing a server.
	 */
	private static List<Goal> againstServlet(RunData run) {
		List<Goal> goals = new ArrayList<>();
		Summary churn = run.ratioToBest("B", RunData.SERVLET_SERVERS, RunData.CHURN + ".rps", true);
		goals.add(new Goal("Throughput on churn: B ≥ 1.00× the better of J and T", Format.ratioCell(churn),
				status(churn, (m) -> m >= 1.00), RunData.CHURN));
		for (String step : List.of(RunData.KEEPALIVE, RunData.CHURN)) {
			Summary cpu = run.ratioToBest("B", RunData.SERVLET_SERVERS, step + ".cpu.us", false);
			goals.add(new Goal("CPU per request on " + label(step) + ": B ≤ 1.00× the better of J and T",
					Format.ratioCell(cpu), status(cpu, (m) -> m <= 1.00), step));
		}
		return goals;
	}

	private static Goal stallShare(RunData run) {
		StallRun b = run.stalls.get("B");
		StallRun a = run.stalls.get("A");
		String name = "Stalled loop: B's worst-loop share of delayed new connections ≤ 1/N + 0.05";
		if (b == null) {
			return new Goal(name, "n/a", "not measured", "stall");
		}
		int loops = b.loops().size();
		double limit = 1.0 / loops + 0.05;
		double worst = b.worst().delayedShare();
		String figure = "B " + Format.percent(worst) + " (limit " + Format.percent(limit) + ", N = " + loops + ")"
				+ ((a != null) ? "; A " + Format.percent(a.worst().delayedShare()) : "");
		return new Goal(name, figure, Double.isNaN(worst) ? "not measured" : (worst <= limit) ? "met" : "missed",
				"stall");
	}

	private static Goal stallP999(RunData run) {
		StallRun b = run.stalls.get("B");
		StallRun a = run.stalls.get("A");
		String name = "Stalled loop: B's p99.9 connect+response ≤ ½ of A's";
		if (a == null || b == null) {
			return new Goal(name, "n/a", "not measured", "stall");
		}
		double ratio = b.p999() / a.p999();
		String figure = "B " + Format.millis(b.p999()) + " ms, A " + Format.millis(a.p999()) + " ms ("
				+ Format.ratio(ratio) + "×)";
		return new Goal(name, figure, Double.isNaN(ratio) ? "not measured" : (ratio <= 0.5) ? "met" : "missed",
				"stall");
	}

	private static Goal burst(RunData run) {
		String key = "burst.512.stalled.listenOverflows";
		double a = run.once("A", key);
		double b = run.once("B", key);
		String name = "Burst at backlog 512 during a stalled loop: B overflows less than A";
		if (Double.isNaN(a) || Double.isNaN(b)) {
			return new Goal(name, "n/a", "not measured", "burst");
		}
		String figure = "ListenOverflows B " + Format.count(b) + ", A " + Format.count(a);
		String status = (a == 0 && b == 0) ? "not exercised (neither overflowed)" : (b < a) ? "met" : "missed";
		return new Goal(name, figure, status, "burst");
	}

	/**
	 * The meters cost nothing measurable when B/B0, for CPU per request and throughput,
	 * has a range over the rounds that includes 1, or a median within {@link #NOISE} of
	 * 1.
	 */
	private static Goal meterCost(RunData run) {
		List<String> figures = new ArrayList<>();
		boolean measured = true;
		boolean withinNoise = true;
		for (String name : List.of("keepalive.cpu.us", "churn.cpu.us", "keepalive.rps", "churn.rps")) {
			Summary ratio = run.ratio("B", "B0", name);
			figures.add(name.replace(".us", "") + " " + Format.ratioCell(ratio));
			measured &= ratio != null;
			withinNoise &= ratio != null && (withinRange(ratio) || Math.abs(ratio.median() - 1) <= NOISE);
		}
		return new Goal(
				"Meter cost: B within noise of B0 (B/B0 range includes 1, or median within " + Math.round(NOISE * 100)
						+ " %)",
				String.join("; ", figures), !measured ? "not measured" : withinNoise ? "met" : "missed",
				"keepalive, churn");
	}

	private static boolean withinRange(Summary ratio) {
		return ratio.count() > 1 && ratio.min() <= 1 && ratio.max() >= 1;
	}

	private static String label(String step) {
		return step.equals(RunData.KEEPALIVE) ? "keep-alive" : step;
	}

	private static String status(@Nullable Summary summary, DoublePredicate met) {
		if (summary == null) {
			return "not measured";
		}
		return met.test(summary.median()) ? "met" : "missed";
	}

	/**
	 * One goal.
	 *
	 * @param name the target
	 * @param figure what the run measured
	 * @param status met, missed or not measured
	 * @param command the commands (in the report's command list) that measured it
	 */
	record Goal(String name, String figure, String status, String command) {

	}

}
