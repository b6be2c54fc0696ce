package dev.reuseport.server;

import io.netty.channel.unix.Errors.NativeIoException;
import org.jspecify.annotations.Nullable;
import reactor.netty.ChannelBindException;

import org.springframework.boot.web.server.PortInUseException;
import org.springframework.boot.web.server.WebServerException;

/**
 * Thrown when a SO_REUSEPORT listener cannot bind because its port is held by a socket
 * that it may not share: one bound without SO_REUSEPORT, or one owned by another user. It
 * is a distinct type so that its failure analysis explains both causes rather than Spring
 * Boot's generic "port already in use".
 *
 * @since 0.1.0
 */
public class ReuseportBindException extends WebServerException {

	/**
	 * Address in use error code from {@code errno.h}, as Netty reports it.
	 */
	private static final int ERROR_ADDR_IN_USE = -98;

	/**
	 * The port that could not be bound.
	 */
	private final int port;

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
		super("Reuseport listener " + listener + " could not bind port " + port
				+ ": the port is held by a socket without SO_REUSEPORT or by a process of another user", cause);
		this.port = port;
		this.listener = listener;
	}

	/**
	 * Return the port that could not be bound.
	 * @return the port
	 */
	public int getPort() {
		return this.port;
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
