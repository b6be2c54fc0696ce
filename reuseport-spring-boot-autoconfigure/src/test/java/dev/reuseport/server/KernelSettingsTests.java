package dev.reuseport.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KernelSettings}.
 */
class KernelSettingsTests {

	@Test
	void readsTheRunningKernelsSettings() throws IOException {
		KernelSettings settings = KernelSettings.read();
		assertThat(settings.release()).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim());
		assertThat(settings.somaxconn())
			.hasValue(Integer.parseInt(Files.readString(Path.of("/proc/sys/net/core/somaxconn")).trim()));
	}

	@Test
	void readsEachValueFromItsFile(@TempDir Path procSys) throws IOException {
		write(procSys.resolve("kernel/osrelease"), "6.1.0-test\n");
		write(procSys.resolve("net/core/somaxconn"), "512\n");
		write(procSys.resolve("net/ipv4/tcp_migrate_req"), "1\n");
		KernelSettings settings = KernelSettings.read(procSys);
		assertThat(settings).isEqualTo(new KernelSettings("6.1.0-test", OptionalInt.of(512), OptionalInt.of(1)));
		assertThat(settings.migratesRequests()).isTrue();
		assertThat(settings.describe()).isEqualTo("tcp_migrate_req=1, somaxconn=512");
	}

	@Test
	void reportsMissingOrUnreadableValuesAsUnknown(@TempDir Path procSys) throws IOException {
		write(procSys.resolve("net/core/somaxconn"), "not a number");
		KernelSettings settings = KernelSettings.read(procSys);
		assertThat(settings).isEqualTo(new KernelSettings(null, OptionalInt.empty(), OptionalInt.empty()));
		assertThat(settings.migratesRequests()).isFalse();
		assertThat(settings.describe()).isEqualTo("tcp_migrate_req=unknown, somaxconn=unknown");
	}

	private static void write(Path file, String content) throws IOException {
		Files.createDirectories(file.getParent());
		Files.writeString(file, content);
	}

}
