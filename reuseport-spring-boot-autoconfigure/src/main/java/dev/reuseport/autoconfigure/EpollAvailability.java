package dev.reuseport.autoconfigure;

import io.netty.channel.epoll.Epoll;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Tells whether Netty's native epoll transport can be used, and if not, why.
 */
final class EpollAvailability {

	private static final String EPOLL_CLASS = "io.netty.channel.epoll.Epoll";

	private EpollAvailability() {
	}

	/**
	 * Return why native epoll cannot be used, or {@code null} when it can.
	 * @param classLoader the class loader of the application
	 * @return the cause, or {@code null}
	 */
	static @Nullable Throwable unavailabilityCause(@Nullable ClassLoader classLoader) {
		if (!ClassUtils.isPresent(EPOLL_CLASS, classLoader)) {
			return new ClassNotFoundException(EPOLL_CLASS
					+ " is not on the classpath; add io.netty:netty-transport-native-epoll for your platform");
		}
		return Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
	}

}
