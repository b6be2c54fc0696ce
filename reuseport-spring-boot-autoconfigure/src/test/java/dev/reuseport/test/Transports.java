package dev.reuseport.test;

import dev.reuseport.server.ListenerTransport;
import io.netty.channel.uring.IoUring;

/**
 * Runs a test on each listener transport: {@code @ParameterizedTest} with
 * {@code @EnumSource(ListenerTransport.class)}, and {@link #use} for the property.
 */
public final class Transports {

	private Transports() {
	}

	/**
	 * Return the property that chooses {@code transport}, once this machine is known to
	 * support it: a test on io_uring skips where io_uring is unavailable, and fails there
	 * in CI ({@code CI=true}), whose machines allow it.
	 * @param transport the transport under test
	 * @return {@code reuseport.transport=<transport>}
	 */
	public static String use(ListenerTransport transport) {
		if (transport == ListenerTransport.IO_URING) {
			Prerequisites.require(IoUring.isAvailable(), "io_uring is unavailable: " + IoUring.unavailabilityCause());
		}
		return "reuseport.transport=" + transport.id();
	}

}
