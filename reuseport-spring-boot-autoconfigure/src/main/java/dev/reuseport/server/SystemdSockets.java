package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.apache.commons.logging.Log;

/**
 * The listening sockets that systemd passed to this process by socket activation
 * ({@code sd_listen_fds(3)}): {@code LISTEN_PID} names this process, {@code LISTEN_FDS}
 * counts the descriptors from 3 on, and {@code LISTEN_FDNAMES} may name them. A server
 * adopts those that listen on its address and port; the others are left alone, for
 * whatever else in the process expects them.
 * <p>
 * A descriptor is adopted once in the life of the process: the listener that adopts it
 * closes it when the server stops, after which its number may belong to another file.
 */
final class SystemdSockets {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	private static final int FIRST_DESCRIPTOR = 3;

	// The descriptors that a server of this process has adopted
	private static final Set<Integer> claimed = new HashSet<>();

	private SystemdSockets() {
	}

	/**
	 * Claim the sockets that systemd passed to this process and that listen on an
	 * address.
	 * @param address the server's address and port
	 * @param environment the process's environment
	 * @param pid this process's id
	 * @return the sockets, none when systemd passed none
	 */
	static List<AdoptedSocket> claim(InetSocketAddress address, Map<String, String> environment, long pid) {
		int count = count(environment, pid);
		if (count == 0) {
			return List.of();
		}
		String[] names = environment.getOrDefault("LISTEN_FDNAMES", "").split(":");
		List<AdoptedSocket> sockets = new ArrayList<>();
		List<String> others = new ArrayList<>();
		synchronized (claimed) {
			for (int descriptor = FIRST_DESCRIPTOR; descriptor < FIRST_DESCRIPTOR + count; descriptor++) {
				if (claimed.contains(descriptor)) {
					continue;
				}
				try {
					sockets.add(AdoptedSocket.check(descriptor, address, SocketOrigin.INHERITED, false));
					claimed.add(descriptor);
				}
				catch (AdoptedSocket.RefusedException ex) {
					int index = descriptor - FIRST_DESCRIPTOR;
					String name = (index < names.length && !names[index].isEmpty()) ? " (" + names[index] + ")" : "";
					others.add(ex.getMessage() + name);
				}
			}
		}
		if (!others.isEmpty()) {
			logger.info("Left alone %d of the %d sockets that systemd passed: %s".formatted(others.size(), count,
					String.join("; ", others)));
		}
		return sockets;
	}

	/**
	 * Return how many descriptors systemd passed to this process.
	 * @param environment the process's environment
	 * @param pid this process's id
	 * @return the count, 0 unless {@code LISTEN_PID} is this process
	 */
	static int count(Map<String, String> environment, long pid) {
		try {
			if (Long.parseLong(environment.getOrDefault("LISTEN_PID", "0")) != pid) {
				// Meant for another process, such as the shell that started this one
				return 0;
			}
			return Math.max(0, Integer.parseInt(environment.getOrDefault("LISTEN_FDS", "0")));
		}
		catch (NumberFormatException ex) {
			logger.warn("Ignored the sockets that systemd passed: LISTEN_PID or LISTEN_FDS is no number ("
					+ environment.get("LISTEN_PID") + ", " + environment.get("LISTEN_FDS") + ")");
			return 0;
		}
	}

}
