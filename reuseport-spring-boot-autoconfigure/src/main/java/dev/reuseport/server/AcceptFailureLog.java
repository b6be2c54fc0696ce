package dev.reuseport.server;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.function.Supplier;

import io.netty.channel.unix.Errors.NativeIoException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The WARN that a server's listeners cannot accept: at most one per {@link #INTERVAL} for
 * the whole server, naming the error, the process's open descriptors and limit, and the
 * fix, as nginx's {@code accept4() failed (24: Too many open files)} does. The failures
 * in between are logged at DEBUG and counted in the next warning.
 */
final class AcceptFailureLog {

	/**
	 * The shortest time between two warnings.
	 */
	static final Duration INTERVAL = Duration.ofMinutes(1);

	private static final Log logger = LogFactory.getLog(AcceptFailureLog.class);

	private final RetriedFailureLog log;

	private final Supplier<OpenFiles> openFiles;

	AcceptFailureLog() {
		this(new RetriedFailureLog(logger, INTERVAL), OpenFiles::read);
	}

	AcceptFailureLog(RetriedFailureLog log, Supplier<OpenFiles> openFiles) {
		this.log = log;
		this.openFiles = openFiles;
	}

	/**
	 * Log that a listener's accept failed.
	 * @param listener the listener index
	 * @param address the listener's address
	 * @param error the error
	 * @param failure the failure
	 * @param pause how long the listener stops accepting after a failure
	 */
	void failed(int listener, SocketAddress address, AcceptError error, NativeIoException failure, Duration pause) {
		this.log.failed(() -> ("Listener %d on %s cannot accept connections: %s. The process %s. It accepts again "
				+ "every %d ms; new connections wait in the accept queue meanwhile.%s")
			.formatted(listener, address, cause(error, failure), this.openFiles.get().describe(), pause.toMillis(),
					fix(error)));
	}

	private static String cause(AcceptError error, NativeIoException failure) {
		return switch (error) {
			case EMFILE -> "too many open files in this process (EMFILE: " + failure.getMessage() + ")";
			case ENFILE -> "too many open files in the system (ENFILE: " + failure.getMessage() + ")";
			case OTHER -> failure.toString();
		};
	}

	private static String fix(AcceptError error) {
		return switch (error) {
			case EMFILE -> " Raise the open-files limit (LimitNOFILE= in the systemd unit, ulimit -n, or the "
					+ "container's nofile ulimit), or find what holds the descriptors (ls /proc/"
					+ ProcessHandle.current().pid() + "/fd).";
			case ENFILE -> " Raise fs.file-max (sysctl -w fs.file-max=N), or find the processes that hold the files.";
			case OTHER -> "";
		};
	}

}
