package dev.reuseport.server;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;

import org.jspecify.annotations.Nullable;

/**
 * The kernel settings that shape how SO_REUSEPORT listeners behave, read from
 * {@code /proc/sys} of the current network namespace. A value that cannot be read (not
 * Linux, or a restricted {@code /proc}) is reported as absent rather than failing.
 *
 * @param release the kernel release, such as {@code 6.8.0-45-generic}, or {@code null}
 * @param somaxconn {@code net.core.somaxconn}: the cap on every listener's accept-queue
 * length
 * @param tcpMigrateReq {@code net.ipv4.tcp_migrate_req}: whether connections queued on a
 * closing listener move to another listener of its group instead of being reset (Linux
 * 5.14 and later)
 * @since 0.1.0
 */
public record KernelSettings(@Nullable String release, OptionalInt somaxconn, OptionalInt tcpMigrateReq) {

	private static final Path PROC_SYS = Path.of("/proc/sys");

	/**
	 * Large enough for any value read here: a kernel release string is at most 64 bytes
	 * ({@code __NEW_UTS_LEN}), an integer sysctl at most 11.
	 */
	private static final int MAX_VALUE_LENGTH = 128;

	/**
	 * Read the settings from {@code /proc/sys}.
	 * @return the current settings
	 */
	public static KernelSettings read() {
		return read(PROC_SYS);
	}

	/**
	 * Read the settings from a directory laid out like {@code /proc/sys}.
	 * @param procSys the directory
	 * @return the settings found there
	 */
	static KernelSettings read(Path procSys) {
		return new KernelSettings(readString(procSys.resolve("kernel/osrelease")),
				readInt(procSys.resolve("net/core/somaxconn")), readInt(procSys.resolve("net/ipv4/tcp_migrate_req")));
	}

	/**
	 * Read an integer sysctl, such as {@code kernel.io_uring_disabled}.
	 * @param name the name of the sysctl, as {@code sysctl} spells it
	 * @return its value, or empty when it cannot be read
	 */
	public static OptionalInt sysctl(String name) {
		return readInt(PROC_SYS.resolve(name.replace('.', '/')));
	}

	/**
	 * Whether the kernel migrates queued connections when a listener closes.
	 * @return {@code true} only when {@code net.ipv4.tcp_migrate_req} reads 1
	 */
	boolean migratesRequests() {
		return this.tcpMigrateReq.orElse(0) == 1;
	}

	/**
	 * Read a {@code /proc/sys} file with a single {@code read(2)}. Such a file reports a
	 * size of 0, so {@link Files#readString} reads it one byte at a time; an integer
	 * sysctl answers any read at a non-zero offset with end-of-file, which would cut
	 * {@code 4096} down to {@code 4}. One read from offset 0 returns the whole value.
	 */
	private static @Nullable String readString(Path file) {
		try (InputStream in = Files.newInputStream(file)) {
			byte[] buffer = new byte[MAX_VALUE_LENGTH];
			int length = in.read(buffer);
			return (length > 0) ? new String(buffer, 0, length, StandardCharsets.US_ASCII).trim() : null;
		}
		catch (IOException | RuntimeException ex) {
			return null;
		}
	}

	private static OptionalInt readInt(Path file) {
		String value = readString(file);
		try {
			return (value != null) ? OptionalInt.of(Integer.parseInt(value)) : OptionalInt.empty();
		}
		catch (NumberFormatException ex) {
			return OptionalInt.empty();
		}
	}

	/**
	 * Describe the settings for a log line, such as
	 * {@code tcp_migrate_req=1, somaxconn=4096}.
	 * @return the description
	 */
	String describe() {
		return "tcp_migrate_req=" + valueOf(this.tcpMigrateReq) + ", somaxconn=" + valueOf(this.somaxconn);
	}

	private static String valueOf(OptionalInt value) {
		return value.isPresent() ? String.valueOf(value.getAsInt()) : "unknown";
	}

}
