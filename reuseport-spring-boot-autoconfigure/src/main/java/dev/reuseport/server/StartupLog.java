package dev.reuseport.server;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * What a {@link ReuseportWebServer} logs once its listeners are bound: one line for the
 * whole set, with the kernel settings that shape it, and a warning when a graceful
 * shutdown would still lose the connections waiting in the accept queues.
 */
final class StartupLog {

	// The server's own category, which users already filter on
	private static final Log logger = LogFactory.getLog(ReuseportWebServer.class);

	private StartupLog() {
	}

	/**
	 * Log a server that has started.
	 * @param port the port every listener is bound to
	 * @param scheme {@code http} or {@code https}
	 * @param listeners the number of listeners
	 * @param transport the transport of the listeners
	 * @param graceful whether the server shuts down gracefully
	 * @param kernel the kernel settings of the server's network namespace
	 * @param stallRelief whether stalled listeners are withdrawn, and why not
	 */
	static void started(int port, String scheme, int listeners, ListenerTransport transport, boolean graceful,
			KernelSettings kernel, StallReliefStatus stallRelief) {
		logger.info(
				"Netty started on port %d (%s) with %d SO_REUSEPORT %s listeners, one per event loop (%s); stall relief %s"
					.formatted(port, scheme, listeners, transport.id(), kernel.describe(), stallRelief.describe()));
		// A graceful shutdown loses none of the connections the server accepted, but
		// when a listener closes the kernel resets those still waiting in its accept
		// queue, unless tcp_migrate_req lets it move them to another process.
		if (graceful && kernel.tcpMigrateReq().orElse(-1) == 0) {
			logger.warn(("net.ipv4.tcp_migrate_req is 0: when this server shuts down, the kernel resets the "
					+ "connections still waiting in its listeners' accept queues instead of moving them to another "
					+ "process on port %d, so a rolling restart fails requests. Set it with "
					+ "'sysctl -w net.ipv4.tcp_migrate_req=1' (Linux 5.14 or later, per network namespace).")
				.formatted(port));
		}
	}

}
