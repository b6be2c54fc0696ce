package dev.reuseport.server;

import java.util.Locale;
import java.util.OptionalLong;

/**
 * Where a listener's socket came from: bound by this process, adopted from the process
 * that this one replaced, or inherited from systemd's socket activation.
 *
 * @param kind how the socket came to this process
 * @param process the process that handed it over, for an adopted socket; {@code -1}
 * otherwise
 * @since 0.1.0
 */
public record SocketOrigin(Kind kind, long process) {

	/**
	 * A socket that this process bound itself.
	 */
	public static final SocketOrigin BOUND = new SocketOrigin(Kind.BOUND, -1);

	/**
	 * A socket that systemd passed to this process ({@code LISTEN_FDS}).
	 */
	public static final SocketOrigin INHERITED = new SocketOrigin(Kind.INHERITED, -1);

	/**
	 * Return the origin of a socket adopted from another process.
	 * @param process the process that handed the socket over
	 * @return the origin
	 */
	public static SocketOrigin adoptedFrom(long process) {
		return new SocketOrigin(Kind.ADOPTED, process);
	}

	/**
	 * Return the process that handed the socket over.
	 * @return the process id, or empty unless the socket was adopted
	 */
	public OptionalLong adoptedFrom() {
		return (this.kind == Kind.ADOPTED) ? OptionalLong.of(this.process) : OptionalLong.empty();
	}

	/**
	 * How a socket came to this process.
	 */
	public enum Kind {

		/**
		 * Bound by this process.
		 */
		BOUND,

		/**
		 * Received from the process that this one replaced, over the handover socket.
		 */
		ADOPTED,

		/**
		 * Passed by systemd's socket activation.
		 */
		INHERITED;

		/**
		 * Return the name of the kind as the endpoint and the logs spell it.
		 * @return {@code bound}, {@code adopted} or {@code inherited}
		 */
		public String id() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

}
