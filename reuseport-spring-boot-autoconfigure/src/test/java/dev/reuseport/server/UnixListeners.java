package dev.reuseport.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The listening Unix domain sockets of this process, from the kernel's table
 * {@code /proc/net/unix} and this process's descriptors.
 */
final class UnixListeners {

	// __SO_ACCEPTCON in the Flags column
	private static final String LISTENING = "00010000";

	private UnixListeners() {
	}

	/**
	 * Count the listening Unix domain sockets that this process holds.
	 * @return the count
	 * @throws IOException if the tables cannot be read
	 */
	static long ofThisProcess() throws IOException {
		Set<String> inodes = socketInodes();
		try (Stream<String> lines = Files.lines(Path.of("/proc/net/unix"))) {
			return lines.skip(1)
				.map((line) -> line.trim().split("\\s+"))
				.filter((fields) -> fields.length > 6 && LISTENING.equals(fields[3]) && inodes.contains(fields[6]))
				.count();
		}
	}

	private static Set<String> socketInodes() throws IOException {
		try (Stream<Path> descriptors = Files.list(Path.of("/proc/self/fd"))) {
			return descriptors.map(UnixListeners::target)
				.filter((target) -> target.startsWith("socket:["))
				.map((target) -> target.substring("socket:[".length(), target.length() - 1))
				.collect(Collectors.toSet());
		}
	}

	private static String target(Path descriptor) {
		try {
			return Files.readSymbolicLink(descriptor).toString();
		}
		catch (IOException ex) {
			// Closed since the listing
			return "";
		}
	}

}
