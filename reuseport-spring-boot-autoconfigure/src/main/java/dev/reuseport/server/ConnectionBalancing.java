package dev.reuseport.server;

import org.springframework.util.Assert;

/**
 * How the listeners of a {@link ReuseportWebServer} balance open connections across their
 * event loops. A listener serves each connection it accepts on its own loop while that
 * loop holds no more open connections than the least-loaded loop plus the margin, and
 * hands the connection to the least-loaded loop otherwise. The margin is the larger of
 * {@code marginConnections} and {@code marginRatio} times the mean number of open
 * connections per loop.
 *
 * @param enabled whether a listener may hand a connection to another loop
 * @param marginRatio the spread of open connections per loop, as a fraction of their
 * mean, that is tolerated before connections are handed off
 * @param marginConnections the spread of open connections per loop, in connections, that
 * is tolerated before connections are handed off; at least 1
 * @since 0.1.0
 */
public record ConnectionBalancing(boolean enabled, double marginRatio, int marginConnections) {

	/**
	 * Balancing with the default margins: a spread of more than 15 % of the mean and more
	 * than 2 connections.
	 */
	public static final ConnectionBalancing DEFAULT = new ConnectionBalancing(true, 0.15, 2);

	/**
	 * No balancing: every connection is served on the loop of the listener that accepted
	 * it.
	 */
	public static final ConnectionBalancing DISABLED = new ConnectionBalancing(false, 0.15, 2);

	/**
	 * Create balancing settings.
	 * @param enabled whether a listener may hand a connection to another loop
	 * @param marginRatio the tolerated spread as a fraction of the mean; zero or positive
	 * @param marginConnections the tolerated spread in connections; at least 1
	 */
	public ConnectionBalancing {
		Assert.isTrue(marginRatio >= 0 && Double.isFinite(marginRatio), "'marginRatio' must be zero or positive");
		Assert.isTrue(marginConnections >= 1, "'marginConnections' must be at least 1");
	}

	/**
	 * Return the spread of open connections per loop that is tolerated.
	 * @param meanConnections the mean number of open connections per loop
	 * @return the margin, in connections
	 */
	double margin(double meanConnections) {
		return Math.max(this.marginConnections, this.marginRatio * meanConnections);
	}

}
