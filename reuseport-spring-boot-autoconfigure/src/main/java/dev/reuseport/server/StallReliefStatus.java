package dev.reuseport.server;

import org.jspecify.annotations.Nullable;

/**
 * Whether a {@link ReuseportWebServer} withdraws the listeners of stalled loops, and why
 * not when it does not.
 *
 * @param active whether stalled listeners are withdrawn
 * @param reason why relief is inactive, with the fix; {@code null} when active
 * @since 0.1.0
 */
public record StallReliefStatus(boolean active, @Nullable String reason) {

	static final StallReliefStatus NOT_STARTED = new StallReliefStatus(false, "the server is not started");

	static final StallReliefStatus ACTIVE = new StallReliefStatus(true, null);

	static final StallReliefStatus DISABLED = new StallReliefStatus(false,
			"disabled by reuseport.stall-relief.enabled=false; remove it to withdraw the listeners of stalled loops");

	static final StallReliefStatus IO_URING = new StallReliefStatus(false,
			"io_uring: its listener keeps an accept request in the kernel that a withdrawal would fail; "
					+ "stalls are still detected and logged. Set reuseport.transport=epoll to withdraw the "
					+ "listeners of stalled loops");

	static final StallReliefStatus NO_MIGRATION = new StallReliefStatus(false,
			"net.ipv4.tcp_migrate_req is not 1, so withdrawing a listener would reset the connections in its "
					+ "accept queue; stalls are still detected and logged. Set it with "
					+ "'sysctl -w net.ipv4.tcp_migrate_req=1' (Linux 5.14 or later, per network namespace)");

	/**
	 * Decide whether relief is active for a server.
	 * @param settings the stall relief settings
	 * @param transport the transport of the listeners
	 * @param kernel the kernel settings of the server's network namespace
	 * @return the status
	 */
	static StallReliefStatus of(StallReliefSettings settings, ListenerTransport transport, KernelSettings kernel) {
		if (!settings.enabled()) {
			return DISABLED;
		}
		if (transport == ListenerTransport.IO_URING) {
			return IO_URING;
		}
		return kernel.migratesRequests() ? ACTIVE : NO_MIGRATION;
	}

	/**
	 * Describe the status for the startup line.
	 * @return {@code active} or {@code inactive: } and the reason
	 */
	String describe() {
		return this.active ? "active" : "inactive: " + this.reason;
	}

}
