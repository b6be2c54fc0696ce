package dev.reuseport.metrics;

/**
 * Names and tag keys of the meters this starter registers. They are part of the public
 * contract: dashboards and alerts depend on them.
 *
 * @since 0.1.0
 */
public final class ReuseportMeters {

	/**
	 * Gauge of the open TCP connections accepted by a listener.
	 */
	public static final String CONNECTIONS_ACTIVE = "reuseport.listener.connections.active";

	/**
	 * Gauge of the open TCP connections served on a listener's event loop, whichever
	 * listener accepted them: the load that balancing evens out.
	 */
	public static final String CONNECTIONS_SERVED = "reuseport.listener.connections.served";

	/**
	 * Counter of the TCP connections accepted by a listener.
	 */
	public static final String CONNECTIONS_ACCEPTED = "reuseport.listener.connections.accepted";

	/**
	 * Counter of the TCP connections accepted by a listener and served on another
	 * listener's event loop, because its own loop held clearly more open connections.
	 */
	public static final String HANDOFFS = "reuseport.listener.handoffs";

	/**
	 * Counter of the HTTP requests received on a listener's connections.
	 */
	public static final String REQUESTS = "reuseport.listener.requests";

	/**
	 * Gauge of the connections waiting in a listener's accept queue.
	 */
	public static final String ACCEPT_QUEUE = "reuseport.listener.accept.queue";

	/**
	 * Gauge of a listener's accept-queue limit (its backlog).
	 */
	public static final String ACCEPT_QUEUE_LIMIT = "reuseport.listener.accept.queue.limit";

	/**
	 * Counter of a listener's failed accepts, tagged by their cause ({@link #ERROR_TAG});
	 * after each, the listener stops accepting for half a second.
	 */
	public static final String ACCEPT_ERRORS = "reuseport.listener.accept.errors";

	/**
	 * Counter of the stalls of a listener's event loop that withdrew the listener from
	 * the port.
	 */
	public static final String STALLS = "reuseport.listener.stalls";

	/**
	 * Counter of the stalls of a listener's event loop that the watchdog detected,
	 * whether or not they withdrew the listener: also where stall relief is inactive.
	 */
	public static final String LOOP_BLOCKED = "reuseport.listener.loop.blocked";

	/**
	 * Gauge that is 1 while a listener is withdrawn from the port because its event loop
	 * is stalled, and 0 otherwise.
	 */
	public static final String WITHDRAWN = "reuseport.listener.withdrawn";

	/**
	 * Gauge of the spread of recently accepted connections across a server's listeners.
	 */
	public static final String IMBALANCE = "reuseport.listeners.imbalance";

	/**
	 * Gauge of the spread of the open TCP connections across a server's event loops now.
	 */
	public static final String ACTIVE_IMBALANCE = "reuseport.listeners.active.imbalance";

	/**
	 * Counter of the times a server handed its listening sockets over to the process that
	 * replaced it ({@link #DIRECTION_TAG} {@code given}), or started on those of the
	 * process it replaced ({@code received}).
	 */
	public static final String HANDOVERS = "reuseport.handovers";

	/**
	 * Tag of {@link #HANDOVERS}: {@code given} or {@code received}.
	 */
	public static final String DIRECTION_TAG = "direction";

	/**
	 * Counter of the network namespace's accept-queue overflows (TcpExt ListenOverflows).
	 */
	public static final String LISTEN_OVERFLOWS = "reuseport.listen.overflows";

	/**
	 * Counter of the network namespace's dropped connection requests (TcpExt
	 * ListenDrops).
	 */
	public static final String LISTEN_DROPS = "reuseport.listen.drops";

	/**
	 * QUIC connections open on an HTTP/3 listener's loop.
	 */
	public static final String HTTP3_CONNECTIONS_ACTIVE = "reuseport.http3.connections.active";

	/**
	 * QUIC connections accepted by an HTTP/3 listener's socket.
	 */
	public static final String HTTP3_CONNECTIONS_ACCEPTED = "reuseport.http3.connections.accepted";

	/**
	 * Datagrams that arrived on an HTTP/3 listener's socket for a connection of another
	 * listener, and were handed to that listener's loop.
	 */
	public static final String HTTP3_DATAGRAMS_REROUTED = "reuseport.http3.datagrams.rerouted";

	/**
	 * Datagrams that the kernel dropped on their way to an HTTP/3 listener's socket.
	 */
	public static final String HTTP3_RECEIVE_DROPS = "reuseport.http3.receive.drops";

	/**
	 * Datagrams that the network namespace failed to deliver to any UDP socket
	 * ({@code Udp: InErrors}).
	 */
	public static final String UDP_RECEIVE_ERRORS = "reuseport.udp.receive.errors";

	/**
	 * Datagrams dropped in the network namespace because a UDP socket's receive buffer
	 * was full ({@code Udp: RcvbufErrors}).
	 */
	public static final String UDP_RECEIVE_BUFFER_ERRORS = "reuseport.udp.receive.buffer.errors";

	/**
	 * Counter of the HTTP client calls made on a listener's event loop, tagged by whether
	 * their connection lives on that same loop ({@link #LOOP_TAG}). A call is counted
	 * when it acquires its connection, so a failed acquire is not counted.
	 */
	public static final String CLIENT_CALLS = "reuseport.listener.client.calls";

	/**
	 * Counter of the HTTP client calls made on a thread that runs no listener's loop,
	 * counted as {@link #CLIENT_CALLS} is, when the call acquires its connection.
	 */
	public static final String CLIENT_CALLS_OFF_LOOP = "reuseport.client.calls.off.loop";

	/**
	 * Tag key of where a client call's connection lives: {@code same} for the loop the
	 * call was made on, {@code other} for another loop.
	 */
	public static final String LOOP_TAG = "loop";

	/**
	 * Tag key of why an accept failed: {@code emfile} (the process's open-files limit),
	 * {@code enfile} (the system's) or {@code other}.
	 */
	public static final String ERROR_TAG = "error";

	/**
	 * Tag key of the listener index, from 0.
	 */
	public static final String LISTENER_TAG = "listener";

	/**
	 * Tag key of the port the listener is bound to.
	 */
	public static final String PORT_TAG = "port";

	private ReuseportMeters() {
	}

}
