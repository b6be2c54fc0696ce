package dev.reuseport.server;

import org.jspecify.annotations.Nullable;

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
	 * What keeps the server from serving HTTP/3.
	 */
	private final String reason;

	/**
	 * How to fix it.
	 */
	private final String action;

	/**
	 * Create a new exception.
	 * @param reason what keeps the server from serving HTTP/3
	 * @param action how to fix it
	 * @param cause the underlying failure, or {@code null}
	 */
	public ReuseportHttp3Exception(String reason, String action, @Nullable Throwable cause) {
		super("HTTP/3 could not be served: " + reason + ". " + action, cause);
		this.reason = reason;
		this.action = action;
	}

	/**
	 * Return what keeps the server from serving HTTP/3.
	 * @return the reason
	 */
	public String getReason() {
		return this.reason;
	}

	/**
	 * Return how to fix it.
	 * @return the action
	 */
	public String getAction() {
		return this.action;
	}

}
