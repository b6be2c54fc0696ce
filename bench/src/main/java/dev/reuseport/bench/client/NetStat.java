package dev.reuseport.bench.client;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The counters of {@code /proc/net/netstat}, keyed as {@code TcpExt.ListenOverflows}. The
 * file holds pairs of lines, a header line of names and a line of values, each starting
 * with the same prefix ({@code TcpExt:}, {@code IpExt:}, ...). The counters belong to the
 * network namespace, not to one process.
 */
public final class NetStat {

	/**
	 * Where Linux publishes the counters.
	 */
	public static final Path PROC_NET_NETSTAT = Path.of("/proc/net/netstat");

	/**
	 * SYNs or final ACKs dropped because a listener's accept queue was full.
	 */
	public static final String LISTEN_OVERFLOWS = "TcpExt.ListenOverflows";

	/**
	 * Every drop of a connection request by a listener, overflows included.
	 */
	public static final String LISTEN_DROPS = "TcpExt.ListenDrops";

	private final Map<String, Long> counters;

	private NetStat(Map<String, Long> counters) {
		this.counters = Collections.unmodifiableMap(counters);
	}

	/**
	 * Read the counters from {@link #PROC_NET_NETSTAT}, or return no counters when the
	 * file cannot be read (not Linux).
	 * @return the counters
	 */
	public static NetStat read() {
		try {
			return parse(Files.readAllLines(PROC_NET_NETSTAT));
		}
		catch (IOException ex) {
			return new NetStat(Map.of());
		}
	}

	/**
	 * Parse the lines of a {@code /proc/net/netstat} file.
	 * @param lines the lines
	 * @return the counters
	 */
	public static NetStat parse(List<String> lines) {
		Map<String, Long> counters = new LinkedHashMap<>();
		for (int i = 0; i + 1 < lines.size(); i += 2) {
			String[] names = lines.get(i).trim().split("\\s+");
			String[] values = lines.get(i + 1).trim().split("\\s+");
			if (names.length != values.length || !names[0].endsWith(":") || !names[0].equals(values[0])) {
				throw new IllegalArgumentException("Not a pair of netstat lines: " + lines.get(i));
			}
			String prefix = names[0].substring(0, names[0].length() - 1);
			for (int j = 1; j < names.length; j++) {
				counters.put(prefix + "." + names[j], Long.parseLong(values[j]));
			}
		}
		return new NetStat(counters);
	}

	/**
	 * Return a counter's value.
	 * @param name the counter, such as {@link #LISTEN_OVERFLOWS}
	 * @return the value, or -1 when this kernel has no such counter
	 */
	public long get(String name) {
		return this.counters.getOrDefault(name, -1L);
	}

	/**
	 * Return how much a counter grew since {@code earlier}.
	 * @param earlier the earlier reading
	 * @param name the counter
	 * @return the difference, or -1 when either reading lacks the counter
	 */
	public long since(NetStat earlier, String name) {
		long before = earlier.get(name);
		long now = get(name);
		return (before < 0 || now < 0) ? -1 : now - before;
	}

}
