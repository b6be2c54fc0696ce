package dev.reuseport.server;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * The record of the stalls of one listener's event loop, as the {@link StallWatchdog}
 * finds them: the loop's heartbeat, how often the loop stalled and how often a stall
 * withdrew the listener, and the report of the last stall. Written only by the watchdog
 * thread; read by any.
 */
final class ListenerStalls {

	private final LoopHeartbeat heartbeat = new LoopHeartbeat();

	private final AtomicLong detected = new AtomicLong();

	private final AtomicLong withdrawals = new AtomicLong();

	private volatile @Nullable StallReport last;

	/**
	 * End the report of a stall still in progress, when the listener binds again after a
	 * stop; the counts and the last report are kept.
	 */
	void reset() {
		StallReport last = this.last;
		if (last != null && last.ongoing()) {
			this.last = last.withDuration(last.duration(), false);
		}
	}

	LoopHeartbeat heartbeat() {
		return this.heartbeat;
	}

	/**
	 * Return the number of stalls the watchdog detected, whether or not they withdrew the
	 * listener.
	 * @return the stalls
	 */
	long detected() {
		return this.detected.get();
	}

	/**
	 * Return the number of stalls that withdrew the listener.
	 * @return the withdrawals
	 */
	long withdrawals() {
		return this.withdrawals.get();
	}

	/**
	 * Return the report of the last stall, or {@code null} when the loop has not stalled.
	 * @return the last stall
	 */
	@Nullable StallReport last() {
		return this.last;
	}

	/**
	 * Record that the loop has stalled, with the stack of its thread now.
	 * @param now the watchdog's {@link System#nanoTime()}
	 * @param since the {@link System#nanoTime()} of the loop's last heartbeat
	 * @return the report of the new stall
	 */
	StallReport stalled(long now, long since) {
		Thread thread = this.heartbeat.thread();
		List<StackTraceElement> stack = (thread != null) ? List.of(thread.getStackTrace()) : List.of();
		StallReport report = new StallReport((thread != null) ? thread.getName() : "unknown",
				Instant.now().minusNanos(now - since), Duration.ofNanos(now - since), true, false, stack);
		this.last = report;
		this.detected.incrementAndGet();
		return report;
	}

	/**
	 * Record that the stall in progress withdrew the listener.
	 */
	void withdrew() {
		this.withdrawals.incrementAndGet();
		StallReport last = this.last;
		if (last != null) {
			this.last = last.withWithdrawn();
		}
	}

	/**
	 * Record that the stall in progress goes on.
	 * @param now the watchdog's {@link System#nanoTime()}
	 * @param since the {@link System#nanoTime()} of the loop's last heartbeat before it
	 */
	void ongoing(long now, long since) {
		StallReport last = this.last;
		if (last != null) {
			this.last = last.withDuration(Duration.ofNanos(now - since), true);
		}
	}

	/**
	 * Record that the stall in progress ended when the loop beat again.
	 * @param since the {@link System#nanoTime()} of the loop's last heartbeat before it
	 */
	void recovered(long since) {
		StallReport last = this.last;
		if (last != null) {
			this.last = last.withDuration(Duration.ofNanos(this.heartbeat.lastBeat() - since), false);
		}
	}

}
