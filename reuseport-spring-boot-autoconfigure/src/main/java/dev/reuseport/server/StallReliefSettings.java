package dev.reuseport.server;

import java.time.Duration;

import org.springframework.util.Assert;

/**
 * How a {@link ReuseportWebServer} relieves a listener whose event loop has stalled. Each
 * listener's loop runs a heartbeat; one watchdog thread per server declares a loop
 * stalled when its last heartbeat is older than {@code threshold}, logs the stack of the
 * code that blocks it and, where the kernel moves queued connections
 * ({@code net.ipv4.tcp_migrate_req=1}), shuts the listener's socket down so that its
 * accept queue moves to the other listeners and new connections go to them. Once the loop
 * has been healthy for {@code rejoinAfter}, the listener listens again and rejoins the
 * port.
 *
 * @param enabled whether to watch the loops at all
 * @param threshold how long a loop may go without running its heartbeat before it counts
 * as stalled
 * @param rejoinAfter how long a withdrawn listener's loop must stay healthy before the
 * listener rejoins the port
 * @since 0.1.0
 */
public record StallReliefSettings(boolean enabled, Duration threshold, Duration rejoinAfter) {

	/**
	 * Smallest threshold: below it, the heartbeat of a loop that is merely busy would
	 * look late.
	 */
	public static final Duration MIN_THRESHOLD = Duration.ofMillis(20);

	/**
	 * Relief with the default threshold of 200 ms and a rejoin after 1 s of health.
	 */
	public static final StallReliefSettings DEFAULT = new StallReliefSettings(true, Duration.ofMillis(200),
			Duration.ofSeconds(1));

	/**
	 * No watchdog: a stalled loop keeps its listener and nothing reports it.
	 */
	public static final StallReliefSettings DISABLED = new StallReliefSettings(false, DEFAULT.threshold(),
			DEFAULT.rejoinAfter());

	/**
	 * Create stall relief settings.
	 * @param enabled whether to watch the loops at all
	 * @param threshold the stall threshold; at least {@link #MIN_THRESHOLD}
	 * @param rejoinAfter the healthy period before a rejoin; zero or positive
	 */
	public StallReliefSettings {
		Assert.notNull(threshold, "'threshold' must not be null");
		Assert.notNull(rejoinAfter, "'rejoinAfter' must not be null");
		Assert.isTrue(threshold.compareTo(MIN_THRESHOLD) >= 0,
				"'threshold' must be at least " + MIN_THRESHOLD.toMillis() + " ms");
		Assert.isTrue(!rejoinAfter.isNegative(), "'rejoinAfter' must not be negative");
	}

	/**
	 * Return how often each loop beats and the watchdog checks: a quarter of the
	 * threshold, so that a stall is seen at most a quarter late.
	 * @return the period
	 */
	Duration period() {
		return this.threshold.dividedBy(4);
	}

}
