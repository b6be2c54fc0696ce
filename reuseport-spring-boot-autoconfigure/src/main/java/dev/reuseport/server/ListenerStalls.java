package dev.reuseport.server;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import org.jspecify.annotations.Nullable;

/**
 * The stalls of one listener's event loop, as its heartbeat shows them to the
 * {@link StallWatchdog}: whether the loop is stalled now, the report of its last stall,
 * and how often a stall withdrew the listener. Written only by the watchdog thread.
 */
final class ListenerStalls {

	private final LoopHeartbeat heartbeat = new LoopHeartbeat();

	private final ListenerWithdrawal withdrawal;

	private final AtomicLong detected = new AtomicLong();

	private final AtomicLong withdrawals = new AtomicLong();

	private volatile @Nullable StallReport last;

	// The stall in progress, as lastBeat() at its start; 0 when the loop is healthy
	private long stalledSince;

	private Instant stalledSinceInstant = Instant.EPOCH;

	// The loop's iteration count at the watchdog's last check
	private long lastIterations;

	// Since when the loop has been seen healthy, without a doubt in between: whether the
	// other loops can take its listener's share (StallWatchdog.canWithdraw)
	private long trustedSince;

	// Since when the loop has run its heartbeat in time, as that heartbeat alone shows:
	// whether its withdrawn listener may rejoin. Doubts cast on every loop at once (the
	// watchdog woke late, another loop was starved) leave it alone, so that a withdrawn
	// listener rejoins on a loaded machine too.
	private long beatingSince;

	// The CPU time of the loop's thread at the watchdog's last check that found the loop
	// healthy
	private long lastHealthyCpu = -1;

	ListenerStalls(ListenerWithdrawal withdrawal) {
		this.withdrawal = withdrawal;
	}

	/**
	 * Start afresh for a new socket and loop, when the listener binds again after a stop;
	 * the counts and the last report are kept.
	 */
	void reset() {
		this.withdrawal.reset();
		this.stalledSince = 0;
		this.trustedSince = 0;
		this.beatingSince = 0;
		this.lastHealthyCpu = -1;
		this.lastIterations = 0;
		StallReport last = this.last;
		if (last != null && last.ongoing()) {
			this.last = last.withDuration(last.duration(), false);
		}
	}

	LoopHeartbeat heartbeat() {
		return this.heartbeat;
	}

	ListenerWithdrawal withdrawal() {
		return this.withdrawal;
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

	boolean isStalled() {
		return this.stalledSince != 0;
	}

	/**
	 * Record that the loop has stalled, with its stack now.
	 * @param now the watchdog's {@link System#nanoTime()}
	 * @return the report of the new stall
	 */
	StallReport stalled(long now) {
		long lastBeat = this.heartbeat.lastBeat();
		this.stalledSince = lastBeat;
		this.stalledSinceInstant = Instant.now().minusNanos(now - lastBeat);
		Thread thread = this.heartbeat.thread();
		List<StackTraceElement> stack = (thread != null) ? List.of(thread.getStackTrace()) : List.of();
		StallReport report = new StallReport((thread != null) ? thread.getName() : "unknown", this.stalledSinceInstant,
				Duration.ofNanos(now - lastBeat), true, false, stack);
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
	 * Update the stall in progress: still stalled, or over since the loop beat again.
	 * @param now the watchdog's {@link System#nanoTime()}
	 * @param stale whether the loop's last beat is older than the threshold
	 * @return whether the stall is over
	 */
	boolean update(long now, boolean stale) {
		StallReport last = this.last;
		if (this.stalledSince == 0 || last == null) {
			return false;
		}
		long lastBeat = this.heartbeat.lastBeat();
		if (stale) {
			this.last = last.withDuration(Duration.ofNanos(now - this.stalledSince), true);
			return false;
		}
		this.last = last.withDuration(Duration.ofNanos(lastBeat - this.stalledSince), false);
		this.stalledSince = 0;
		this.trustedSince = lastBeat;
		this.beatingSince = lastBeat;
		return true;
	}

	/**
	 * Return how many iterations the loop has started since the watchdog's last check,
	 * and remember the count for the next check. A loop held in one iteration since the
	 * last check has started none.
	 * @param iterations the loop's iteration count now
	 * @return the iterations since the last check
	 */
	long iterationsSinceLastCheck(long iterations) {
		long since = iterations - this.lastIterations;
		this.lastIterations = iterations;
		return since;
	}

	/**
	 * Record a check that found the loop healthy.
	 * @param cpu the CPU time of the loop's thread, or -1 when unknown
	 */
	void healthy(long cpu) {
		this.lastHealthyCpu = cpu;
	}

	/**
	 * Return the CPU time the loop's thread has used since the last check that found the
	 * loop healthy.
	 * @param cpu the CPU time of the loop's thread now, or -1 when unknown
	 * @return the CPU time used, or -1 when unknown
	 */
	long cpuSinceHealthy(long cpu) {
		return (cpu >= 0 && this.lastHealthyCpu >= 0) ? cpu - this.lastHealthyCpu : -1;
	}

	/**
	 * Forget how long the loop has been trusted to take connections: the watchdog could
	 * not tell, or a loop was late without being blocked. How long the loop has run its
	 * heartbeat in time is kept.
	 * @param now the watchdog's {@link System#nanoTime()}
	 */
	void doubt(long now) {
		this.trustedSince = now;
	}

	/**
	 * Record that the loop's own heartbeat was late without the loop being blocked: it is
	 * neither trusted nor beating in time from now on.
	 * @param now the watchdog's {@link System#nanoTime()}
	 */
	void late(long now) {
		this.trustedSince = now;
		this.beatingSince = now;
	}

	/**
	 * Return how long the loop has been healthy without a doubt, since its last stall:
	 * whether another loop's listener may be withdrawn for it to take the share.
	 * @param now the watchdog's {@link System#nanoTime()}
	 * @return the trusted time
	 */
	Duration trustedFor(long now) {
		return Duration.ofNanos(now - this.trustedSince);
	}

	/**
	 * Return how long the loop has run its heartbeat in time since its last stall or late
	 * heartbeat: whether its withdrawn listener may rejoin.
	 * @param now the watchdog's {@link System#nanoTime()}
	 * @return the time the loop has been beating in time
	 */
	Duration beatingFor(long now) {
		return Duration.ofNanos(now - this.beatingSince);
	}

}
