package dev.reuseport.server;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import java.util.stream.LongStream;

import org.springframework.boot.web.server.WebServer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Checks a behaviour of a {@link ReuseportWebServer} on every one of its listeners. An
 * exchange opens one new connection and asserts what it must see; it runs again and
 * again, one exchange at a time, until every listener has accepted the connection of an
 * exchange, as the listeners' accept counts tell. So a listener whose connections behave
 * otherwise fails the check, whether or not a request reaches the application: a refused
 * TLS handshake or a request that the decoder rejects counts as well. An exchange that
 * opens more than one connection fails the check, since it could not tell which listener
 * saw what; nothing else may connect to the server while the check runs.
 */
final class EveryListener {

	private static final int MAX_EXCHANGES = 300;

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Duration POLL_INTERVAL = Duration.ofMillis(5);

	private EveryListener() {
	}

	/**
	 * Run {@code exchange} until every listener of {@code server} has accepted the
	 * connection of one.
	 * @param server the server, which must be a {@link ReuseportWebServer}
	 * @param exchange the exchange, on one connection of its own, asserting what it
	 * expects
	 */
	static void check(WebServer server, Exchange exchange) {
		assertThat(server).as("the server").isInstanceOf(ReuseportWebServer.class);
		List<ReuseportListener> listeners = ((ReuseportWebServer) server).getListeners();
		Set<Integer> checked = new TreeSet<>();
		int exchanges = 0;
		while (exchanges < MAX_EXCHANGES && checked.size() < listeners.size()) {
			long[] before = accepted(listeners);
			try {
				exchange.run();
			}
			catch (Exception ex) {
				throw new AssertionError("Exchange " + exchanges + " failed", ex);
			}
			long[] after = await().pollDelay(Duration.ZERO)
				.pollInterval(POLL_INTERVAL)
				.atMost(TIMEOUT)
				.until(() -> accepted(listeners), (now) -> sum(now) > sum(before));
			assertThat(sum(after) - sum(before)).as("connections that exchange %d opened", exchanges).isOne();
			IntStream.range(0, after.length).filter((index) -> after[index] > before[index]).forEach(checked::add);
			exchanges++;
		}
		assertThat(checked).as("listeners that accepted the connection of one of %d exchanges", exchanges)
			.hasSize(listeners.size());
	}

	private static long[] accepted(List<ReuseportListener> listeners) {
		return listeners.stream().mapToLong(ReuseportListener::acceptedConnections).toArray();
	}

	private static long sum(long[] counts) {
		return LongStream.of(counts).sum();
	}

	/**
	 * An exchange on one connection of its own.
	 */
	@FunctionalInterface
	interface Exchange {

		/**
		 * Open a new connection, exchange on it and assert what it must see.
		 * @throws Exception on a failure that fails the check
		 */
		void run() throws Exception;

	}

}
