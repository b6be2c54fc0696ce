package dev.reuseport.bench.report;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.jspecify.annotations.Nullable;

/**
 * The CPU time that each event loop of a server used over one step, from the per-thread
 * {@code /proc/PID/task/TID/stat} lines that {@code bench/run.sh} records before and
 * after the step: every thread of a JVM server, or each nginx worker process. The loops
 * are the threads whose name ({@code comm}) starts with the server's loop thread name,
 * cut as the kernel cuts {@code comm}: to {@value #COMM_LENGTH} characters, so that
 * {@code reuseport-listener-0} reads {@code reuseport-liste}.
 * <p>
 * The file holds {@code clk_tck=N} and one {@code before <stat line>} and
 * {@code after <stat line>} per thread. A loop that started during the step counts from
 * zero; one that ended during it is left out.
 */
public final class LoopCpuTime {

	/**
	 * The longest thread name that {@code /proc/PID/task/TID/stat} shows: the kernel's
	 * {@code TASK_COMM_LEN} less its terminating zero.
	 */
	public static final int COMM_LENGTH = 15;

	private final Map<Long, Double> seconds;

	private LoopCpuTime(Map<Long, Double> seconds) {
		this.seconds = seconds;
	}

	/**
	 * Return the name that a server's event loop threads start with: Reactor Netty's
	 * {@code reactor-http-epoll-N} for A and {@code reactor-http-io_uring-N} for Au, the
	 * starter's {@code reuseport-listener-N} for B, B0, Bu and the variants,
	 * {@code raw-listener-N} for C and the worker processes' {@code nginx} for D. Jetty
	 * (J) and Tomcat (T) have none: a pool of worker threads serves every connection.
	 * @param server the server
	 * @return the name, before the kernel cuts it, or {@code null} for J and T
	 */
	public static @Nullable String loopThreadName(String server) {
		return switch (server) {
			case "A" -> "reactor-http-epoll-";
			case "Au" -> "reactor-http-io_uring-";
			case "C" -> "raw-listener-";
			case "D" -> "nginx";
			case "J", "T" -> null;
			default -> "reuseport-listener-";
		};
	}

	/**
	 * Parse a recorded file.
	 * @param text the file
	 * @param loopThreadName the name the loop threads start with, as
	 * {@link #loopThreadName(String)} gives it
	 * @return the CPU time of each loop
	 * @throws IllegalArgumentException when the file lacks the clock rate or a side, or
	 * no thread after the step has that name
	 */
	public static LoopCpuTime parse(String text, String loopThreadName) {
		String comm = loopThreadName.substring(0, Math.min(loopThreadName.length(), COMM_LENGTH));
		List<String> lines = text.lines().map(String::strip).toList();
		double ticksPerSecond = CpuTime.ticksPerSecond(lines);
		Map<Long, Long> before = ticksByThread(lines, "before ", comm);
		Map<Long, Long> after = ticksByThread(lines, "after ", comm);
		if (lines.stream().noneMatch((line) -> line.startsWith("before "))) {
			throw new IllegalArgumentException("no 'before' line");
		}
		if (after.isEmpty()) {
			throw new IllegalArgumentException("no thread named " + comm + "* after the step");
		}
		Map<Long, Double> seconds = new LinkedHashMap<>();
		after.forEach(
				(thread, ticks) -> seconds.put(thread, (ticks - before.getOrDefault(thread, 0L)) / ticksPerSecond));
		return new LoopCpuTime(seconds);
	}

	private static Map<Long, Long> ticksByThread(List<String> lines, String prefix, String comm) {
		Map<Long, Long> ticks = new TreeMap<>();
		for (String line : lines) {
			if (line.startsWith(prefix)) {
				String stat = line.substring(prefix.length());
				int open = stat.indexOf(" (");
				int close = stat.lastIndexOf(')');
				if (open < 0 || close < open) {
					throw new IllegalArgumentException("Not a /proc/PID/task/TID/stat line: " + stat);
				}
				if (stat.substring(open + 2, close).startsWith(comm)) {
					ticks.put(Long.parseLong(stat.substring(0, open)), CpuTime.ticks(stat));
				}
			}
		}
		return ticks;
	}

	/**
	 * Return the CPU seconds of each loop over the step, user and system time together.
	 * @return the seconds by thread id, in thread id order
	 */
	public Map<Long, Double> seconds() {
		return this.seconds;
	}

	/**
	 * Return how unevenly the loops were loaded: {@code (max - min) / mean} of their CPU
	 * time.
	 * @return the spread, NaN when no loop used any CPU time
	 */
	public double spread() {
		return Stats.spread(this.seconds.values());
	}

}
