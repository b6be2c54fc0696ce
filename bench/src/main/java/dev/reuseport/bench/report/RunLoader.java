package dev.reuseport.bench.report;

import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Reads the raw directory of a {@code bench/run.sh} run into {@link RunData}. A missing
 * or unreadable file leaves its figures out and is listed as a problem: the harness
 * failed. Errors that a client saw are measurements, listed as notes.
 * <p>
 * Layout: {@code meta.properties}, {@code commands.txt}; {@code warmup/<server>/}
 * {@code keepalive.properties} and {@code churn.properties}; {@code round-<n>/<server>/}
 * {@code <step>.txt} (wrk) for {@code keepalive}, {@code churn} and each
 * {@code keepalive-c<n>}, with {@code <step>.cpu} ({@link CpuTime}) and
 * {@code <step>.loops} ({@link LoopCpuTime}), and for B and its variants
 * {@code prom-after-churn.txt} and, per few-connection step, {@code <step>.prom.txt} with
 * {@code <step>.scrape-thread.txt} (the loop that served the scrape);
 * {@code stall/<server>/samples.txt} ({@link StallRun});
 * {@code burst-<backlog>/<server>/} {@code alone.txt}, {@code stalled.txt} (burst client)
 * and {@code listen.txt} ({@code ss -Hltn}). The proxy scenario adds the steps
 * {@code proxy} and {@code proxy-churn} to the rounds of its servers, each with
 * {@code <step>.share} ({@link ProxyShare}) instead of {@code <step>.loops}, and
 * {@code warmup/<server>/proxy.properties}.
 */
final class RunLoader {

	private static final Pattern ROUND = Pattern.compile("round-(\\d+)");

	private static final Pattern BURST = Pattern.compile("burst-(\\d+)");

	private final RunData run;

	private RunLoader(RunData run) {
		this.run = run;
	}

	static RunData load(Path raw) throws IOException {
		Path commandsFile = raw.resolve("commands.txt");
		String commands = Files.isReadable(commandsFile) ? Files.readString(commandsFile) : "";
		RunData run = new RunData(properties(raw.resolve("meta.properties")), commands);
		RunLoader loader = new RunLoader(run);
		try (Stream<Path> entries = Files.list(raw)) {
			for (Path dir : entries.sorted().filter(Files::isDirectory).toList()) {
				String name = dir.getFileName().toString();
				Matcher round = ROUND.matcher(name);
				Matcher burst = BURST.matcher(name);
				for (String server : run.allServers()) {
					Path serverDir = dir.resolve(server);
					if (!Files.isDirectory(serverDir)) {
						continue;
					}
					if (round.matches()) {
						loader.loadRound(Integer.parseInt(round.group(1)), server, serverDir);
					}
					else if (burst.matches()) {
						loader.loadBurst(burst.group(1), server, serverDir);
					}
					else if (name.equals("warmup")) {
						loader.loadWarmup(server, serverDir);
					}
					else if (name.equals("stall")) {
						loader.read(serverDir.resolve("samples.txt"), "stall, " + server + ": ",
								(text) -> run.stalls.put(server, StallRun.parse(text)));
					}
				}
			}
		}
		return run;
	}

	private void loadWarmup(String server, Path dir) {
		String where = "warm-up, " + server + ": ";
		// Each server is warmed for what it runs: GET / (keep-alive, then churn) for the
		// steady state, the stalled loop and the bursts, GET /proxy for the proxy
		// scenario
		List<String> steps = List.of(RunData.KEEPALIVE, RunData.CHURN, RunData.PROXY)
			.stream()
			.filter((step) -> Files.exists(dir.resolve(step + ".properties")))
			.toList();
		if (steps.isEmpty()) {
			this.run.problems.add(where + "no keepalive.properties nor proxy.properties");
		}
		if (steps.contains(RunData.KEEPALIVE) != steps.contains(RunData.CHURN)) {
			this.run.problems.add(where + "keepalive.properties and churn.properties must come together");
		}
		for (String step : steps) {
			read(dir.resolve(step + ".properties"), where, (text) -> {
				Properties warmup = parse(text);
				if (warmup.getProperty("seconds") == null) {
					throw new IllegalArgumentException("no seconds= (did the warm-up run?)");
				}
				this.run.warmups.computeIfAbsent(server, (s) -> new LinkedHashMap<>()).put(step, warmup);
			});
		}
	}

	private void loadRound(int round, String server, Path dir) {
		String where = "round " + round + ", " + server + ": ";
		for (String step : this.run.steps(server)) {
			read(dir.resolve(step + ".txt"), where, (text) -> {
				WrkResult wrk = WrkResult.parse(text);
				this.run.put(server, round, step + ".rps", wrk.requestsPerSecond());
				this.run.put(server, round, step + ".p50.ms", wrk.latencyP50Ms());
				this.run.put(server, round, step + ".p99.ms", wrk.latencyP99Ms());
				this.run.put(server, round, step + ".max.ms", wrk.latencyMaxMs());
				this.run.put(server, round, step + ".errors", (double) (wrk.socketErrors() + wrk.non2xx()));
				read(dir.resolve(step + ".cpu"), where, (cpu) -> {
					if (wrk.requests() <= 0) {
						throw new IllegalArgumentException("wrk reported no requests");
					}
					this.run.put(server, round, step + ".cpu.us", CpuTime.seconds(cpu) * 1e6 / wrk.requests());
				});
			});
			if (this.run.proxySteps().contains(step)) {
				read(dir.resolve(step + ".share"), where, (text) -> {
					ProxyShare share = ProxyShare.parse(text);
					this.run.put(server, round, step + ".loop.share", share.share());
					this.run.put(server, round, step + ".calls", (double) share.calls());
				});
			}
			else if (this.run.hasLoopCpu()) {
				read(dir.resolve(step + ".loops"), where, (text) -> loadLoopCpu(round, server, step, text, where));
			}
		}
		if (this.run.bLike(server) && this.run.steps(server).contains(RunData.CHURN)) {
			read(dir.resolve("prom-after-churn.txt"), where, (text) -> {
				ListenerCounts counts = meters(server, ListenerCounts.parse(text), ListenerCounts.METRIC);
				if (!counts.counts().isEmpty()) {
					this.run.balance.computeIfAbsent(server, (s) -> new TreeMap<>()).put(round, counts);
				}
			});
			for (String step : this.run.fewSteps()) {
				read(dir.resolve(step + ".prom.txt"), where, (text) -> loadOpen(round, server, step, dir, text, where));
			}
		}
	}

	private void loadLoopCpu(int round, String server, String step, String text, String where) {
		String loopThreadName = LoopCpuTime.loopThreadName(server);
		if (loopThreadName == null) {
			// Jetty and Tomcat serve every connection from a pool: no loop to compare
			return;
		}
		LoopCpuTime loops = LoopCpuTime.parse(text, loopThreadName);
		this.run.put(server, round, step + ".loop.cpu.spread", loops.spread());
		String expected = this.run.meta("loops");
		if (!String.valueOf(loops.seconds().size()).equals(expected)) {
			this.run.notes.add(where + step + ": " + loops.seconds().size() + " loop threads named " + loopThreadName
					+ "* for " + expected + " loops");
		}
	}

	private void loadOpen(int round, String server, String step, Path dir, String text, String where) {
		// The open connections per loop, where the starter reports them; before
		// balancing,
		// each listener served all of the connections it accepted on its own loop
		ListenerCounts served = ListenerCounts.parse(text, ListenerCounts.SERVED_METRIC);
		ListenerCounts counts = served.counts().isEmpty()
				? meters(server, ListenerCounts.parse(text, ListenerCounts.ACTIVE_METRIC), ListenerCounts.ACTIVE_METRIC)
				: served;
		if (counts.counts().isEmpty()) {
			return;
		}
		// The scrape's connection is open while it reads the gauges: take it out
		read(dir.resolve(step + ".scrape-thread.txt"), where, (loop) -> {
			ListenerCounts open = counts.withoutConnectionServedBy(loop);
			this.run.open.computeIfAbsent(server, (s) -> new LinkedHashMap<>())
				.computeIfAbsent(step, (s) -> new TreeMap<>())
				.put(round, open);
			this.run.put(server, round, step + ".open.spread", open.spread());
		});
	}

	/**
	 * Return the counts of a scrape; B must have them, a variant may run without the
	 * starter's meters ({@code --reuseport.metrics.enabled=false}), which is a note, once
	 * per variant and metric.
	 */
	private ListenerCounts meters(String server, ListenerCounts counts, String metric) {
		if (counts.counts().isEmpty()) {
			if (server.equals("B")) {
				throw new IllegalArgumentException("no " + metric + " samples");
			}
			String note = server + ": its scrapes have no " + metric + " samples (are its meters off?)";
			if (!this.run.notes.contains(note)) {
				this.run.notes.add(note);
			}
		}
		return counts;
	}

	private void loadBurst(String backlog, String server, Path dir) {
		String where = "burst at backlog " + backlog + ", " + server + ": ";
		read(dir.resolve("listen.txt"), where,
				(text) -> this.run.backlogs.computeIfAbsent(backlog, (b) -> new LinkedHashMap<>())
					.put(server,
							text.lines()
								.map((line) -> line.trim().split("\\s+"))
								.filter((fields) -> fields.length >= 4)
								.map((fields) -> Integer.parseInt(fields[2]))
								.toList()));
		for (String variant : List.of("alone", "stalled")) {
			Path file = dir.resolve(variant + ".txt");
			if (variant.equals("stalled") && !Files.exists(file)) {
				continue;
			}
			read(file, where, (text) -> loadBurstOutput(server, "burst." + backlog + "." + variant + ".", text,
					where + variant + ": "));
		}
	}

	private void loadBurstOutput(String server, String prefix, String text, String where) throws IOException {
		Properties burst = parse(text);
		if (burst.getProperty("connect.p99.ms") == null) {
			throw new IllegalArgumentException("no connect.p99.ms (did the burst client run?)");
		}
		for (String key : List.of("connect.p50.ms", "connect.p99.ms", "connect.max.ms", "connect.over900ms",
				"response.p99.ms", "listenOverflows", "listenDrops")) {
			this.run.putOnce(server, prefix + key, number(burst, key));
		}
		this.run.putOnce(server, prefix + "unfinished", number(burst, "failed") + number(burst, "timedOut"));
		text.lines()
			.filter((line) -> line.startsWith("error="))
			.forEach((line) -> this.run.notes.add(where + "burst client: " + line.substring("error=".length())));
	}

	private void read(Path file, String where, TextConsumer consumer) {
		if (!Files.exists(file)) {
			this.run.problems.add(where + file.getFileName() + " is missing");
			return;
		}
		try {
			consumer.accept(Files.readString(file));
		}
		catch (IOException | RuntimeException ex) {
			this.run.problems.add(where + file.getFileName() + ": " + ex.getMessage());
		}
	}

	private static Properties properties(Path file) throws IOException {
		Properties properties = new Properties();
		if (Files.isReadable(file)) {
			try (Reader reader = Files.newBufferedReader(file)) {
				properties.load(reader);
			}
		}
		return properties;
	}

	private static Properties parse(String text) throws IOException {
		Properties properties = new Properties();
		properties.load(new StringReader(text));
		return properties;
	}

	private static double number(Properties properties, String key) {
		String value = properties.getProperty(key);
		return (value != null) ? Double.parseDouble(value) : Double.NaN;
	}

	/**
	 * Reads one raw file's text.
	 */
	@FunctionalInterface
	private interface TextConsumer {

		void accept(String text) throws IOException;

	}

}
