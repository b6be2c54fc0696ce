package dev.reuseport.server;

import java.nio.file.Path;
import java.time.Duration;

import org.springframework.util.Assert;

/**
 * How a server hands its listening sockets over to the process that replaces it, and asks
 * for those of the process it replaces, over a Unix domain socket.
 *
 * @param socket the path of the handover socket, on which a running server offers its
 * listeners to a process of the same user
 * @param timeout how long a handover may take, from the request to the adoption
 * @since 0.1.0
 */
public record HandoverSettings(Path socket, Duration timeout) {

	/**
	 * The default timeout.
	 */
	public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

	/**
	 * Create settings, checking them.
	 * @param socket the path of the handover socket
	 * @param timeout how long a handover may take; positive
	 */
	public HandoverSettings {
		Assert.notNull(socket, "'socket' must not be null");
		Assert.isTrue(timeout != null && !timeout.isNegative() && !timeout.isZero(), "'timeout' must be positive");
	}

}
