package dev.reuseport.autoconfigure;

import dev.reuseport.autoconfigure.ReuseportProperties.Transport;
import dev.reuseport.server.ListenerTransport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.diagnostics.FailureAnalyzedException;

/**
 * Chooses the native transport of the listeners from {@code reuseport.transport} and what
 * this JVM and kernel support. A transport that is unavailable falls back to the next
 * one, io_uring to epoll and epoll to Spring Boot's single socket, with one warning that
 * names the cause, or fails startup when {@code reuseport.required=true}.
 */
final class ListenerTransportSelector {

	// The auto-configuration's category, which users filter on, by name: the class itself
	// would make it and this class depend on each other
	private static final Log logger = LogFactory.getLog("dev.reuseport.autoconfigure.ReuseportAutoConfiguration");

	private ListenerTransportSelector() {
	}

	/**
	 * Choose the transport.
	 * @param properties the reuseport properties
	 * @param classLoader the class loader of the application
	 * @return the transport, or {@code null} to fall back to a single listening socket
	 * @throws FailureAnalyzedException when the chosen transport is unavailable and
	 * {@code reuseport.required=true}
	 */
	static @Nullable ListenerTransport select(ReuseportProperties properties, @Nullable ClassLoader classLoader) {
		Transport requested = properties.getTransport();
		if (requested != Transport.EPOLL) {
			Throwable ioUringUnavailable = IoUringAvailability.unavailabilityCause(classLoader);
			if (ioUringUnavailable == null) {
				return ListenerTransport.IO_URING;
			}
			if (requested == Transport.IO_URING) {
				ioUringUnavailable(properties.isRequired(), ioUringUnavailable);
			}
			else if (IoUringAvailability.isPresent(classLoader)) {
				logger.info("io_uring is on the classpath but unavailable, so the listeners use epoll: "
						+ IoUringAvailability.describe(ioUringUnavailable));
			}
		}
		Throwable epollUnavailable = EpollAvailability.unavailabilityCause(classLoader);
		if (epollUnavailable == null) {
			return ListenerTransport.EPOLL;
		}
		if (properties.isRequired()) {
			throw new FailureAnalyzedException(
					"SO_REUSEPORT listeners need Netty's native epoll transport, which is unavailable: "
							+ epollUnavailable,
					"Run on Linux with io.netty:netty-transport-native-epoll for this platform on the classpath, "
							+ "or set reuseport.required=false to fall back to a single listening socket.",
					epollUnavailable);
		}
		logger.warn("Native epoll is unavailable, so the server binds a single listening socket instead of "
				+ "SO_REUSEPORT listeners (set reuseport.required=true to fail instead): " + epollUnavailable);
		return null;
	}

	private static void ioUringUnavailable(boolean required, Throwable cause) {
		String reason = IoUringAvailability.describe(cause);
		if (required) {
			throw new FailureAnalyzedException(
					"reuseport.transport is io_uring, but io_uring is unavailable: " + reason + ".",
					"Make io_uring available as described above, or set reuseport.transport=auto to use epoll "
							+ "where io_uring is unavailable, or set reuseport.required=false to fall back with "
							+ "a warning.",
					cause);
		}
		logger.warn("reuseport.transport is io_uring, but io_uring is unavailable, so the listeners use epoll "
				+ "instead (set reuseport.required=true to fail instead): " + reason);
	}

}
