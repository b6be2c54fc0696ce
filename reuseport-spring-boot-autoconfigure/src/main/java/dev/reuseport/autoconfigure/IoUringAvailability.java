package dev.reuseport.autoconfigure;

import java.util.OptionalInt;

import dev.reuseport.server.KernelSettings;
import io.netty.channel.uring.IoUring;
import org.jspecify.annotations.Nullable;

import org.springframework.util.ClassUtils;

/**
 * Tells whether Netty's native io_uring transport can be used, and if not, why, in terms
 * an operator can act on.
 */
final class IoUringAvailability {

	private static final String IO_URING_CLASS = "io.netty.channel.uring.IoUring";

	private static final String DEPENDENCY = "io.netty:netty-transport-native-io_uring with the classifier of this "
			+ "platform (linux-x86_64 or linux-aarch_64)";

	private IoUringAvailability() {
	}

	/**
	 * Return whether Netty's io_uring classes are on the classpath, usable or not.
	 * @param classLoader the class loader of the application
	 * @return whether the classes are present
	 */
	static boolean isPresent(@Nullable ClassLoader classLoader) {
		return ClassUtils.isPresent(IO_URING_CLASS, classLoader);
	}

	/**
	 * Return why native io_uring cannot be used, or {@code null} when it can.
	 * @param classLoader the class loader of the application
	 * @return the cause, or {@code null}
	 */
	static @Nullable Throwable unavailabilityCause(@Nullable ClassLoader classLoader) {
		if (!isPresent(classLoader)) {
			return new ClassNotFoundException(IO_URING_CLASS + " is not on the classpath");
		}
		// IoUring probes the kernel once, creating a ring, when the class initializes
		return IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
	}

	/**
	 * Describe why io_uring is unavailable: which of the usual causes applies, and the
	 * fix.
	 * @param cause the cause from {@link #unavailabilityCause}
	 * @return the description, with the cause's own message
	 */
	static String describe(Throwable cause) {
		return reason(cause, KernelSettings.sysctl("kernel.io_uring_disabled")) + " (" + cause + ")";
	}

	static String reason(Throwable cause, OptionalInt ioUringDisabled) {
		if (cause instanceof ClassNotFoundException) {
			return "Netty's io_uring transport is not on the classpath; add " + DEPENDENCY;
		}
		if (cause instanceof UnsatisfiedLinkError) {
			return "Netty's native io_uring library could not be loaded; add " + DEPENDENCY;
		}
		if (ioUringDisabled.orElse(0) == 2) {
			return "the kernel disables io_uring for every process (kernel.io_uring_disabled=2); set it to 0 to "
					+ "allow it";
		}
		if (ioUringDisabled.orElse(0) == 1) {
			return "the kernel allows io_uring only to processes in the group kernel.io_uring_group "
					+ "(kernel.io_uring_disabled=1); run in that group, or set kernel.io_uring_disabled=0";
		}
		if (String.valueOf(cause.getMessage()).contains("Operation not permitted")) {
			return "io_uring_setup was refused although kernel.io_uring_disabled is 0, most likely by a seccomp "
					+ "profile (container runtimes block io_uring by default); allow io_uring_setup, "
					+ "io_uring_enter and io_uring_register in the profile";
		}
		return "Netty reports that io_uring is unusable on this kernel";
	}

}
