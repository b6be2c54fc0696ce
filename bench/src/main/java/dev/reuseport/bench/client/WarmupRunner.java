package dev.reuseport.bench.client;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import dev.reuseport.bench.report.Stats;
import dev.reuseport.bench.report.WrkResult;

/**
 * Warms a server up until its throughput is stable: it runs the given wrk command in
 * windows of {@code --window-seconds} until {@code --windows} consecutive windows agree
 * within {@code --tolerance} ({@link Stats#stableAfter}), or until {@code --max-seconds}
 * have passed. Every window's wrk output is appended to {@code --log}; the outcome is
 * printed as {@code key=value} lines.
 * <p>
 * Usage: {@code WarmupRunner --log FILE [--window-seconds 2] [--windows 3]
 * [--tolerance 0.05] [--max-seconds 60] -- wrk -t 2 -c 64 http://127.0.0.1:8080/}. The
 * command must not carry {@code -d}: the runner adds it.
 */
public final class WarmupRunner {

	private WarmupRunner() {
	}

	public static void main(String[] args) throws IOException, InterruptedException {
		int windowSeconds = 2;
		int windows = 3;
		double tolerance = 0.05;
		int maxSeconds = 60;
		Path log = null;
		List<String> command = new ArrayList<>();
		for (int i = 0; i < args.length; i++) {
			switch (args[i]) {
				case "--window-seconds" -> windowSeconds = Integer.parseInt(args[++i]);
				case "--windows" -> windows = Integer.parseInt(args[++i]);
				case "--tolerance" -> tolerance = Double.parseDouble(args[++i]);
				case "--max-seconds" -> maxSeconds = Integer.parseInt(args[++i]);
				case "--log" -> log = Path.of(args[++i]);
				case "--" -> {
					command.addAll(List.of(args).subList(i + 1, args.length));
					i = args.length;
				}
				default -> throw new IllegalArgumentException("Unknown argument: " + args[i]);
			}
		}
		if (log == null || command.size() < 2) {
			throw new IllegalArgumentException("--log and a wrk command after -- are required");
		}
		List<String> windowCommand = new ArrayList<>(command.subList(0, command.size() - 1));
		windowCommand.addAll(List.of("-d", windowSeconds + "s", command.get(command.size() - 1)));
		List<Double> throughput = new ArrayList<>();
		long start = System.nanoTime();
		long limit = start + TimeUnit.SECONDS.toNanos(maxSeconds);
		int stableAt = -1;
		while (stableAt < 0 && System.nanoTime() + TimeUnit.SECONDS.toNanos(windowSeconds) <= limit) {
			String output = run(windowCommand, windowSeconds + 15);
			Files.writeString(log, output, StandardCharsets.UTF_8, StandardOpenOption.CREATE,
					StandardOpenOption.APPEND);
			throughput.add(parse(output));
			stableAt = Stats.stableAfter(throughput, windows, tolerance);
		}
		PrintStream out = System.out;
		out.println("seconds=" + "%.1f".formatted((System.nanoTime() - start) / 1e9));
		out.println("stable=" + (stableAt >= 0));
		out.println("window.seconds=" + windowSeconds);
		out.println("windows.agreeing=" + windows);
		out.println("tolerance=" + tolerance);
		out.println("max.seconds=" + maxSeconds);
		out.println(
				"windows=" + throughput.stream().map((rps) -> "%.0f".formatted(rps)).collect(Collectors.joining(",")));
	}

	private static double parse(String output) {
		try {
			return WrkResult.parse(output).requestsPerSecond();
		}
		catch (IllegalArgumentException ex) {
			return Double.NaN;
		}
	}

	private static String run(List<String> command, int timeoutSeconds) throws IOException, InterruptedException {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		byte[] output = process.getInputStream().readAllBytes();
		if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
			process.destroyForcibly();
		}
		return new String(output, StandardCharsets.UTF_8);
	}

}
