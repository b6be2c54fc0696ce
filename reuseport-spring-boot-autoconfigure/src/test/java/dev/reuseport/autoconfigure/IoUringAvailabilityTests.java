package dev.reuseport.autoconfigure;

import java.util.OptionalInt;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link IoUringAvailability}.
 */
class IoUringAvailabilityTests {

	// What Netty reports when io_uring_setup fails with EPERM
	private static final RuntimeException SETUP_REFUSED = new RuntimeException(
			"failed to create io_uring ring fd: Operation not permitted");

	@Test
	void namesTheSysctlWhenTheKernelDisablesIoUringForEveryone() {
		assertThat(IoUringAvailability.reason(SETUP_REFUSED, OptionalInt.of(2))).contains("kernel.io_uring_disabled=2")
			.contains("set it to 0");
	}

	@Test
	void namesTheGroupWhenTheKernelRestrictsIoUring() {
		assertThat(IoUringAvailability.reason(SETUP_REFUSED, OptionalInt.of(1))).contains("kernel.io_uring_disabled=1")
			.contains("kernel.io_uring_group");
	}

	@Test
	void blamesSeccompWhenSetupIsRefusedAlthoughTheKernelAllowsIt() {
		assertThat(IoUringAvailability.reason(SETUP_REFUSED, OptionalInt.of(0))).contains("seccomp")
			.contains("io_uring_setup");
	}

	@Test
	void namesTheDependencyWhenTheClassesOrTheNativeLibraryAreMissing() {
		assertThat(IoUringAvailability.reason(new ClassNotFoundException("io.netty.channel.uring.IoUring"),
				OptionalInt.of(0)))
			.contains("not on the classpath; add io.netty:netty-transport-native-io_uring");
		assertThat(IoUringAvailability.reason(new UnsatisfiedLinkError("no netty_transport_native_io_uring42"),
				OptionalInt.of(2)))
			.contains("native io_uring library could not be loaded; add io.netty:netty-transport-native-io_uring");
	}

	@Test
	void describeAppendsNettysOwnCause() {
		assertThat(IoUringAvailability.describe(SETUP_REFUSED)).endsWith("(" + SETUP_REFUSED + ")");
	}

}
