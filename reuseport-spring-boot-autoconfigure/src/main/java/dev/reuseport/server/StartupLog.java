package dev.reuseport.server;

import java.net.InetSocketAddress;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.boot.reactor.netty.NettyWebServer;

/**
 * What a {@link ReuseportWebServer} logs about its listeners and the kernel once they are
 * bound: Spring Boot's own startup line, from Spring Boot's logger, so that it reads
 * exactly as it does without the starter; one line of the listeners' details; and what
 * {@code net.ipv4.tcp_migrate_req=0} costs.
 * <p>
 * When a listener closes, the kernel resets the connections still waiting in its accept
 * queue unless {@code tcp_migrate_req=1} lets it move them to another listener of the
 * port. A process alone on its port has nobody to move them to, so that is said once at
 * INFO. It matters when another process shares the port, to hand it over: that is a WARN,
 * once, at startup if the port is shared then, or else when a graceful shutdown begins
 * while another process listens on the port.
 */
final class StartupLog {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	// Spring Boot's, for its startup line, which log matchers and tests look for
	private static final Log springBootLogger = LogFactory.getLog(NettyWebServer.class);

	// What to set, said once
	private static final String FIX = "'sysctl -w net.ipv4.tcp_migrate_req=1' (Linux 5.14 or later, per network "
			+ "namespace)";

	private final InetSocketAddress address;

	private final int port;

	private final int listeners;

	private final KernelSettings kernel;

	private boolean warned;

	/**
	 * Create the log of a server that has bound its listeners.
	 * @param address the address and port every listener is bound to
	 * @param listeners the number of listeners
	 * @param kernel the kernel settings of the server's network namespace
	 */
	StartupLog(InetSocketAddress address, int listeners, KernelSettings kernel) {
		this.address = address;
		this.port = address.getPort();
		this.listeners = listeners;
		this.kernel = kernel;
	}

	/**
	 * Say which listeners the server joined on its port, if any.
	 * @param joined the listeners that were on the port when the server bound its own
	 */
	void joined(PortListeners joined) {
		if (joined.count() > 0) {
			logger.info("Joined %d SO_REUSEPORT listeners already on port %d%s, as reuseport.join-existing allows"
				.formatted(joined.count(), this.port, PortListeners.heldBy(joined.pids())));
		}
	}

	/**
	 * Log the server's start.
	 * @param scheme {@code http} or {@code https}
	 * @param transport the transport of the listeners
	 * @param stallRelief whether stalled listeners are withdrawn, and why not
	 * @param steering how the kernel chooses the listener of each connection
	 * @param passesSockets whether the server hands its sockets over to the process that
	 * replaces it, which closes no queue
	 */
	void started(String scheme, ListenerTransport transport, StallReliefStatus stallRelief, SteeringStatus steering,
			boolean passesSockets) {
		springBootLogger.info("Netty started on port %d (%s)".formatted(this.port, scheme));
		logger.info("%d SO_REUSEPORT %s listeners on port %d, one per event loop (%s); stall relief %s; steering %s"
			.formatted(this.listeners, transport.id(), this.port, this.kernel.describe(), stallRelief.describe(),
					steering.describe()));
		if (transport == ListenerTransport.IO_URING && IoUringLoopResources.isAcceptMultishot()) {
			logger.warn(("io_uring accepts are multishot (%s): when the process reaches its open-files limit, Netty "
					+ "retries each failed accept at once and the listener loops spin. Leave the property unset, or "
					+ "set it to false, so that they pause instead.")
				.formatted(IoUringAcceptMode.MULTISHOT_PROPERTY));
		}
		if (!resetsQueuedConnections()) {
			return;
		}
		if (isPortShared()) {
			warn("this server shares port %d with another process".formatted(this.port));
		}
		else if (!passesSockets) {
			logger.info(("net.ipv4.tcp_migrate_req is 0: a process that takes over port %d from this one while it "
					+ "shuts down loses the connections still waiting in its accept queues. Set %s before a rolling "
					+ "restart, or have the new process take this one's sockets over reuseport.handover.socket.")
				.formatted(this.port, FIX));
		}
	}

	/**
	 * Warn, unless already warned, that a graceful shutdown is about to reset the
	 * connections waiting in the accept queues while another process listens on the port
	 * to take them over.
	 */
	synchronized void handingOver() {
		if (resetsQueuedConnections() && isPortShared()) {
			warn("this server shuts down while another process listens on port %d".formatted(this.port));
		}
	}

	private synchronized void warn(String situation) {
		if (this.warned) {
			return;
		}
		this.warned = true;
		logger.warn(("net.ipv4.tcp_migrate_req is 0 and %s: when this server's listeners close, the kernel resets "
				+ "the connections still waiting in their accept queues instead of moving them to the other "
				+ "process, so a rolling restart fails requests. Set %s, or have the new process take this one's "
				+ "sockets over reuseport.handover.socket.")
			.formatted(situation, FIX));
	}

	private boolean resetsQueuedConnections() {
		return this.kernel.tcpMigrateReq().orElse(-1) == 0;
	}

	private boolean isPortShared() {
		return PortListeners.on(this.address).count() > this.listeners;
	}

}
