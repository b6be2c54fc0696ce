package dev.reuseport.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Counts the listening TCP sockets on a port in the current network namespace, from the
 * kernel's tables {@code /proc/net/tcp} and {@code /proc/net/tcp6}, whichever process
 * holds them: more than a server's own listeners means that another process, or another
 * server, shares the port.
 */
final class PortListeners {

	private static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

	// The st column of a socket in TCP_LISTEN
	private static final String LISTEN = "0A";

	private PortListeners() {
	}

	/**
	 * Return the number of listening sockets on a port.
	 * @param port the port
	 * @return the number of listening sockets, or -1 when the tables cannot be read
	 */
	static int count(int port) {
		String localPort = ":" + String.format(Locale.ROOT, "%04X", port);
		int count = 0;
		for (Path table : TABLES) {
			if (!Files.isReadable(table)) {
				// No IPv6 in this namespace, so no IPv6 listener either
				continue;
			}
			try {
				count += (int) Files.readAllLines(table)
					.stream()
					.skip(1)
					.map((line) -> line.trim().split("\\s+"))
					.filter((fields) -> fields.length > 3 && LISTEN.equals(fields[3]) && fields[1].endsWith(localPort))
					.count();
			}
			catch (IOException ex) {
				return -1;
			}
		}
		return count;
	}

}
