package dev.reuseport.bench.report;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What {@code wrk --latency} printed for one run: throughput, latency percentiles and
 * errors. Times are in milliseconds; a figure that wrk did not print is NaN.
 *
 * @param requests the number of completed requests
 * @param seconds the measured duration
 * @param requestsPerSecond the throughput wrk reported
 * @param latencyAvgMs the mean latency
 * @param latencyP50Ms the median latency
 * @param latencyP99Ms the 99th percentile latency
 * @param latencyMaxMs the largest latency
 * @param socketErrors connect, read, write and timeout errors together
 * @param non2xx responses that were not 2xx or 3xx
 */
public record WrkResult(long requests, double seconds, double requestsPerSecond, double latencyAvgMs,
		double latencyP50Ms, double latencyP99Ms, double latencyMaxMs, long socketErrors, long non2xx) {

	private static final String TIME = "([0-9.]+)(us|ms|s|m|h)";

	private static final Pattern LATENCY = Pattern.compile("^\\s*Latency\\s+" + TIME + "\\s+\\S+\\s+" + TIME,
			Pattern.MULTILINE);

	private static final Pattern PERCENTILE = Pattern.compile("^\\s*(50|99)(?:\\.0+)?%\\s+" + TIME, Pattern.MULTILINE);

	private static final Pattern TOTAL = Pattern.compile("^\\s*(\\d+) requests in " + TIME, Pattern.MULTILINE);

	private static final Pattern RPS = Pattern.compile("^Requests/sec:\\s+([0-9.]+)", Pattern.MULTILINE);

	private static final Pattern SOCKET_ERRORS = Pattern
		.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");

	private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");

	/**
	 * Parse the output of {@code wrk --latency}.
	 * @param output what wrk printed
	 * @return the result
	 * @throws IllegalArgumentException when the output has no {@code Requests/sec} line
	 */
	public static WrkResult parse(String output) {
		Matcher rps = RPS.matcher(output);
		if (!rps.find()) {
			throw new IllegalArgumentException("Not wrk output (no 'Requests/sec:' line)");
		}
		double requestsPerSecond = Double.parseDouble(rps.group(1));
		long requests = 0;
		double seconds = Double.NaN;
		Matcher total = TOTAL.matcher(output);
		if (total.find()) {
			requests = Long.parseLong(total.group(1));
			seconds = millis(total.group(2), total.group(3)) / 1000;
		}
		double avg = Double.NaN;
		double max = Double.NaN;
		Matcher latency = LATENCY.matcher(output);
		if (latency.find()) {
			avg = millis(latency.group(1), latency.group(2));
			max = millis(latency.group(3), latency.group(4));
		}
		double p50 = Double.NaN;
		double p99 = Double.NaN;
		Matcher percentile = PERCENTILE.matcher(output);
		while (percentile.find()) {
			double value = millis(percentile.group(2), percentile.group(3));
			if (percentile.group(1).equals("50")) {
				p50 = value;
			}
			else {
				p99 = value;
			}
		}
		long socketErrors = 0;
		Matcher errors = SOCKET_ERRORS.matcher(output);
		if (errors.find()) {
			for (int i = 1; i <= 4; i++) {
				socketErrors += Long.parseLong(errors.group(i));
			}
		}
		Matcher non2xx = NON_2XX.matcher(output);
		return new WrkResult(requests, seconds, requestsPerSecond, avg, p50, p99, max, socketErrors,
				non2xx.find() ? Long.parseLong(non2xx.group(1)) : 0);
	}

	/**
	 * Convert one of wrk's time figures, such as {@code 812.00us} or {@code 1.02s}, to
	 * milliseconds.
	 */
	static double millis(String value, String unit) {
		double number = Double.parseDouble(value);
		return switch (unit) {
			case "us" -> number / 1000;
			case "ms" -> number;
			case "s" -> number * 1000;
			case "m" -> number * 60_000;
			case "h" -> number * 3_600_000;
			default -> throw new IllegalArgumentException("Unknown wrk time unit: " + unit);
		};
	}

}
