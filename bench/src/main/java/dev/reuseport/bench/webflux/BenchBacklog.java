package dev.reuseport.bench.webflux;

/**
 * The check of {@code bench.backlog} that every server's configuration shares.
 */
final class BenchBacklog {

	private BenchBacklog() {
	}

	/**
	 * Refuse a negative backlog.
	 * @param backlog the listen backlog, or 0 to keep the server's default
	 * @throws IllegalArgumentException when it is negative
	 */
	static void check(int backlog) {
		if (backlog < 0) {
			throw new IllegalArgumentException("bench.backlog must be 0 (the default) or positive: " + backlog);
		}
	}

}
