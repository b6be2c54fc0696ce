package dev.reuseport.bench.client;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Finds the server's event loops from outside: it opens connections and asks each which
 * loop serves it ({@code GET /thread}), keeping one open connection per loop, until it
 * has seen the expected number of loops or made its attempts. A request sent later on a
 * kept connection runs on that connection's loop.
 */
final class LoopFinder {

	/**
	 * Orders loop names such as {@code reactor-http-epoll-2} and
	 * {@code reactor-http-epoll-10} by their number.
	 */
	static final Comparator<String> BY_NUMBER = Comparator.comparingInt(String::length)
		.thenComparing(Comparator.naturalOrder());

	private LoopFinder() {
	}

	/**
	 * Find the loops.
	 * @param address the server
	 * @param loops how many loops the server has
	 * @param attempts the most connections to open
	 * @return one open connection per loop found, by loop name; the caller closes them
	 * @throws IOException when a connection or request fails
	 */
	static Map<String, HttpConnection> find(InetSocketAddress address, int loops, int attempts) throws IOException {
		Map<String, HttpConnection> found = new TreeMap<>(BY_NUMBER);
		for (int i = 0; i < attempts && found.size() < loops; i++) {
			HttpConnection connection = new HttpConnection(address, 5000);
			String loop = connection.get("/thread").strip();
			if (found.putIfAbsent(loop, connection) != null) {
				connection.close();
			}
		}
		return found;
	}

	/**
	 * Ask the server which loops hold its listening sockets.
	 * @param address the server
	 * @return the loop names
	 * @throws IOException when the request fails
	 */
	static List<String> listenerLoops(InetSocketAddress address) throws IOException {
		try (HttpConnection connection = new HttpConnection(address, 5000)) {
			return connection.get("/listeners").lines().map(String::strip).filter((name) -> !name.isEmpty()).toList();
		}
	}

	static void closeAll(Map<String, HttpConnection> connections) {
		for (HttpConnection connection : connections.values()) {
			try {
				connection.close();
			}
			catch (IOException ex) {
				// Nothing to do
			}
		}
	}

}
