package dev.reuseport.bench.report;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The per-listener connection counts in one scrape of the starter's
 * {@code /actuator/prometheus}: the samples of
 * {@code reuseport_listener_connections_accepted_total} or of
 * {@code reuseport_listener_connections_active}, keyed by their {@code listener} label.
 */
public final class ListenerCounts {

	/**
	 * The Prometheus name of the starter's
	 * {@code reuseport.listener.connections.accepted} counter.
	 */
	public static final String METRIC = "reuseport_listener_connections_accepted_total";

	/**
	 * The Prometheus name of the starter's {@code reuseport.listener.connections.active}
	 * gauge.
	 */
	public static final String ACTIVE_METRIC = "reuseport_listener_connections_active";

	/**
	 * The Prometheus name of the starter's {@code reuseport.listener.connections.served}
	 * gauge: the open connections on each listener's loop, whichever listener accepted
	 * them, which is what balancing evens out.
	 */
	public static final String SERVED_METRIC = "reuseport_listener_connections_served";

	private static final Pattern LISTENER = Pattern.compile("(?:^|,)listener=\"(\\d+)\"");

	private static final Pattern LISTENER_THREAD = Pattern.compile("reuseport-listener-(\\d+)");

	private final Map<Integer, Long> counts;

	private ListenerCounts(Map<Integer, Long> counts) {
		this.counts = Collections.unmodifiableMap(counts);
	}

	/**
	 * Parse the accepted connections of a scrape in the Prometheus text format.
	 * @param scrape the text of the scrape
	 * @return the counts, empty when the scrape has no such samples
	 */
	public static ListenerCounts parse(String scrape) {
		return parse(scrape, METRIC);
	}

	/**
	 * Parse one per-listener metric of a scrape in the Prometheus text format.
	 * @param scrape the text of the scrape
	 * @param metric the metric's Prometheus name, such as {@link #ACTIVE_METRIC}
	 * @return the counts, empty when the scrape has no such samples
	 */
	public static ListenerCounts parse(String scrape, String metric) {
		Map<Integer, Long> counts = new TreeMap<>();
		Pattern samples = Pattern.compile("^" + Pattern.quote(metric) + "\\{([^}]*)}\\s+(\\S+)", Pattern.MULTILINE);
		Matcher sample = samples.matcher(scrape);
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
	 * Take one connection off the listener whose loop served it: the scrape's own
	 * connection, counted in the open connections it reads. The starter serves each
	 * connection on the loop of the listener that accepted it, named
	 * {@code reuseport-listener-N} after listener N.
	 * @param loop the name of the loop that served the connection, as {@code GET /thread}
	 * answers it on that connection
	 * @return the counts without that connection
	 * @throws IllegalArgumentException when the loop is not a listener's, or its listener
	 * counts no open connection
	 */
	public ListenerCounts withoutConnectionServedBy(String loop) {
		Matcher thread = LISTENER_THREAD.matcher(loop.strip());
		if (!thread.matches()) {
			throw new IllegalArgumentException("not a listener's loop: '" + loop.strip() + "'");
		}
		int listener = Integer.parseInt(thread.group(1));
		if (this.counts.getOrDefault(listener, 0L) < 1) {
			throw new IllegalArgumentException("listener " + listener + " counts no open connection");
		}
		Map<Integer, Long> counts = new TreeMap<>(this.counts);
		counts.merge(listener, -1L, Long::sum);
		return new ListenerCounts(counts);
	}

	/**
	 * Return no counts.
	 * @return an empty instance
	 */
	public static ListenerCounts empty() {
		return new ListenerCounts(Map.of());
	}

}
