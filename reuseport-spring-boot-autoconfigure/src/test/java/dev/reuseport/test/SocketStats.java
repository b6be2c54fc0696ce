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
 * Runs {@code ss} to read the accept queues of this JVM's listening sockets, as an
 * independent view of what the starter reads from {@code TCP_INFO}, and the receive drops
 * of its UDP sockets, as one of what it reads from {@code /proc/net/udp}.
 */
public final class SocketStats {

	private static final Pattern LISTEN_LINE = Pattern
		.compile("^LISTEN\\s+(\\d+)\\s+(\\d+)\\s+.*pid=" + ProcessHandle.current().pid() + ",fd=(\\d+)\\).*$");

	private static final Pattern UDP_LINE = Pattern
		.compile("^\\S+\\s+\\d+\\s+\\d+\\s+.*pid=" + ProcessHandle.current().pid() + ",fd=(\\d+)\\).*$");

	private static final Pattern SKMEM_DROPS = Pattern.compile("skmem:\\(.*,d(\\d+)\\)");

	private SocketStats() {
	}

	/**
	 * Return, by file descriptor, the receive drops of this JVM's UDP sockets on
	 * {@code port}, from the {@code d} field of {@code ss -uam}'s socket memory.
	 * @param port the port
	 * @return the drops by file descriptor
	 */
	public static Map<Integer, Long> udpDrops(int port) {
		Map<Integer, Long> drops = new HashMap<>();
		Integer fd = null;
		for (String line : ss("-uampnH", port).lines().toList()) {
			Matcher socket = UDP_LINE.matcher(line);
			Matcher memory = SKMEM_DROPS.matcher(line);
			if (socket.matches()) {
				fd = Integer.parseInt(socket.group(1));
			}
			else if (memory.find() && fd != null) {
				drops.put(fd, Long.parseLong(memory.group(1)));
				fd = null;
			}
		}
		return drops;
	}

	/**
	 * Return, by file descriptor, the Recv-Q (queue length) and Send-Q (backlog) of this
	 * JVM's listening sockets on {@code port}.
	 * @param port the port
	 * @return {@code [recvQ, sendQ]} by file descriptor
	 */
	public static Map<Integer, int[]> listenQueues(int port) {
		Map<Integer, int[]> queues = new HashMap<>();
		ss("-ltnpH", port).lines()
			.map(LISTEN_LINE::matcher)
			.filter(Matcher::matches)
			.forEach((line) -> queues.put(Integer.parseInt(line.group(3)),
					new int[] { Integer.parseInt(line.group(1)), Integer.parseInt(line.group(2)) }));
		return queues;
	}

	private static String ss(String options, int port) {
		try {
			Process ss = new ProcessBuilder("ss", options, "sport = :" + port).redirectErrorStream(true).start();
			String output = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!ss.waitFor(10, TimeUnit.SECONDS) || ss.exitValue() != 0) {
				throw new IllegalStateException("ss failed: " + output);
			}
			return output;
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
