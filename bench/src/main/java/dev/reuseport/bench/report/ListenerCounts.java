package dev.reuseport.bench.report;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-listener accepted-connection counts in one scrape of the starter's
 * {@code /actuator/prometheus}: the samples of
 * {@code reuseport_listener_connections_accepted_total}, keyed by their
 * {@code listener} label.
 */
public final class ListenerCounts {

	/**
	 * The Prometheus name of the starter's {@code reuseport.listener.connections.accepted}
	 * counter.
	 */
	public static final String METRIC = "reuseport_listener_connections_accepted_total";

	private static final Pattern SAMPLE = Pattern.compile("^" + METRIC + "\\{([^}]*)}\\s+(\\S+)", Pattern.MULTILINE);

	private static final Pattern LISTENER = Pattern.compile("(?:^|,)listener=\"(\\d+)\"");

	private final Map<Integer, Long> counts;

	private ListenerCounts(Map<Integer, Long> counts) {
		this.counts = Collections.unmodifiableMap(counts);
	}

	/**
	 * Parse a scrape in the Prometheus text format.
	 * @param scrape the text of the scrape
	 * @return the counts, empty when the scrape has no such samples
	 */
	public static ListenerCounts parse(String scrape) {
		Map<Integer, Long> counts = new TreeMap<>();
		Matcher sample = SAMPLE.matcher(scrape);
		while (sample.find()) {
			Matcher listener = LISTENER.matcher(sample.group(1));
			if (listener.find()) {
				long count = (long) Double.parseDouble(sample.group(2));
				counts.merge(Integer.parseInt(listener.group(1)), count, Long::sum);
			}
		}
		return new ListenerCounts(counts);
	}

	/**
	 * Return the counts by listener index.
	 * @return the counts
	 */
	public Map<Integer, Long> counts() {
		return this.counts;
	}

	/**
	 * Return the connections counted over all listeners.
	 * @return the total
	 */
	public long total() {
		return this.counts.values().stream().mapToLong(Long::longValue).sum();
	}

	/**
	 * Return {@code (max - min) / mean} of the counts.
	 * @return the spread, NaN when there are no counts
	 */
	public double spread() {
		return Stats.spread(this.counts.values());
	}

	/**
	 * Add counts listener by listener, to pool several rounds.
	 * @param other the counts to add
	 * @return the sums
	 */
	public ListenerCounts plus(ListenerCounts other) {
		Map<Integer, Long> sum = new TreeMap<>(this.counts);
		other.counts.forEach((listener, count) -> sum.merge(listener, count, Long::sum));
		return new ListenerCounts(sum);
	}

	/**
	 * Return no counts.
	 * @return an empty instance
	 */
	public static ListenerCounts empty() {
		return new ListenerCounts(Map.of());
	}

}
