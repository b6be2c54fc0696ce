package dev.reuseport.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jspecify.annotations.Nullable;

/**
 * The listening TCP sockets, or the UDP sockets, on a port in the current network
 * namespace, whichever process holds them, from the kernel's tables
 * ({@code /proc/net/tcp} and {@code /proc/net/tcp6}, or {@code /proc/net/udp} and
 * {@code /proc/net/udp6}), and the processes that hold them, where {@code /proc} shows
 * their descriptors (those of the same user, or every process for root).
 * <p>
 * For an address, only the sockets that a bind of that address would clash with count:
 * those on the same address, and those on a wildcard address, or every one when the
 * address is the wildcard itself.
 * <p>
 * The sockets are counted from the tables when they are found; their processes are looked
 * for only when asked, since that reads the descriptors of every process.
 */
final class PortListeners {

	/**
	 * No listener.
	 */
	static final PortListeners NONE = new PortListeners(List.of());

	private static final List<Path> TCP_TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));

	static final List<Path> UDP_TABLES = List.of(Path.of("/proc/net/udp"), Path.of("/proc/net/udp6"));

	// The st column of a socket in TCP_LISTEN
	private static final String LISTEN = "0A";

	// The inodes of the sockets, or null when the tables cannot be read
	private final @Nullable List<String> inodes;

	private PortListeners(@Nullable List<String> inodes) {
		this.inodes = inodes;
	}

	/**
	 * Find the listening sockets that a bind of an address would clash with.
	 * @param address the address and port
	 * @return the listeners
	 */
	static PortListeners on(InetSocketAddress address) {
		return new PortListeners(inodes(TCP_TABLES, address, (state) -> LISTEN.equals(state)));
	}

	/**
	 * Find the UDP sockets that a bind of an address would clash with: every one bound to
	 * its port, whatever its state.
	 * @param address the address and port
	 * @return the sockets
	 */
	static PortListeners udp(InetSocketAddress address) {
		return new PortListeners(inodes(UDP_TABLES, address, (state) -> true));
	}

	/**
	 * Return these listeners but some sockets: those that this process adopted, which are
	 * its own from then on, whoever else still holds them.
	 * @param inodes the inodes of the sockets to leave out
	 * @return the other listeners
	 */
	PortListeners without(Collection<String> inodes) {
		return (this.inodes != null && !inodes.isEmpty())
				? new PortListeners(this.inodes.stream().filter((inode) -> !inodes.contains(inode)).toList()) : this;
	}

	/**
	 * Return the number of listening sockets.
	 * @return the number, or -1 when the kernel's tables cannot be read
	 */
	int count() {
		return (this.inodes != null) ? this.inodes.size() : -1;
	}

	/**
	 * Find the processes that hold the sockets now, by their descriptors in
	 * {@code /proc}.
	 * @return the ids of the processes, as far as they can be found
	 */
	Set<Long> pids() {
		return (this.inodes != null && !this.inodes.isEmpty()) ? processesHolding(this.inodes) : Set.of();
	}

	/**
	 * Describe the processes that hold some sockets, as a clause to append to a sentence.
	 * @param pids the process ids
	 * @return {@code " (held by process 12, 34)"}, or nothing when no process is known
	 */
	static String heldBy(Set<Long> pids) {
		return pids.isEmpty() ? ""
				: pids.stream()
					.sorted()
					.map(String::valueOf)
					.collect(Collectors.joining(", ", " (held by process ", ")"));
	}

	private static @Nullable List<String> inodes(List<Path> tables, InetSocketAddress address,
			Predicate<String> state) {
		String localPort = ":" + String.format(Locale.ROOT, "%04X", address.getPort());
		try {
			return tables.stream()
				// No IPv6 in this namespace, so no IPv6 listener either
				.filter(Files::isReadable)
				.flatMap(PortListeners::lines)
				.map((line) -> line.trim().split("\\s+"))
				.filter((fields) -> fields.length > 9 && state.test(fields[3]) && fields[1].endsWith(localPort))
				.filter((fields) -> clash(address.getAddress(), fields[1]))
				.map((fields) -> fields[9])
				.toList();
		}
		catch (UncheckedIOException ex) {
			return null;
		}
	}

	private static boolean clash(InetAddress address, String localAddress) {
		InetAddress theirs = decode(localAddress.substring(0, localAddress.indexOf(':')));
		return address.isAnyLocalAddress() || theirs.isAnyLocalAddress() || address.equals(theirs);
	}

	/**
	 * Decode an address as the kernel writes it: hexadecimal 32-bit words, each in the
	 * host's byte order. An IPv4-mapped IPv6 address decodes to its IPv4 address.
	 */
	private static InetAddress decode(String hex) {
		ByteBuffer bytes = ByteBuffer.allocate(hex.length() / 2);
		for (int i = 0; i < hex.length(); i += 8) {
			int word = (int) Long.parseLong(hex, i, i + 8, 16);
			bytes.putInt((ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) ? Integer.reverseBytes(word) : word);
		}
		try {
			return InetAddress.getByAddress(bytes.array());
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException("Unexpected address in the kernel's socket table: " + hex, ex);
		}
	}

	/**
	 * Read the lines of a kernel socket table, its header left out.
	 * @param table the table
	 * @return the lines
	 * @throws UncheckedIOException when the table cannot be read
	 */
	static Stream<String> lines(Path table) {
		try {
			return Files.readAllLines(table).stream().skip(1);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Find the processes with a descriptor that links to one of the sockets.
	 */
	private static Set<Long> processesHolding(List<String> inodes) {
		Set<String> links = inodes.stream().map((inode) -> "socket:[" + inode + "]").collect(Collectors.toSet());
		Set<Long> pids = new TreeSet<>();
		try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
			processes.filter((process) -> process.getFileName().toString().chars().allMatch(Character::isDigit))
				.filter((process) -> holdsAny(process, links))
				.forEach((process) -> pids.add(Long.parseLong(process.getFileName().toString())));
		}
		catch (IOException | UncheckedIOException ex) {
			// No /proc to read: the count alone is known
		}
		return pids;
	}

	private static boolean holdsAny(Path process, Set<String> links) {
		try (Stream<Path> descriptors = Files.list(process.resolve("fd"))) {
			return descriptors.anyMatch((descriptor) -> {
				try {
					return links.contains(Files.readSymbolicLink(descriptor).toString());
				}
				catch (IOException | UnsupportedOperationException ex) {
					return false;
				}
			});
		}
		catch (IOException | UncheckedIOException | SecurityException ex) {
			// A process of another user, or one that has just ended
			return false;
		}
	}

}
