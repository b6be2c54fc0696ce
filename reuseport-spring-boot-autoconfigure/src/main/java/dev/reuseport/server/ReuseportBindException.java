package dev.reuseport.server;

import io.netty.channel.unix.Errors.NativeIoException;
import org.jspecify.annotations.Nullable;
import reactor.netty.ChannelBindException;

import org.springframework.boot.web.server.PortInUseException;

/**
 * Thrown when a SO_REUSEPORT listener cannot bind because its port is held by a socket
 * that it may not share: one bound without SO_REUSEPORT, or one owned by another user. It
 * is a {@link PortInUseException}, so that code that handles Spring Boot's port clashes
 * handles it too, and a type of its own, so that its failure analysis explains both
 * causes rather than Spring Boot's generic "port already in use".
 *
 * @since 0.1.0
 */
public class ReuseportBindException extends PortInUseException {

	/**
	 * Address in use error code from {@code errno.h}, as Netty reports it.
	 */
	private static final int ERROR_ADDR_IN_USE = -98;

	/**
	 * The index of the listener that failed to bind.
	 */
	private final int listener;

	/**
	 * Create a new exception.
	 * @param port the port that could not be bound
	 * @param listener the index of the listener that failed to bind
	 * @param cause the bind failure
	 */
	public ReuseportBindException(int port, int listener, Throwable cause) {
		super(port, cause);
		this.listener = listener;
	}

	@Override
	public String getMessage() {
		return "Reuseport listener " + this.listener + " could not bind port " + getPort()
				+ ": the port is held by a socket without SO_REUSEPORT or by a process of another user";
	}

	/**
	 * Return the index of the listener that failed to bind.
	 * @return the listener index
	 */
	public int getListener() {
		return this.listener;
	}

	/**
	 * Throw a {@link ReuseportBindException} if {@code ex} was caused by the address
	 * being in use.
	 * @param ex the bind failure
	 * @param listener the index of the listener that failed to bind
	 * @param port the port that was requested, or {@code null} when it came from the
	 * server's configuration
	 */
	static void throwIfAddressInUse(Exception ex, int listener, @Nullable Integer port) {
		PortInUseException.ifCausedBy(ex, ChannelBindException.class,
				(bindException) -> PortInUseException.ifCausedBy(ex, NativeIoException.class, (nativeException) -> {
					if (nativeException.expectedErr() == ERROR_ADDR_IN_USE) {
						int boundPort = (port != null) ? port : bindException.localPort();
						throw new ReuseportBindException(boundPort, listener, ex);
					}
				}));
	}

}
