package dev.reuseport.bench.report;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The proxied calls of one proxy step whose downstream response was handled on the
 * inbound request's loop, from the bench app's {@code GET /proxy/loops} counts that
 * {@code bench/run.sh} records before and after the step: {@code before same=N other=M}
 * and {@code after same=N other=M}.
 *
 * @param same the calls handled on the inbound loop during the step
 * @param other the calls handled on another thread during the step
 */
record ProxyShare(long same, long other) {

	private static final Pattern COUNTS = Pattern.compile("same=(\\d+) other=(\\d+)");

	/**
	 * Parse a recorded file.
	 * @param text the file
	 * @return the calls of the step
	 * @throws IllegalArgumentException when a side is missing or the counts went down
	 * (the server restarted during the step)
	 */
	static ProxyShare parse(String text) {
		List<String> lines = text.lines().map(String::strip).toList();
		long[] before = counts(lines, "before ");
		long[] after = counts(lines, "after ");
		if (after[0] < before[0] || after[1] < before[1]) {
			throw new IllegalArgumentException("the counts went down (did the server restart?)");
		}
		return new ProxyShare(after[0] - before[0], after[1] - before[1]);
	}

	private static long[] counts(List<String> lines, String prefix) {
		for (String line : lines) {
			if (line.startsWith(prefix)) {
				Matcher matcher = COUNTS.matcher(line.substring(prefix.length()).strip());
				if (matcher.matches()) {
					return new long[] { Long.parseLong(matcher.group(1)), Long.parseLong(matcher.group(2)) };
				}
			}
		}
		throw new IllegalArgumentException("no '" + prefix + "same=N other=M' line");
	}

	/**
	 * Return the calls counted.
	 * @return the calls
	 */
	long calls() {
		return this.same + this.other;
	}

	/**
	 * Return the share of calls handled on the inbound loop.
	 * @return the share, NaN when no call was counted
	 */
	double share() {
		return (calls() == 0) ? Double.NaN : (double) this.same / calls();
	}

}
