package dev.reuseport.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads one counter of a section of a kernel statistics file, such as {@code TcpExt} in
 * {@code /proc/net/netstat} or {@code Udp} in {@code /proc/net/snmp}: a line of names
 * followed by a line of values, both starting with the section's name. The counters are
 * kept per network namespace, so they cover every socket of the namespace, not just this
 * server's.
 */
final class KernelCounters {

	private final Path file;

	private final String section;

	/**
	 * Create a reader of one section.
	 * @param file the statistics file
	 * @param section the section's name, such as {@code TcpExt}
	 */
	KernelCounters(Path file, String section) {
		this.file = file;
		this.section = section + ":";
	}

	/**
	 * Return the current value of a counter.
	 * @param name the counter name, such as {@code ListenOverflows}
	 * @return the value, or {@code NaN} when it cannot be read
	 */
	double read(String name) {
		try {
			List<String> lines = Files.readAllLines(this.file);
			// The section is a header line of names followed by a line of values
			for (int i = 0; i + 1 < lines.size(); i++) {
				if (lines.get(i).startsWith(this.section) && lines.get(i + 1).startsWith(this.section)) {
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
