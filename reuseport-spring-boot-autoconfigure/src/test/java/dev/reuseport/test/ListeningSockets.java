package dev.reuseport.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Reads the kernel's view of listening TCP sockets from {@code /proc/net/tcp} and
 * {@code /proc/net/tcp6}, so that tests count real sockets rather than trusting the
 * server.
 */
public final class ListeningSockets {

	private static final String LISTEN_STATE = "0A";

	private ListeningSockets() {
	}

	/**
	 * Return the local addresses, as the kernel writes them ({@code 0100007F:1F90}), of
	 * the listening sockets on {@code port}.
	 * @param port the port
	 * @return one entry per listening socket
	 */
	public static List<String> on(int port) {
		return listening(port).map((fields) -> fields[1]).toList();
	}

	private static Stream<String[]> listening(int port) {
		String portSuffix = ":" + String.format(Locale.ROOT, "%04X", port);
		return Stream.of("/proc/net/tcp", "/proc/net/tcp6")
			.flatMap(ListeningSockets::lines)
			.map((line) -> line.trim().split("\\s+"))
			.filter((fields) -> fields.length > 9 && LISTEN_STATE.equals(fields[3]) && fields[1].endsWith(portSuffix));
	}

	/**
	 * Return the inode numbers of the listening sockets on {@code port}; a process's
	 * {@code /proc/self/fd/N} link reads {@code socket:[inode]}.
	 * @param port the port
	 * @return the inodes
	 */
	public static List<String> inodes(int port) {
		return listening(port).map((fields) -> fields[9]).toList();
	}

	/**
	 * Return the number of listening sockets on {@code port}.
	 * @param port the port
	 * @return the number of listening sockets
	 */
	public static int count(int port) {
		return on(port).size();
	}

	private static Stream<String> lines(String file) {
		Path table = Path.of(file);
		if (!Files.isReadable(table)) {
			// No IPv6 in this namespace, so no IPv6 listener either
			return Stream.empty();
		}
		try {
			return Files.readAllLines(table).stream().skip(1);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

}
