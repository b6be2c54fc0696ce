package dev.reuseport.sample;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A network namespace of its own, created with {@code ip netns add} and deleted on close,
 * so that a test can set per-namespace sysctls such as {@code net.ipv4.tcp_migrate_req}
 * and run processes on its loopback without touching the host's settings. Creating one
 * needs root.
 */
final class NetworkNamespace implements AutoCloseable {

	private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);

	private final String name;

	private NetworkNamespace(String name) {
		this.name = name;
	}

	/**
	 * Create a namespace with its loopback interface up.
	 * @param name a name no other namespace on the machine has
	 * @return the namespace
	 */
	static NetworkNamespace create(String name) {
		run(List.of("ip", "netns", "add", name));
		NetworkNamespace namespace = new NetworkNamespace(name);
		try {
			run(List.of("ip", "-n", name, "link", "set", "lo", "up"));
			return namespace;
		}
		catch (RuntimeException | AssertionError ex) {
			namespace.close();
			throw ex;
		}
	}

	/**
	 * Set a sysctl of this namespace.
	 * @param key the key, such as {@code net.ipv4.tcp_migrate_req}
	 * @param value the value
	 */
	void sysctl(String key, Object value) {
		run(command("sysctl", "-w", key + "=" + value));
		assertThat(run(command("sysctl", "-n", key)).trim()).as(key).isEqualTo(String.valueOf(value));
	}

	/**
	 * Return a command line that runs {@code command} inside this namespace.
	 * @param command the command and its arguments
	 * @return the command line
	 */
	List<String> command(String... command) {
		return command(List.of(command));
	}

	/**
	 * Return a command line that runs {@code command} inside this namespace.
	 * @param command the command and its arguments
	 * @return the command line
	 */
	List<String> command(List<String> command) {
		List<String> line = new ArrayList<>(List.of("ip", "netns", "exec", this.name));
		line.addAll(command);
		return line;
	}

	/**
	 * Delete the namespace. Processes still inside keep it alive, unnamed, until they
	 * exit.
	 */
	@Override
	public void close() {
		run(List.of("ip", "netns", "delete", this.name));
	}

	/**
	 * Run a command to its end and fail unless it succeeds.
	 * @param command the command line
	 * @return its output, standard error included
	 */
	private static String run(List<String> command) {
		return Commands.run(command, null, Map.of(), COMMAND_TIMEOUT);
	}

}
