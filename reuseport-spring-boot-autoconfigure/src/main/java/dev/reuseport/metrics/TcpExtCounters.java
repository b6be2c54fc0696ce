package dev.reuseport.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads one counter of the {@code TcpExt} section of {@code /proc/net/netstat}. The
 * counters are kept per network namespace, so they cover every listening socket of the
 * namespace, not just this server's.
 */
final class TcpExtCounters {

	private static final String SECTION = "TcpExt:";

	private final Path netstat;

	TcpExtCounters(Path netstat) {
		this.netstat = netstat;
	}

	/**
	 * Return the current value of a counter.
	 * @param name the counter name, such as {@code ListenOverflows}
	 * @return the value, or {@code NaN} when it cannot be read
	 */
	double read(String name) {
		try {
			List<String> lines = Files.readAllLines(this.netstat);
			// The section is a header line of names followed by a line of values
			for (int i = 0; i + 1 < lines.size(); i++) {
				if (lines.get(i).startsWith(SECTION) && lines.get(i + 1).startsWith(SECTION)) {
					String[] names = lines.get(i).split("\\s+");
					String[] values = lines.get(i + 1).split("\\s+");
					for (int field = 1; field < names.length && field < values.length; field++) {
						if (names[field].equals(name)) {
							return Double.parseDouble(values[field]);
						}
					}
				}
			}
		}
		catch (IOException | RuntimeException ex) {
			// Not Linux, or /proc is not readable: report no value rather than fail a
			// scrape
		}
		return Double.NaN;
	}

}
