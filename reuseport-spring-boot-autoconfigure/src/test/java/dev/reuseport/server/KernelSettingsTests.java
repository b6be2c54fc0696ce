package dev.reuseport.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import dev.reuseport.test.Sysctl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link KernelSettings}.
 */
class KernelSettingsTests {

	@Test
	void readsTheRunningKernelsSettingsAsSysctlReportsThem() {
		KernelSettings settings = KernelSettings.read();
		assertThat(settings.release()).isEqualTo(Sysctl.value("kernel.osrelease"));
		assertThat(settings.somaxconn()).hasValue(Integer.parseInt(Sysctl.value("net.core.somaxconn")));
		assertThat(settings.tcpMigrateReq()).hasValue(Integer.parseInt(Sysctl.value("net.ipv4.tcp_migrate_req")));
	}

	@Test
	void readsValuesSetInANetworkNamespaceOfItsOwn() {
		// Values the test chooses itself, each longer than one digit where it can be, so
		// that a reader that gets only the first byte of a /proc/sys file fails here
		String printed = Sysctl.runInNewNetworkNamespace(
				List.of("net.core.somaxconn=1234", "net.ipv4.tcp_migrate_req=1"), PrintSettings.class);
		assertThat(printed).isEqualTo("tcp_migrate_req=1, somaxconn=1234");
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

	/**
	 * Prints the settings as the started line shows them, from a JVM of its own.
	 */
	static final class PrintSettings {

		private PrintSettings() {
		}

		public static void main(String[] args) {
			System.out.println(KernelSettings.read().describe());
		}

	}

}
