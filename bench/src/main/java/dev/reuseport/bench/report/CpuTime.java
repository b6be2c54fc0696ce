package dev.reuseport.bench.report;

import java.util.List;

/**
 * The CPU time that a server's processes used over one step, from the
 * {@code /proc/PID/stat} lines that {@code bench/run.sh} records before and after the
 * step. The file holds {@code clk_tck=N} (from {@code getconf CLK_TCK}) and one
 * {@code before <stat line>} and {@code after <stat line>} per process: one for a JVM
 * server, whose stat adds up all of its threads, and one per process for nginx.
 */
public final class CpuTime {

	private CpuTime() {
	}

	/**
	 * Return the CPU seconds used between the before and after lines.
	 * @param text the recorded file
	 * @return the seconds, user and system time together
	 * @throws IllegalArgumentException when the file lacks the clock rate or a side
	 */
	public static double seconds(String text) {
		List<String> lines = text.lines().map(String::strip).toList();
		double ticksPerSecond = ticksPerSecond(lines);
		long before = ticks(lines, "before ");
		long after = ticks(lines, "after ");
		return (after - before) / ticksPerSecond;
	}

	/**
	 * Return the clock rate that a {@code clk_tck=} line of a recorded file gives.
	 * @param lines the file's lines, stripped
	 * @return the clock ticks per second
	 * @throws IllegalArgumentException when there is no such line
	 */
	static double ticksPerSecond(List<String> lines) {
		return lines.stream()
			.filter((line) -> line.startsWith("clk_tck="))
			.mapToDouble((line) -> Double.parseDouble(line.substring("clk_tck=".length())))
			.findFirst()
			.orElseThrow(() -> new IllegalArgumentException("no clk_tck= line"));
	}

	private static long ticks(List<String> lines, String prefix) {
		List<String> stats = lines.stream().filter((line) -> line.startsWith(prefix)).toList();
		if (stats.isEmpty()) {
			throw new IllegalArgumentException("no '" + prefix.strip() + "' line");
		}
		return stats.stream().mapToLong((line) -> ticks(line.substring(prefix.length()))).sum();
	}

	/**
	 * Return {@code utime + stime} of one {@code /proc/PID/stat} line, in clock ticks.
	 * The command name in brackets may hold spaces, so fields are counted from its
	 * closing bracket: utime and stime are the 14th and 15th fields of the line.
	 * @param stat the line
	 * @return the ticks
	 */
	public static long ticks(String stat) {
		int end = stat.lastIndexOf(')');
		if (end < 0) {
			throw new IllegalArgumentException("Not a /proc/PID/stat line: " + stat);
		}
		String[] fields = stat.substring(end + 1).trim().split("\\s+");
		// fields[0] is the 3rd field (state), so utime (14th) is fields[11]
		return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
	}

}
