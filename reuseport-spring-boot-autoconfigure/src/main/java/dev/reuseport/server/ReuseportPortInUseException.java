package dev.reuseport.server;

import java.util.Set;

import org.springframework.boot.web.server.PortInUseException;

/**
 * Thrown when a server's port already has listening sockets and the server was not asked
 * to join them ({@code reuseport.join-existing}). It is a {@link PortInUseException}, as
 * Spring Boot throws for a port in use, so that a stale process never shares a port by
 * accident, and says which sockets and processes hold the port.
 *
 * @since 0.1.0
 */
public class ReuseportPortInUseException extends PortInUseException {

	/**
	 * The number of sockets that already listen on the port.
	 */
	private final int listeners;

	/**
	 * The ids of the processes that hold them, as far as {@code /proc} shows them.
	 */
	private final Set<Long> pids;

	/**
	 * Create a new exception.
	 * @param port the port in use
	 * @param listeners the number of sockets that listen on it
	 * @param pids the ids of the processes that hold them, as far as {@code /proc} shows
	 * them
	 */
	public ReuseportPortInUseException(int port, int listeners, Set<Long> pids) {
		super(port);
		this.listeners = listeners;
		this.pids = Set.copyOf(pids);
	}

	@Override
	public String getMessage() {
		return "Port %d is already in use: %s, and reuseport.join-existing is false".formatted(getPort(), holders());
	}

	/**
	 * Describe the sockets on the port and their processes.
	 * @return for example {@code "2 sockets listen on it (held by process 4321)"}
	 */
	String holders() {
		return "%d %s on it%s".formatted(this.listeners, (this.listeners == 1) ? "socket listens" : "sockets listen",
				PortListeners.heldBy(this.pids));
	}

	/**
	 * Return the number of sockets that already listen on the port.
	 * @return the number of listening sockets
	 */
	public int getListeners() {
		return this.listeners;
	}

	/**
	 * Return the ids of the processes that hold the sockets, as far as {@code /proc}
	 * shows them: those of the same user, or every one for root.
	 * @return the process ids, possibly empty
	 */
	public Set<Long> getPids() {
		return this.pids;
	}

}
