package dev.reuseport.server;

import org.springframework.boot.web.server.WebServerException;

/**
 * Thrown when a server that must serve HTTP/3 ({@code reuseport.required=true}) cannot:
 * the native QUIC library is missing or does not load, the server has no TLS, its
 * listeners are not on epoll, or the UDP port is in use. The message names the cause and
 * the fix.
 *
 * @since 0.1.0
 */
public class ReuseportHttp3Exception extends WebServerException {

	/**
	 * Create a new exception.
	 * @param message the cause and the fix
	 * @param cause the underlying failure, or {@code null}
	 */
	public ReuseportHttp3Exception(String message, Throwable cause) {
		super(message, cause);
	}

}
