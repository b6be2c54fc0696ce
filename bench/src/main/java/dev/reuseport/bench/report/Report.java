package dev.reuseport.bench.report;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.function.DoubleFunction;
import java.util.function.DoublePredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.reuseport.bench.report.Stats.Summary;
import org.jspecify.annotations.Nullable;

/**
 * Turns the raw files of one {@code bench/run.sh} run into the Markdown report: machine,
 * versions, the result tables (median and min-max over rounds, and the ratio to A taken
 * within each round), the goals of the benchmark issue as met or missed, and the
 * commands.
 * <p>
 * The raw directory holds {@code meta.properties}, {@code commands.txt} and one
 * directory per round and server, {@code round-<n>/<server>/}, with {@code keepalive.txt}
 * and {@code churn.txt} (wrk output), {@code burst.txt} (the {@code BurstClient} output)
 * and, for B, {@code prom-after-churn.txt} (its Prometheus scrape after the churn step).
 * A missing or unreadable file leaves its figures out and is listed under "Problems":
 * that is the harness failing, and the exit status is then 1. Errors that the burst
 * client saw are measurements, listed under "Notes".
 * <p>
 * Usage: {@code Report <raw directory> [<markdown file>]}. The report is printed and,
 * when a file is given, also written there.
 */
public final class Report {

	static final List<String> SERVERS = List.of("A", "B", "B0", "C", "D");

	static final String KEEPALIVE_RPS = "keepalive.rps";

	static final String KEEPALIVE_P50 = "keepalive.p50.ms";

	static final String KEEPALIVE_P99 = "keepalive.p99.ms";

	static final String KEEPALIVE_ERRORS = "keepalive.errors";

	static final String CHURN_RPS = "churn.rps";

	static final String CHURN_P50 = "churn.p50.ms";

	static final String CHURN_P99 = "churn.p99.ms";

	static final String CHURN_ERRORS = "churn.errors";

	static final String BURST_P50 = "burst.connect.p50.ms";

	static final String BURST_P99 = "burst.connect.p99.ms";

	static final String BURST_MAX = "burst.connect.max.ms";

	static final String BURST_RESPONSE_P99 = "burst.response.p99.ms";

	static final String BURST_OVERFLOWS = "burst.listenOverflows";

	static final String BURST_DROPS = "burst.listenDrops";

	static final String BURST_UNFINISHED = "burst.unfinished";

	/**
	 * Connections that the balance goal asks for before the spread counts.
	 */
	static final long BALANCE_MIN_CONNECTIONS = 100_000;

	private static final Pattern ROUND = Pattern.compile("round-(\\d+)");

	private final Properties meta;

	private final String commands;

	/**
	 * Figures by server, round and name.
	 */
	private final Map<String, SortedMap<Integer, Map<String, Double>>> figures = new LinkedHashMap<>();

	/**
	 * B's per-listener accepted connections after the churn step, by round.
	 */
	private final SortedMap<Integer, ListenerCounts> balance = new TreeMap<>();

	private final List<String> problems = new ArrayList<>();

	private final List<String> notes = new ArrayList<>();

	Report(Properties meta, String commands) {
		this.meta = meta;
		this.commands = commands;
		SERVERS.forEach((server) -> this.figures.put(server, new TreeMap<>()));
	}

	/**
	 * Load the raw files of a run.
	 * @param raw the raw directory
	 * @return the report
	 * @throws IOException when the directory cannot be listed
	 */
	static Report load(Path raw) throws IOException {
		Properties meta = new Properties();
		Path metaFile = raw.resolve("meta.properties");
		if (Files.isReadable(metaFile)) {
			try (Reader reader = Files.newBufferedReader(metaFile)) {
				meta.load(reader);
			}
		}
		Path commandsFile = raw.resolve("commands.txt");
		String commands = Files.isReadable(commandsFile) ? Files.readString(commandsFile) : "";
		Report report = new Report(meta, commands);
		try (Stream<Path> rounds = Files.list(raw)) {
			for (Path roundDir : rounds.sorted().toList()) {
				Matcher round = ROUND.matcher(roundDir.getFileName().toString());
				if (round.matches() && Files.isDirectory(roundDir)) {
					for (String server : SERVERS) {
						Path dir = roundDir.resolve(server);
						if (Files.isDirectory(dir)) {
							report.loadRound(Integer.parseInt(round.group(1)), server, dir);
						}
					}
				}
			}
		}
		return report;
	}

	private void loadRound(int round, String server, Path dir) {
		Map<String, Double> values = this.figures.get(server).computeIfAbsent(round, (r) -> new LinkedHashMap<>());
		String where = "round " + round + ", " + server + ": ";
		readFile(dir.resolve("keepalive.txt"), where, (text) -> addWrk(values, "keepalive", WrkResult.parse(text)));
		readFile(dir.resolve("churn.txt"), where, (text) -> addWrk(values, "churn", WrkResult.parse(text)));
		readFile(dir.resolve("burst.txt"), where, (text) -> addBurst(values, text, where));
		Path scrape = dir.resolve("prom-after-churn.txt");
		if (server.equals("B")) {
			readFile(scrape, where, (text) -> {
				ListenerCounts counts = ListenerCounts.parse(text);
				if (counts.counts().isEmpty()) {
					throw new IllegalArgumentException("no " + ListenerCounts.METRIC + " samples");
				}
				this.balance.put(round, counts);
			});
		}
	}

	private void readFile(Path file, String where, TextConsumer consumer) {
		if (!Files.exists(file)) {
			this.problems.add(where + file.getFileName() + " is missing");
			return;
		}
		try {
			consumer.accept(Files.readString(file));
		}
		catch (IOException | RuntimeException ex) {
			this.problems.add(where + file.getFileName() + ": " + ex.getMessage());
		}
	}

	private static void addWrk(Map<String, Double> values, String step, WrkResult result) {
		values.put(step + ".rps", result.requestsPerSecond());
		values.put(step + ".p50.ms", result.latencyP50Ms());
		values.put(step + ".p99.ms", result.latencyP99Ms());
		values.put(step + ".errors", (double) (result.socketErrors() + result.non2xx()));
	}

	private void addBurst(Map<String, Double> values, String text, String where) throws IOException {
		Properties burst = new Properties();
		burst.load(new StringReader(text));
		if (burst.getProperty("connect.p99.ms") == null) {
			throw new IllegalArgumentException("no connect.p99.ms (did the burst client run?)");
		}
		values.put(BURST_P50, number(burst, "connect.p50.ms"));
		values.put(BURST_P99, number(burst, "connect.p99.ms"));
		values.put(BURST_MAX, number(burst, "connect.max.ms"));
		values.put(BURST_RESPONSE_P99, number(burst, "response.p99.ms"));
		values.put(BURST_OVERFLOWS, number(burst, "listenOverflows"));
		values.put(BURST_DROPS, number(burst, "listenDrops"));
		values.put(BURST_UNFINISHED, number(burst, "failed") + number(burst, "timedOut"));
		for (String line : text.lines().filter((line) -> line.startsWith("error=")).toList()) {
			this.notes.add(where + "burst client: " + line.substring("error=".length()));
		}
	}

	private static double number(Properties properties, String key) {
		String value = properties.getProperty(key);
		return (value != null) ? Double.parseDouble(value) : Double.NaN;
	}

	/**
	 * Return the servers that ran in at least one round, in benchmark order.
	 * @return the servers
	 */
	List<String> servers() {
		return SERVERS.stream().filter((server) -> !this.figures.get(server).isEmpty()).toList();
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

	/**
	 * Summarize one figure of one server over the rounds.
	 * @param server the server
	 * @param name the figure
	 * @return the summary, or {@code null} when no round has the figure
	 */
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
	 * Return B's per-listener counts from the churn steps of all rounds, added up.
	 * @return the pooled counts
	 */
	ListenerCounts pooledBalance() {
		return this.balance.values().stream().reduce(ListenerCounts.empty(), ListenerCounts::plus);
	}

	/**
	 * Render the report as Markdown.
	 * @return the report
	 */
	String render() {
		StringBuilder md = new StringBuilder();
		md.append("# reuseport benchmark\n\n");
		md.append("Run of ").append(meta("date")).append(" (`").append(meta("mode")).append("` mode): ");
		md.append(meta("rounds.completed")).append(" of ").append(meta("rounds.planned"));
		md.append(" planned rounds of ").append(meta("servers")).append(", ").append(meta("loops"));
		md.append(" event loops or workers per server");
		md.append(", ").append(meta("elapsed.seconds")).append(" s in all.\n");
		String stoppedEarly = this.meta.getProperty("stopped.early");
		if (stoppedEarly != null && !stoppedEarly.isBlank()) {
			md.append("\n**Stopped early:** ").append(stoppedEarly).append("\n");
		}
		md.append("\nEach cell is the median over the rounds, with the min–max in brackets. ");
		md.append("**× A** is the server's figure divided by A's from the same round, then the median (min–max) ");
		md.append("of those ratios: for req/s higher is better, for times lower is better.\n");
		renderHeadline(md);
		renderGoals(md);
		renderDetails(md);
		renderMachine(md);
		renderCommands(md);
		if (!this.notes.isEmpty()) {
			md.append("\n## Notes\n\n");
			this.notes.forEach((note) -> md.append("- ").append(note).append('\n'));
		}
		if (!this.problems.isEmpty()) {
			md.append("\n## Problems\n\nThe harness did not produce these figures:\n\n");
			this.problems.forEach((problem) -> md.append("- ").append(problem).append('\n'));
		}
		return md.toString();
	}

	/**
	 * Return what the harness failed to produce: missing or unreadable raw files.
	 * @return the problems, empty when every figure is there
	 */
	List<String> problems() {
		return this.problems;
	}

	private void renderHeadline(StringBuilder md) {
		md.append("\n## Headline\n\n");
		row(md, "Server", "Keep-alive req/s", "× A", "Churn req/s", "× A", "Burst connect p99 ms", "× A",
				"ListenOverflows");
		row(md, "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:");
		for (String server : servers()) {
			row(md, server, cell(summary(server, KEEPALIVE_RPS), Report::count),
					ratioCell(server, KEEPALIVE_RPS), cell(summary(server, CHURN_RPS), Report::count),
					ratioCell(server, CHURN_RPS), cell(summary(server, BURST_P99), Report::millis),
					ratioCell(server, BURST_P99), cell(summary(server, BURST_OVERFLOWS), Report::count));
		}
		md.append("\nA: Spring Boot WebFlux on its own Reactor Netty server (`--reuseport.enabled=false`). ");
		md.append("B: the same app with the starter. B0: B with `--reuseport.metrics.enabled=false`. ");
		md.append("C: raw Netty 4.2 epoll, one SO_REUSEPORT listener per loop. ");
		md.append("D: nginx, one `reuseport` listener per worker.\n");
	}

	private void renderGoals(StringBuilder md) {
		md.append("\n## Goals\n\nTargets from the benchmark issue, measured and never asserted: ");
		md.append("each status compares the median over the rounds with the target.\n\n");
		row(md, "Goal", "Measured", "Status");
		row(md, "---", "---", "---");
		Summary keepAlive = ratio("B", "A", KEEPALIVE_RPS);
		row(md, "B ≥ 1.00× A on keep-alive", ratioCell(keepAlive), status(keepAlive, (m) -> m >= 1.00));
		Summary churn = ratio("B", "A", CHURN_RPS);
		row(md, "B ≥ 1.10× A on churn", ratioCell(churn), status(churn, (m) -> m >= 1.10));
		Summary costKeepAlive = cost(KEEPALIVE_RPS);
		Summary costChurn = cost(CHURN_RPS);
		String costStatus = (costKeepAlive == null || costChurn == null) ? "not measured"
				: (costKeepAlive.median() <= 0.02 && costChurn.median() <= 0.02) ? "met" : "missed";
		row(md, "Meters cost ≤ 2 % (1 − B/B0 req/s)",
				"keep-alive " + percentCell(costKeepAlive) + "; churn " + percentCell(costChurn),
				costStatus);
		Summary burst = ratio("B", "A", BURST_P99);
		row(md, "Burst: B p99 connect ≤ ¼ of A's", ratioCell(burst), status(burst, (m) -> m <= 0.25));
		row(md, "Burst: B has no listen overflows where A overflows", overflows(), overflowStatus());
		ListenerCounts pooled = pooledBalance();
		String balanceFigure = pooled.counts().isEmpty() ? "n/a"
				: percent(pooled.spread()) + " over " + count(pooled.total()) + " connections";
		String balanceStatus = pooled.counts().isEmpty() ? "not measured"
				: (pooled.total() < BALANCE_MIN_CONNECTIONS)
						? "not measured (fewer than " + count(BALANCE_MIN_CONNECTIONS) + " connections)"
						: (pooled.spread() <= 0.05) ? "met" : "missed";
		row(md, "Balance spread ≤ 5 % after ≥ 100k connections (B after churn, rounds added up)", balanceFigure,
				balanceStatus);
	}

	/**
	 * Return what the starter's meters cost: {@code 1 - B/B0} per round.
	 */
	private @Nullable Summary cost(String name) {
		List<Double> costs = Stats.ratios(values("B", name), values("B0", name))
			.stream()
			.map((ratio) -> 1 - ratio)
			.toList();
		return Stats.summarize(costs);
	}

	private String overflows() {
		SortedMap<Integer, Double> a = values("A", BURST_OVERFLOWS);
		SortedMap<Integer, Double> b = values("B", BURST_OVERFLOWS);
		if (a.isEmpty() || b.isEmpty()) {
			return "n/a";
		}
		return a.keySet()
			.stream()
			.filter(b::containsKey)
			.map((round) -> "r" + round + ": A " + count(a.get(round)) + ", B " + count(b.get(round)))
			.collect(Collectors.joining("; "));
	}

	private String overflowStatus() {
		SortedMap<Integer, Double> a = values("A", BURST_OVERFLOWS);
		SortedMap<Integer, Double> b = values("B", BURST_OVERFLOWS);
		List<Integer> overflowing = a.entrySet()
			.stream()
			.filter((entry) -> entry.getValue() > 0 && b.containsKey(entry.getKey()))
			.map(Map.Entry::getKey)
			.toList();
		if (overflowing.isEmpty()) {
			return a.isEmpty() || b.isEmpty() ? "not measured" : "not exercised (A did not overflow)";
		}
		return overflowing.stream().allMatch((round) -> b.get(round) == 0) ? "met" : "missed";
	}

	private void renderDetails(StringBuilder md) {
		md.append("\n## Keep-alive\n\n`wrk`, ").append(meta("wrk.connections")).append(" connections, ");
		md.append(meta("keepalive.seconds")).append(" s after a ").append(meta("warmup.seconds"));
		md.append(" s warm-up.\n\n");
		wrkTable(md, KEEPALIVE_RPS, KEEPALIVE_P50, KEEPALIVE_P99, KEEPALIVE_ERRORS);
		md.append("\n## Churn\n\n`wrk` with `Connection: close` (a new connection per request), ");
		md.append(meta("wrk.connections")).append(" connections, ").append(meta("churn.seconds"));
		md.append(" s after a ").append(meta("warmup.churn.seconds")).append(" s warm-up.\n\n");
		wrkTable(md, CHURN_RPS, CHURN_P50, CHURN_P99, CHURN_ERRORS);
		md.append("\n## Burst accept\n\n").append(meta("burst.connections"));
		md.append(" connections opened as fast as one client thread can (at most ").append(meta("burst.maxOpen"));
		md.append(" open at once), one `GET /` with `Connection: close` on each. Connect time runs from ");
		md.append("`connect()` until the client sees the connection established; a SYN dropped on a full ");
		md.append("accept queue costs a 1 s retransmission. ListenOverflows and ListenDrops are the growth of ");
		md.append("`/proc/net/netstat` TcpExt counters over the burst (for the whole network namespace). ");
		md.append("Unfinished: failed or timed out, summed over rounds.\n\n");
		row(md, "Server", "connect p50 ms", "connect p99 ms", "p99 × A", "connect max ms", "response p99 ms",
				"ListenOverflows", "ListenDrops", "Unfinished");
		row(md, "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:");
		for (String server : servers()) {
			row(md, server, cell(summary(server, BURST_P50), Report::millis),
					cell(summary(server, BURST_P99), Report::millis), ratioCell(server, BURST_P99),
					cell(summary(server, BURST_MAX), Report::millis),
					cell(summary(server, BURST_RESPONSE_P99), Report::millis),
					cell(summary(server, BURST_OVERFLOWS), Report::count),
					cell(summary(server, BURST_DROPS), Report::count), sum(server, BURST_UNFINISHED));
		}
		renderBalance(md);
	}

	private void wrkTable(StringBuilder md, String rps, String p50, String p99, String errors) {
		row(md, "Server", "req/s", "× A", "latency p50 ms", "latency p99 ms", "errors (all rounds)");
		row(md, "---", "---:", "---:", "---:", "---:", "---:");
		for (String server : servers()) {
			row(md, server, cell(summary(server, rps), Report::count), ratioCell(server, rps),
					cell(summary(server, p50), Report::millis), cell(summary(server, p99), Report::millis),
					sum(server, errors));
		}
	}

	private void renderBalance(StringBuilder md) {
		md.append("\n## Balance\n\nConnections that each of B's listeners had accepted when the churn step ended ");
		md.append("(`").append(ListenerCounts.METRIC).append("`: keep-alive, warm-ups and churn), ");
		md.append("spread = (max − min) / mean. \"all\" adds the rounds up listener by listener.\n\n");
		row(md, "Round", "Connections", "Per listener", "Spread");
		row(md, "---", "---:", "---", "---:");
		this.balance.forEach((round, counts) -> row(md, String.valueOf(round), count(counts.total()),
				perListener(counts), percent(counts.spread())));
		ListenerCounts pooled = pooledBalance();
		if (!pooled.counts().isEmpty()) {
			row(md, "all", count(pooled.total()), perListener(pooled), percent(pooled.spread()));
		}
	}

	private static String perListener(ListenerCounts counts) {
		return counts.counts().values().stream().map(Report::count).collect(Collectors.joining(" / "));
	}

	private void renderMachine(StringBuilder md) {
		md.append("\n## Machine and versions\n\n");
		md.append("- Machine: ").append(meta("nproc")).append(" CPUs (`nproc`), ").append(meta("cpu"));
		md.append(", kernel ").append(meta("kernel")).append(", ").append(meta("memory")).append(" memory\n");
		md.append("- Load average before the run: ").append(meta("loadavg")).append('\n');
		md.append("- CPU pinning: ").append(meta("pin")).append('\n');
		md.append("- Network namespace: ").append(meta("netns")).append('\n');
		md.append("- `net.core.somaxconn` ").append(meta("somaxconn")).append(", `net.ipv4.tcp_max_syn_backlog` ");
		md.append(meta("tcp_max_syn_backlog")).append(", file descriptor limit ").append(meta("nofile"));
		md.append('\n');
		md.append("- Java: ").append(meta("java")).append('\n');
		Versions.detect().forEach((name, version) -> md.append("- ").append(name).append(": ").append(version).append('\n'));
		md.append("- nginx: ").append(meta("nginx")).append('\n');
		md.append("- wrk: ").append(meta("wrk")).append('\n');
		md.append("- Project: ").append(meta("git")).append('\n');
	}

	private void renderCommands(StringBuilder md) {
		md.append("\n## Commands\n\n```text\n").append(this.commands.strip()).append("\n```\n");
	}

	private String meta(String key) {
		return this.meta.getProperty(key, "?");
	}

	private String ratioCell(String server, String name) {
		return server.equals("A") ? "1" : ratioCell(ratio(server, "A", name));
	}

	private static String ratioCell(@Nullable Summary summary) {
		return cell(summary, Report::ratio, "×");
	}

	private String sum(String server, String name) {
		SortedMap<Integer, Double> values = values(server, name);
		return values.isEmpty() ? "n/a" : count(values.values().stream().mapToDouble(Double::doubleValue).sum());
	}

	private static String status(@Nullable Summary summary, DoublePredicate met) {
		if (summary == null) {
			return "not measured";
		}
		return met.test(summary.median()) ? "met" : "missed";
	}

	/**
	 * Format a summary as {@code median (min–max)}, or the median alone when every value
	 * formats the same.
	 */
	static String cell(@Nullable Summary summary, DoubleFunction<String> format) {
		return cell(summary, format, "");
	}

	/**
	 * Format a summary as {@code median<unit> (min–max)}, or the median alone when every
	 * value formats the same.
	 */
	static String cell(@Nullable Summary summary, DoubleFunction<String> format, String unit) {
		if (summary == null) {
			return "n/a";
		}
		String median = format.apply(summary.median());
		String min = format.apply(summary.min());
		String max = format.apply(summary.max());
		return (min.equals(max)) ? median + unit : median + unit + " (" + min + "–" + max + ")";
	}

	/**
	 * Format a ratio with two decimals, or two significant digits below 0.1.
	 */
	static String ratio(double value) {
		if (Double.isNaN(value)) {
			return "n/a";
		}
		if (value == 0 || Math.abs(value) >= 0.1) {
			return "%.2f".formatted(value);
		}
		return new BigDecimal(value).round(new MathContext(2)).stripTrailingZeros().toPlainString();
	}

	static String count(double value) {
		return Double.isNaN(value) ? "n/a" : "%,.0f".formatted(value);
	}

	static String millis(double value) {
		if (Double.isNaN(value)) {
			return "n/a";
		}
		return (value < 10) ? "%.2f".formatted(value) : (value < 100) ? "%.1f".formatted(value) : count(value);
	}

	static String percent(double fraction) {
		return Double.isNaN(fraction) ? "n/a" : "%.1f %%".formatted(fraction * 100);
	}

	private static String percentCell(@Nullable Summary summary) {
		return cell(summary, (fraction) -> "%.1f".formatted(fraction * 100), " %");
	}

	private static void row(StringBuilder md, String... cells) {
		md.append("| ").append(String.join(" | ", cells)).append(" |\n");
	}

	public static void main(String[] args) throws IOException {
		if (args.length < 1 || args.length > 2) {
			System.err.println("Usage: Report <raw directory> [<markdown file>]");
			System.exit(2);
		}
		Report report = load(Path.of(args[0]));
		String markdown = report.render();
		System.out.print(markdown);
		if (args.length == 2) {
			Path out = Path.of(args[1]);
			if (out.getParent() != null) {
				Files.createDirectories(out.getParent());
			}
			Files.writeString(out, markdown);
		}
		if (!report.problems().isEmpty()) {
			System.err.printf("%d problem(s) with the benchmark harness: see 'Problems' in the report%n",
					report.problems().size());
			System.exit(1);
		}
	}

	/**
	 * Reads one raw file's text.
	 */
	@FunctionalInterface
	private interface TextConsumer {

		void accept(String text) throws IOException;

	}

}
