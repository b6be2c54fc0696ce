package dev.reuseport.bench.report;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.reuseport.bench.report.Stats.Summary;
import org.jspecify.annotations.Nullable;

import static dev.reuseport.bench.report.Format.cell;
import static dev.reuseport.bench.report.Format.row;

/**
 * The http3 scenario's part of the report: for each number of QUIC connections, the
 * throughput, the server's CPU per request and its busiest event loop, of Reactor Netty's
 * own HTTP/3 binding, one UDP socket ({@value #BASELINE}), and of the starter's one
 * socket per listener loop, with its ratios to {@value #BASELINE} taken within each
 * round. Read from {@code http3/round-<n>/<server>/c<connections>.properties}, which
 * {@code Http3Load} writes.
 */
final class Http3Section {

	/**
	 * The one-socket baseline.
	 */
	static final String BASELINE = "H1";

	private static final Pattern ROUND = Pattern.compile("round-(\\d+)");

	private static final Pattern STEP = Pattern.compile("c(\\d+)\\.properties");

	private final Properties meta;

	// connections -> server -> round -> the step's figures
	private final SortedMap<Integer, Map<String, SortedMap<Integer, Properties>>> steps = new TreeMap<>();

	private Http3Section(Properties meta) {
		this.meta = meta;
	}

	/**
	 * Read the scenario's figures, and name every step that the harness left without a
	 * throughput among the run's problems.
	 * @param raw the run's raw directory
	 * @param run the rest of the run, whose metadata says which servers were to run
	 * @return the section, empty when the scenario did not run
	 * @throws IOException when a file cannot be read
	 */
	static Http3Section load(Path raw, RunData run) throws IOException {
		Http3Section section = new Http3Section(run.meta);
		Path http3 = raw.resolve("http3");
		if (!Files.isDirectory(http3)) {
			if (!run.meta.getProperty("http3.servers", "").isBlank()) {
				run.problems.add(
						"http3: no figures, although the scenario was to run " + run.meta.getProperty("http3.servers"));
			}
			return section;
		}
		try (Stream<Path> files = Files.walk(http3)) {
			for (Path file : files.filter(Files::isRegularFile).sorted().toList()) {
				Matcher round = ROUND.matcher(file.getParent().getParent().getFileName().toString());
				Matcher step = STEP.matcher(file.getFileName().toString());
				if (!round.matches() || !step.matches()) {
					continue;
				}
				Properties figures = new Properties();
				try (Reader reader = Files.newBufferedReader(file)) {
					figures.load(reader);
				}
				if (figures.getProperty("rps") == null) {
					run.problems.add("http3: no throughput in " + raw.relativize(file));
					continue;
				}
				section.steps.computeIfAbsent(Integer.parseInt(step.group(1)), (key) -> new TreeMap<>())
					.computeIfAbsent(file.getParent().getFileName().toString(), (key) -> new TreeMap<>())
					.put(Integer.parseInt(round.group(1)), figures);
			}
		}
		return section;
	}

	/**
	 * Return the figure of a server's step by round.
	 * @param connections the step's QUIC connections
	 * @param server the server
	 * @param figure the figure, such as {@code rps}
	 * @return the values by round
	 */
	SortedMap<Integer, Double> byRound(int connections, String server, String figure) {
		SortedMap<Integer, Double> values = new TreeMap<>();
		this.steps.getOrDefault(connections, Map.of())
			.getOrDefault(server, new TreeMap<>())
			.forEach((round, figures) -> values.put(round,
					Double.parseDouble(figures.getProperty(figure, String.valueOf(Double.NaN)))));
		return values;
	}

	/**
	 * Return a server's figure divided by {@value #BASELINE}'s in the same round,
	 * summarized over the rounds.
	 * @param connections the step's QUIC connections
	 * @param server the server
	 * @param figure the figure
	 * @return the summary, or {@code null} without a ratio
	 */
	@Nullable Summary ratioToBaseline(int connections, String server, String figure) {
		return Stats
			.summarize(Stats.ratios(byRound(connections, server, figure), byRound(connections, BASELINE, figure)));
	}

	void render(StringBuilder md) {
		if (this.steps.isEmpty()) {
			return;
		}
		md.append("\n## HTTP/3\n\n**").append(BASELINE).append("** is Reactor Netty's own HTTP/3 binding ");
		md.append("(`HttpServer.protocol(HTTP3).bindNow()`, the application's handler): one UDP socket on one of ");
		md.append("Reactor Netty's loops. **HN** is the starter with `reuseport.http3.enabled=true`: one UDP socket ");
		md.append("with SO_REUSEPORT per listener loop. Both have the same QUIC limits and a key generated for the ");
		md.append("run. The load is `Http3Load`, Reactor Netty's HTTP/3 client in a JVM of its own on ");
		md.append(this.meta.getProperty("wrk.threads", "?")).append(" epoll loops: N QUIC connections, each from ");
		md.append("its own client port, with ").append(this.meta.getProperty("http3.streams", "?"));
		md.append(" requests in flight on each, `GET /`; it warms each server up until its throughput is stable, ");
		md.append("then measures ").append(this.meta.getProperty("http3.seconds", "?")).append(" s. ");
		md.append("**CPU µs/req** is the server process's CPU time over the measured step divided by the requests. ");
		md.append("**Busiest loop** is the CPU time per second of the server's busiest event loop thread; ");
		md.append("**loops busy** counts the loops that did at least a tenth of its work. Each cell is the median ");
		md.append("over ").append(this.meta.getProperty("http3.rounds.completed", "?"));
		md.append(" alternating rounds (min–max); **× ").append(BASELINE).append("** is taken within each round.\n");
		for (Map.Entry<Integer, Map<String, SortedMap<Integer, Properties>>> step : this.steps.entrySet()) {
			int connections = step.getKey();
			md.append("\n**").append(connections).append(" connections**\n\n");
			row(md, "Server", "req/s", "× " + BASELINE, "CPU µs/req", "× " + BASELINE, "Busiest loop", "Loops busy",
					"errors (all rounds)", "Warm-up s", "Stable");
			row(md, "---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---");
			for (String server : step.getValue().keySet()) {
				row(md, server, cell(summary(connections, server, "rps"), Format::count),
						Format.ratioCell(ratioToBaseline(connections, server, "rps")),
						cell(summary(connections, server, "cpu.us.per.request"), Format::micros),
						Format.ratioCell(ratioToBaseline(connections, server, "cpu.us.per.request")),
						cell(summary(connections, server, "loop.busiest"), Format::ratio),
						cell(summary(connections, server, "loops.busy"), Format::count),
						Format.count(sum(connections, server, "errors")),
						cell(summary(connections, server, "warmup.seconds"), Format::count),
						String.join(" ", stable(connections, server)));
			}
		}
	}

	private @Nullable Summary summary(int connections, String server, String figure) {
		return Stats.summarize(byRound(connections, server, figure).values());
	}

	private double sum(int connections, String server, String figure) {
		return byRound(connections, server, figure).values().stream().mapToDouble(Double::doubleValue).sum();
	}

	private List<String> stable(int connections, String server) {
		List<String> stable = new ArrayList<>();
		this.steps.get(connections)
			.get(server)
			.values()
			.forEach((figures) -> stable.add(figures.getProperty("warmup.stable", "n/a")));
		return stable;
	}

}
