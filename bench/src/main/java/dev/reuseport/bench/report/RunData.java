package dev.reuseport.bench.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.Predicate;

import dev.reuseport.bench.report.Stats.Summary;
import org.jspecify.annotations.Nullable;

/**
 * What one {@code bench/run.sh} run measured, as {@link RunLoader} read it from the raw
 * directory: the steady-state figures by server, round and name, the warm-ups, the
 * per-listener counts of B and its variants, the stalled-loop runs, the bursts, and what
 * went wrong.
 */
final class RunData {

	/**
	 * The fixed servers; a run may add variants of B ({@code bench/run.sh --variant}).
	 */
	static final List<String> SERVERS = List.of("A", "B", "B0", "C", "D", "J", "T", "Au", "Bu");

	/**
	 * The servers that a WebFlux application can run on other than Reactor Netty: Spring
	 * Boot's Jetty and Tomcat.
	 */
	static final List<String> SERVLET_SERVERS = List.of("J", "T");

	/**
	 * B with {@code --reuseport.client-affinity.enabled=false}, in the proxy scenario.
	 */
	static final String NO_AFFINITY = "B-noaffinity";

	/**
	 * B with {@code --reuseport.stall-relief.enabled=false}, in the stalled-loop
	 * scenario.
	 */
	static final String NO_RELIEF = "B-norelief";

	static final String KEEPALIVE = "keepalive";

	static final String CHURN = "churn";

	/**
	 * The prefix of the keep-alive steps with few connections: {@code keepalive-c8} has
	 * 8.
	 */
	static final String FEW = "keepalive-c";

	/**
	 * The proxy scenario's keep-alive step: {@code GET /proxy}, which calls the backend.
	 */
	static final String PROXY = "proxy";

	/**
	 * The proxy scenario's churn step: {@code GET /proxy} with {@code Connection: close}.
	 */
	static final String PROXY_CHURN = "proxy-churn";

	/**
	 * The meta key of the connection counts of the few-connection steps. Runs that record
	 * it also record the CPU time of each loop thread.
	 */
	static final String FEW_CONNECTIONS = "few.connections";

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
	 * The per-listener accepted connections of B and its variants after each round's
	 * churn step, by server and round.
	 */
	final Map<String, SortedMap<Integer, ListenerCounts>> balance = new LinkedHashMap<>();

	/**
	 * The per-listener open connections of B and its variants in the middle of each
	 * few-connection step, by server, step and round.
	 */
	final Map<String, Map<String, SortedMap<Integer, ListenerCounts>>> open = new LinkedHashMap<>();

	final Map<String, StallRun> stalls = new LinkedHashMap<>();

	/**
	 * The listen backlog of each listening socket (its {@code ss} Send-Q), by configured
	 * backlog and server.
	 */
	final Map<String, Map<String, List<Integer>>> backlogs = new TreeMap<>();

	final List<String> problems = new ArrayList<>();

	final List<String> notes = new ArrayList<>();

	private final List<String> variants;

	private final List<String> allServers;

	RunData(Properties meta, String commands) {
		this.meta = meta;
		this.commands = commands;
		this.variants = words(meta.getProperty("variants", "")).stream()
			.filter((name) -> !SERVERS.contains(name))
			.toList();
		List<String> all = new ArrayList<>(SERVERS);
		all.addAll(List.of(NO_AFFINITY, NO_RELIEF));
		all.addAll(this.variants);
		this.allServers = List.copyOf(all);
		this.allServers.forEach((server) -> {
			this.figures.put(server, new TreeMap<>());
			this.once.put(server, new LinkedHashMap<>());
		});
	}

	String meta(String key) {
		return this.meta.getProperty(key, "?");
	}

	/**
	 * Return every server that the run may have measured: the fixed ones, then the
	 * variants.
	 * @return the servers
	 */
	List<String> allServers() {
		return this.allServers;
	}

	/**
	 * Return the variants of B that the run defined, in their order.
	 * @return the variants' names
	 */
	List<String> variants() {
		return this.variants;
	}

	/**
	 * Describe a variant: the starter it runs, when not bench/target/starter, and its
	 * extra arguments.
	 * @param variant the variant
	 * @return a sentence fragment in Markdown, such as {@code B with `--x=y`}
	 */
	String describe(String variant) {
		String starter = this.meta.getProperty("variant." + variant + ".starter", "");
		String source = this.meta.getProperty("variant." + variant + ".source", "");
		String args = this.meta.getProperty("variant." + variant + ".args", "");
		List<String> parts = new ArrayList<>();
		if (!starter.isBlank() && !starter.equals("bench/target/starter")) {
			parts.add("the starter jars of `" + starter + "`" + (source.isBlank() ? "" : " (" + source + ")"));
		}
		if (!args.isBlank()) {
			parts.add("`" + args.strip() + "`");
		}
		return "B with " + (parts.isEmpty() ? "nothing changed" : String.join(" and ", parts));
	}

	/**
	 * Return whether a server has the starter's meters, scraped from
	 * {@code /actuator/prometheus}: B, B on io_uring and the variants.
	 * @param server the server
	 * @return whether it is B, Bu or a variant
	 */
	boolean bLike(String server) {
		return server.equals("B") || server.equals("Bu") || this.variants.contains(server);
	}

	/**
	 * Return the keep-alive steps with few connections, such as {@code keepalive-c8}.
	 * @return the steps, in the order they ran
	 */
	List<String> fewSteps() {
		return words(this.meta.getProperty(FEW_CONNECTIONS, "")).stream().map((count) -> FEW + count).toList();
	}

	/**
	 * Return every step of a round: keep-alive, churn and the few-connection steps.
	 * @return the steps
	 */
	List<String> steps() {
		List<String> steps = new ArrayList<>(List.of(KEEPALIVE, CHURN));
		steps.addAll(fewSteps());
		return steps;
	}

	/**
	 * Return the steps of the proxy scenario.
	 * @return the steps, in the order they ran
	 */
	List<String> proxySteps() {
		return List.of(PROXY, PROXY_CHURN);
	}

	/**
	 * Return the steps that one server ran in each round: the steady-state steps where it
	 * is one of {@code steady.servers} (every server of runs that predate the key), and
	 * the proxy steps where it is one of {@code proxy.servers}.
	 * @param server the server
	 * @return the steps
	 */
	List<String> steps(String server) {
		List<String> steps = new ArrayList<>();
		if (words(this.meta.getProperty("steady.servers", this.meta.getProperty("servers", server))).contains(server)) {
			steps.addAll(steps());
		}
		if (proxyServers().contains(server)) {
			steps.addAll(proxySteps());
		}
		return steps;
	}

	/**
	 * Return the servers that the rounds were to measure: those of the steady state, then
	 * those of the proxy scenario that are not among them.
	 * @return the servers, separated by spaces
	 */
	String roundServers() {
		Set<String> servers = new LinkedHashSet<>(
				words(this.meta.getProperty("steady.servers", this.meta.getProperty("servers", ""))));
		servers.addAll(proxyServers());
		return String.join(" ", servers);
	}

	/**
	 * Return the servers that the proxy scenario was to measure.
	 * @return the servers, in benchmark order
	 */
	List<String> proxyServers() {
		return words(this.meta.getProperty("proxy.servers", ""));
	}

	/**
	 * Return whether a figure belongs to the proxy scenario.
	 * @param name the figure, such as {@code proxy-churn.rps}
	 * @return whether it does
	 */
	static boolean proxyFigure(String name) {
		return name.startsWith(PROXY + ".") || name.startsWith(PROXY_CHURN + ".");
	}

	/**
	 * Return whether the run ran the scenario of a command of the goals table:
	 * {@code keepalive} and {@code churn} belong to {@code steady}, the others are their
	 * scenario's name. Runs that predate {@code --scenarios} ran steady, stall and burst.
	 * @param command the command, such as {@code churn} or {@code proxy}
	 * @return whether its scenario ran
	 */
	boolean ranScenarioOf(String command) {
		String scenario = List.of(KEEPALIVE, CHURN).contains(command) ? "steady" : command;
		return words(this.meta.getProperty("scenarios", "steady stall burst")).contains(scenario);
	}

	/**
	 * Return whether the run recorded the CPU time of each loop thread, which runs do
	 * since the few-connection steps came in.
	 * @return whether each step has its {@code .loops} file
	 */
	boolean hasLoopCpu() {
		return this.meta.getProperty(FEW_CONNECTIONS) != null;
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
		return measured((name) -> !proxyFigure(name));
	}

	/**
	 * Return the servers with at least one figure of the proxy scenario, in benchmark
	 * order.
	 * @return the servers
	 */
	List<String> proxyServersMeasured() {
		return measured(RunData::proxyFigure);
	}

	private List<String> measured(Predicate<String> figure) {
		return this.allServers.stream()
			.filter((server) -> this.figures.get(server)
				.values()
				.stream()
				.anyMatch((figures) -> figures.keySet().stream().anyMatch(figure)))
			.toList();
	}

	/**
	 * Return the servers with any figure measured once, in benchmark order.
	 * @return the servers
	 */
	List<String> serversMeasuredOnce() {
		return this.allServers.stream().filter((server) -> !this.once.get(server).isEmpty()).toList();
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
	 * Summarize the ratios of one server's figure to the best of its rivals' figures in
	 * the same round: the highest where higher is better, the lowest otherwise.
	 * @param server the server
	 * @param rivals the servers it is compared with, such as J and T
	 * @param name the figure
	 * @param higherIsBetter whether the best figure is the highest
	 * @return the summary, or {@code null} when no round has the server's figure and a
	 * rival's
	 */
	@Nullable Summary ratioToBest(String server, List<String> rivals, String name, boolean higherIsBetter) {
		SortedMap<Integer, Double> best = new TreeMap<>();
		for (String rival : rivals) {
			values(rival, name).forEach((round, value) -> best.merge(round, value,
					(a, b) -> higherIsBetter ? Math.max(a, b) : Math.min(a, b)));
		}
		return Stats.summarize(Stats.ratios(values(server, name), best));
	}

	/**
	 * Return the table cell of a server's figure divided by A's, round by round: "1" for
	 * A itself.
	 * @param server the server
	 * @param name the figure
	 * @return the cell
	 */
	String ratioToACell(String server, String name) {
		return server.equals("A") ? "1" : Format.ratioCell(ratio(server, "A", name));
	}

	/**
	 * Return the table cell of a server's figure summed over the rounds, such as its
	 * errors: "n/a" when no round has it.
	 * @param server the server
	 * @param name the figure
	 * @return the cell
	 */
	String sumCell(String server, String name) {
		Map<Integer, Double> rounds = values(server, name);
		return rounds.isEmpty() ? "n/a" : Format.count(rounds.values().stream().mapToDouble(Double::doubleValue).sum());
	}

	boolean quick() {
		return "quick".equals(this.meta.getProperty("mode"));
	}

	private static List<String> words(String text) {
		return text.isBlank() ? List.of() : List.of(text.strip().split("\\s+"));
	}

}
