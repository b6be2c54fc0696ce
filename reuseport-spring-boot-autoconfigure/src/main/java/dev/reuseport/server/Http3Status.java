package dev.reuseport.server;

import java.util.List;

import org.jspecify.annotations.Nullable;

/**
 * Whether a {@link ReuseportWebServer} serves HTTP/3, on which UDP port and with which
 * listeners, and why not.
 *
 * @param enabled whether HTTP/3 was asked for
 * @param port the UDP port of the HTTP/3 listeners, or -1 when none is bound
 * @param unavailable why HTTP/3 is not served although it was asked for, with the fix, or
 * {@code null}
 * @param listeners the HTTP/3 listeners while they are bound, one UDP socket per listener
 * loop, in index order
 * @since 0.1.0
 */
public record Http3Status(boolean enabled, int port, @Nullable String unavailable, List<Http3Listener> listeners) {

	/**
	 * HTTP/3 was not asked for.
	 */
	public static final Http3Status DISABLED = new Http3Status(false, -1, null, List.of());

	/**
	 * Return whether HTTP/3 listeners are bound now.
	 * @return whether HTTP/3 is served
	 */
	public boolean serving() {
		return this.port > 0;
	}

}
