package dev.reuseport.server;

import java.util.Locale;

/**
 * How the kernel chooses the listener of each new connection among a port's SO_REUSEPORT
 * listeners.
 *
 * @since 0.1.0
 */
public enum ListenerSteering {

	/**
	 * By a hash of the connection's addresses and ports: the kernel's default, and the
	 * starter's.
	 */
	HASH,

	/**
	 * By the CPU that processes the connection's first packet: each listener's loop is
	 * pinned to one CPU, and each listener declares that CPU ({@code SO_INCOMING_CPU},
	 * Linux 6.2 or later), so that the kernel gives a connection to the listener of the
	 * CPU that received it, or by hash where no listener has that CPU.
	 */
	CPU;

	/**
	 * Return the name of the steering as the {@code reuseport.steering} property, the
	 * endpoint and the logs spell it.
	 * @return {@code hash} or {@code cpu}
	 */
	public String id() {
		return name().toLowerCase(Locale.ROOT);
	}

}
