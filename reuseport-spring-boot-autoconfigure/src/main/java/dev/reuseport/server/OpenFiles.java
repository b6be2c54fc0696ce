package dev.reuseport.server;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

import com.sun.management.UnixOperatingSystemMXBean;

/**
 * The descriptors this process has open and its open-files limit, as the JVM reports them
 * (the same figures as Micrometer's {@code process.files.open} and
 * {@code process.files.max}): a listener can accept a connection only while the process
 * is under its limit.
 *
 * @param open the open descriptors, or -1 when unknown: counting them takes a descriptor,
 * which a process at its limit does not have
 * @param limit the open-files limit (the soft {@code RLIMIT_NOFILE}), or -1 when unknown
 * @since 0.1.0
 */
public record OpenFiles(long open, long limit) {

	/**
	 * Read the process's figures now.
	 * @return the open descriptors and the limit
	 */
	public static OpenFiles read() {
		OperatingSystemMXBean system = ManagementFactory.getOperatingSystemMXBean();
		if (!(system instanceof UnixOperatingSystemMXBean unix)) {
			return new OpenFiles(-1, -1);
		}
		return new OpenFiles(open(unix), unix.getMaxFileDescriptorCount());
	}

	private static long open(UnixOperatingSystemMXBean unix) {
		try {
			return unix.getOpenFileDescriptorCount();
		}
		catch (InternalError ex) {
			// The JDK reports a failure to open /proc/self/fd this way: at the limit
			return -1;
		}
	}

	/**
	 * Describe the figures as the end of a sentence that begins with "The process".
	 * @return for example {@code "has 1000 open files of a limit of 1024"}
	 */
	String describe() {
		String limit = (this.limit >= 0) ? String.valueOf(this.limit) : "unknown";
		return (this.open >= 0) ? "has %d open files of a limit of %s".formatted(this.open, limit)
				: "is at its limit of %s open files (too many to count them)".formatted(limit);
	}

}
