package dev.reuseport.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

import io.netty.channel.Channel;
import org.jspecify.annotations.Nullable;

/**
 * The datagrams that the kernel dropped on their way to one UDP socket, from the
 * {@code drops} column of {@code /proc/net/udp} and {@code /proc/net/udp6}, found by the
 * socket's inode.
 */
final class UdpDrops {

	// sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
	private static final int INODE = 9;

	private static final int DROPS = 12;

	private UdpDrops() {
	}

	/**
	 * Return the inode of a native socket, by which the kernel's tables name it.
	 * @param socket the socket
	 * @return the inode, or {@code null} when it is not an open native socket
	 */
	static @Nullable String inode(Channel socket) {
		int fd = ListenerSocketInfo.fileDescriptor(socket);
		if (fd < 0) {
			return null;
		}
		try {
			String link = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
			return link.startsWith("socket:[") ? link.substring("socket:[".length(), link.length() - 1) : null;
		}
		catch (IOException | UnsupportedOperationException ex) {
			return null;
		}
	}

	/**
	 * Return the datagrams dropped on their way to a socket.
	 * @param inode the socket's inode
	 * @return the drops, or -1 when the socket is in neither table, or they cannot be
	 * read
	 */
	static long of(String inode) {
		try {
			return PortListeners.UDP_TABLES.stream()
				.filter(Files::isReadable)
				.flatMap(PortListeners::lines)
				.map((line) -> line.trim().split("\\s+"))
				.filter((fields) -> fields.length > DROPS && inode.equals(fields[INODE]))
				.mapToLong((fields) -> Long.parseLong(fields[DROPS]))
				.findFirst()
				.orElse(-1);
		}
		catch (UncheckedIOException | NumberFormatException ex) {
			return -1;
		}
	}

}
