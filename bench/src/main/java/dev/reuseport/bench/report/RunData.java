package dev.reuseport.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;

import dev.reuseport.bench.report.Stats.Summary;
import org.jspecify.annotations.Nullable;

/**
 * What one {@code bench/run.sh} run measured, as {@link RunLoader} read it from the raw
 * directory: the steady-state figures by server, round and name, the warm-ups, B's
 * per-listener counts, the stalled-loop runs, the bursts, and what went wrong.
 */
final class RunData {

	static final List<String> SERVERS = List.of("A", "B", "B0", "C", "D");

	static final String KEEPALIVE = "keepalive";

	static final String CHURN = "churn";

	final Properties meta;

	final String commands;

	/**
	 * Steady-state figures by server, round and name, such as {@code keepalive.rps}.
	 */
	private final Map<String, SortedMap<Integer, Map<String, Double>>> figures = new LinkedHashMap<>();

	/**
	 * Figures measured once per server (bursts), by server and name, such as
	 * {@code burst.512.stalled.connect.p99.ms}.
	 */
	private final Map<String, Map<String, Double>> once = new LinkedHashMap<>();

	/**
	 * The warm-up outcome by server and step ({@code keepalive} or {@code churn}).
	 */
	final Map<String, Map<String, Properties>> warmups = new LinkedHashMap<>();

	/**
	 * B's per-listener accepted connections after each round's churn step, by round.
	 */
	final SortedMap<Integer, ListenerCounts> balance = new TreeMap<>();

	final Map<String, StallRun> stalls = new LinkedHashMap<>();

	/**
	 * The listen backlog of each listening socket (its {@code ss} Send-Q), by configured
	 * backlog and server.
	 */
	final Map<String, Map<String, List<Integer>>> backlogs = new TreeMap<>();

	final List<String> problems = new ArrayList<>();

	final List<String> notes = new ArrayList<>();

	RunData(Properties meta, String commands) {
		this.meta = meta;
		this.commands = commands;
		SERVERS.forEach((server) -> {
			this.figures.put(server, new TreeMap<>());
			this.once.put(server, new LinkedHashMap<>());
		});
	}

	String meta(String key) {
		return this.meta.getProperty(key, "?");
	}

	void put(String server, int round, String name, double value) {
		this.figures.get(server).computeIfAbsent(round, (r) -> new LinkedHashMap<>()).put(name, value);
	}

	void putOnce(String server, String name, double value) {
		this.once.get(server).put(name, value);
	}

	/**
	 * Return a figure measured once.
	 * @param server the server
	 * @param name the figure
	 * @return the value, NaN when it was not measured
	 */
	double once(String server, String name) {
		return this.once.get(server).getOrDefault(name, Double.NaN);
	}

	/**
	 * Return the servers that ran at least one steady-state round, in benchmark order.
	 * @return the servers
	 */
	List<String> servers() {
		return SERVERS.stream().filter((server) -> !this.figures.get(server).isEmpty()).toList();
	}

	/**
	 * Return the servers with any figure measured once, in benchmark order.
	 * @return the servers
	 */
	List<String> serversMeasuredOnce() {
		return SERVERS.stream().filter((server) -> !this.once.get(server).isEmpty()).toList();
	}

	/**
	 * Return one figure of one server, by round.
	 * @param server the server
	 * @param name the figure
	 * @return the values by round
	 */
	SortedMap<Integer, Double> values(String server, String name) {
		SortedMap<Integer, Double> values = new TreeMap<>();
		this.figures.get(server).forEach((round, figures) -> {
			Double value = figures.get(name);
			if (value != null) {
				values.put(round, value);
			}
		});
		return values;
	}

	@Nullable Summary summary(String server, String name) {
		return Stats.summarize(values(server, name).values());
	}

	/**
	 * Summarize the ratios of one server's figure to another's, taken round by round.
	 * @param server the server
	 * @param baseline the server it is compared with, usually A
	 * @param name the figure
	 * @return the summary, or {@code null} when no round has both figures
	 */
	@Nullable Summary ratio(String server, String baseline, String name) {
		return Stats.summarize(Stats.ratios(values(server, name), values(baseline, name)));
	}

	/**
	 * Return B's per-listener counts at the last scrape, which adds up every round
	 * because B stays up for the whole run.
	 * @return the counts, empty when B was never scraped
	 */
	ListenerCounts lastBalance() {
		return this.balance.isEmpty() ? ListenerCounts.empty() : this.balance.get(this.balance.lastKey());
	}

	boolean quick() {
		return "quick".equals(this.meta.getProperty("mode"));
	}

}
