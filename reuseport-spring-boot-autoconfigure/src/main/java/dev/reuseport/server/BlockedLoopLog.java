package dev.reuseport.server;

import java.time.Duration;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * Logs one WARN per stall of a listener's event loop, with the stack of the code that
 * blocked it, as Vert.x's blocked-thread checker does. A loop that stalls again and again
 * logs at most once per {@link #INTERVAL}; the next warning says how many stalls were not
 * logged in between.
 */
final class BlockedLoopLog {

	/**
	 * The shortest time between two warnings about one listener.
	 */
	static final Duration INTERVAL = Duration.ofSeconds(10);

	private static final Log logger = LogFactory.getLog(BlockedLoopLog.class);

	private final long[] lastLogged;

	private final int[] suppressed;

	BlockedLoopLog(int listeners) {
		this.lastLogged = new long[listeners];
		this.suppressed = new int[listeners];
	}

	/**
	 * Log a stall, unless the listener's last warning is too recent. Called by the
	 * watchdog thread only.
	 * @param index the listener index
	 * @param report the stall
	 * @param relief how the server relieved the stall, or why it did not
	 * @param now the watchdog's {@link System#nanoTime()}
	 */
	void stalled(int index, StallReport report, String relief, long now) {
		if (this.lastLogged[index] != 0 && now - this.lastLogged[index] < INTERVAL.toNanos()) {
			this.suppressed[index]++;
			return;
		}
		this.lastLogged[index] = now;
		int suppressed = this.suppressed[index];
		this.suppressed[index] = 0;
		if (!logger.isWarnEnabled()) {
			return;
		}
		StringBuilder message = new StringBuilder();
		message.append("Event loop thread ")
			.append(report.thread())
			.append(" of listener ")
			.append(index)
			.append(" has been blocked for ")
			.append(report.duration().toMillis())
			.append(" ms; ")
			.append(relief);
		if (suppressed > 0) {
			message.append(" (").append(suppressed).append(" earlier stalls of this loop were not logged)");
		}
		message.append(". The code that blocks it:");
		for (StackTraceElement frame : report.stackTrace()) {
			message.append(System.lineSeparator()).append("\tat ").append(frame);
		}
		logger.warn(message);
	}

}
