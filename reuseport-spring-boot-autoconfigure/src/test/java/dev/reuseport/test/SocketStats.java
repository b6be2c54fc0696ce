package dev.reuseport.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs {@code ss -ltnp} to read the accept queues of this JVM's listening sockets, as an
 * independent view of what the starter reads from {@code TCP_INFO}.
 */
public final class SocketStats {

	private static final Pattern LISTEN_LINE = Pattern
		.compile("^LISTEN\\s+(\\d+)\\s+(\\d+)\\s+.*pid=" + ProcessHandle.current().pid() + ",fd=(\\d+)\\).*$");

	private SocketStats() {
	}

	/**
	 * Return, by file descriptor, the Recv-Q (queue length) and Send-Q (backlog) of this
	 * JVM's listening sockets on {@code port}.
	 * @param port the port
	 * @return {@code [recvQ, sendQ]} by file descriptor
	 */
	public static Map<Integer, int[]> listenQueues(int port) {
		try {
			Process ss = new ProcessBuilder("ss", "-ltnpH", "sport = :" + port).redirectErrorStream(true).start();
			String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!ss.waitFor(10, TimeUnit.SECONDS) || ss.exitValue() != 0) {
				throw new IllegalStateException("ss failed: " + output);
			}
			Map<Integer, int[]> queues = new HashMap<>();
			output.lines()
				.map(LISTEN_LINE::matcher)
				.filter(Matcher::matches)
				.forEach((line) -> queues.put(Integer.parseInt(line.group(3)),
						new int[] { Integer.parseInt(line.group(1)), Integer.parseInt(line.group(2)) }));
			return queues;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
