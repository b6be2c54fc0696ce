package dev.reuseport.server;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the watchdog saw of the last stall of a listener's event loop.
 *
 * @param thread the name of the loop's thread
 * @param startedAt when the loop last ran its heartbeat before the stall
 * @param duration how long the loop was blocked: until now while the stall lasts, until
 * its next heartbeat once it is over
 * @param ongoing whether the loop is still stalled
 * @param withdrawn whether the stall withdrew the listener from the port
 * @param stackTrace the loop thread's stack when the stall was detected: the code that
 * blocked it
 * @since 0.1.0
 */
public record StallReport(String thread, Instant startedAt, Duration duration, boolean ongoing, boolean withdrawn,
		List<StackTraceElement> stackTrace) {

	/**
	 * Create a report.
	 * @param thread the name of the loop's thread
	 * @param startedAt when the loop last ran its heartbeat before the stall
	 * @param duration how long the loop was blocked
	 * @param ongoing whether the loop is still stalled
	 * @param withdrawn whether the stall withdrew the listener
	 * @param stackTrace the loop thread's stack at detection
	 */
	public StallReport {
		stackTrace = List.copyOf(stackTrace);
	}

	/**
	 * Return this report with a new duration, the stall still going on or over.
	 * @param duration how long the loop has been or was blocked
	 * @param ongoing whether the loop is still stalled
	 * @return the updated report
	 */
	StallReport withDuration(Duration duration, boolean ongoing) {
		return new StallReport(this.thread, this.startedAt, duration, ongoing, this.withdrawn, this.stackTrace);
	}

	/**
	 * Return this report of a stall that withdrew the listener.
	 * @return the updated report
	 */
	StallReport withWithdrawn() {
		return new StallReport(this.thread, this.startedAt, this.duration, this.ongoing, true, this.stackTrace);
	}

}
