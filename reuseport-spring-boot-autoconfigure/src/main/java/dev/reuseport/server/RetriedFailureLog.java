package dev.reuseport.server;

import java.time.Duration;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

/**
 * Logs a failure that its caller retries again and again while the cause lasts, such as a
 * withdrawal or a rejoin that the {@link StallWatchdog} tries at each check: one WARN per
 * interval at most, which counts the failures logged at DEBUG since the last one.
 */
final class RetriedFailureLog {

	private final Log logger;

	private final long intervalNanos;

	private final LongSupplier nanoTime;

	private long lastWarned;

	private int sinceWarned;

	/**
	 * Create the log of one kind of failure.
	 * @param logger the logger to write to
	 * @param interval the shortest time between two warnings
	 */
	RetriedFailureLog(Log logger, Duration interval) {
		this(logger, interval, System::nanoTime);
	}

	RetriedFailureLog(Log logger, Duration interval, LongSupplier nanoTime) {
		this.logger = logger;
		this.intervalNanos = interval.toNanos();
		this.nanoTime = nanoTime;
	}

	/**
	 * Log a failure: as a WARN unless the last one was more recent than the interval.
	 * @param message what failed
	 * @param ex the cause
	 */
	void failed(String message, Exception ex) {
		log(() -> message, ex);
	}

	/**
	 * Log a failure without its stack trace, which would say nothing more: as a WARN
	 * unless the last one was more recent than the interval.
	 * @param message what failed, built only when it is logged
	 */
	void failed(Supplier<String> message) {
		log(message, null);
	}

	private synchronized void log(Supplier<String> message, @Nullable Exception ex) {
		long now = this.nanoTime.getAsLong();
		if (this.lastWarned != 0 && now - this.lastWarned < this.intervalNanos) {
			this.sinceWarned++;
			if (this.logger.isDebugEnabled()) {
				this.logger.debug(message.get(), ex);
			}
			return;
		}
		String earlier = (this.sinceWarned > 0)
				? " (" + this.sinceWarned + " failures since the last warning were logged at DEBUG)" : "";
		this.lastWarned = now;
		this.sinceWarned = 0;
		this.logger.warn(message.get() + earlier, ex);
	}

}
