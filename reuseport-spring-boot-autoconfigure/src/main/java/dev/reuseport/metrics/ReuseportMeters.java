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
	 * Counter of the TCP connections accepted by a listener.
	 */
	public static final String CONNECTIONS_ACCEPTED = "reuseport.listener.connections.accepted";

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
