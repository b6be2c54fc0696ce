package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;

/**
 * Decides, from a sample of every listener loop of a server, which loops are stalled,
 * which listeners to withdraw from the port and which to let rejoin: the
 * {@link StallWatchdog}'s judgement, without threads or sockets, so that every case can
 * be tested with made-up samples. Used by the watchdog thread only.
 * <p>
 * A loop is stalled when its heartbeat is older than the threshold, but a late heartbeat
 * alone does not make a stall: a loop that still cycles through its iterations is busy,
 * and a loop whose thread is runnable and has used little CPU waited for one, as every
 * thread of an overloaded machine does in turn. Nothing is decided when the watchdog
 * itself woke late, since then every thread of the process was held up (a GC pause, CPU
 * starvation). A listener is withdrawn only while another listener is open, in the group
 * and on a loop that has been healthy, without a doubt, for the threshold: a withdrawal
 * must leave the port to a loop that accepts. A withdrawn listener rejoins once its loop
 * has run its heartbeat in time for the rejoin period.
 */
final class StallDetector {

	private final long thresholdNanos;

	private final long rejoinAfterNanos;

	private final boolean relief;

	private final LoopRecord[] loops;

	private long skippedChecks;

	private long starvedChecks;

	/**
	 * Create the detector of a server's loops.
	 * @param loops the number of loops
	 * @param settings the stall relief settings
	 * @param relief whether stalled listeners are withdrawn
	 */
	StallDetector(int loops, StallReliefSettings settings, boolean relief) {
		this.thresholdNanos = settings.threshold().toNanos();
		this.rejoinAfterNanos = settings.rejoinAfter().toNanos();
		this.relief = relief;
		this.loops = new LoopRecord[loops];
		for (int i = 0; i < loops; i++) {
			this.loops[i] = new LoopRecord();
		}
	}

	/**
	 * Judge every loop from a sample taken now.
	 * @param due when the check was due, as a {@link System#nanoTime()}
	 * @param now when the samples were taken
	 * @param samples one sample per loop, in listener index order
	 * @return one verdict per loop, or none when the watchdog woke too late to judge
	 */
	List<Verdict> check(long due, long now, List<Sample> samples) {
		if (now - due > this.thresholdNanos / 2) {
			// Held up with every other thread: the loops' beats are late for the same
			// reason, so they say nothing about the loops, nor for a while after
			this.skippedChecks++;
			doubtAll(now);
			return List.of();
		}
		boolean[] stale = new boolean[samples.size()];
		for (int i = 0; i < stale.length; i++) {
			stale[i] = isStale(this.loops[i], samples.get(i), now);
		}
		boolean[] withdrawn = new boolean[stale.length];
		for (int i = 0; i < stale.length; i++) {
			withdrawn[i] = samples.get(i).withdrawn();
		}
		List<Verdict> verdicts = new ArrayList<>(stale.length);
		for (int i = 0; i < stale.length; i++) {
			LoopRecord loop = this.loops[i];
			Sample sample = samples.get(i);
			if (stale[i]) {
				boolean newStall = loop.stalledSince == 0;
				if (newStall) {
					loop.stalledSince = sample.lastBeat();
				}
				boolean withdraw = this.relief && !withdrawn[i] && canWithdraw(i, stale, withdrawn, samples, now);
				withdrawn[i] |= withdraw;
				verdicts.add(new Verdict(true, newStall, loop.stalledSince, withdraw, false));
			}
			else {
				long stalledSince = loop.stalledSince;
				if (stalledSince != 0) {
					loop.stalledSince = 0;
					loop.trustedSince = sample.lastBeat();
					loop.beatingSince = sample.lastBeat();
				}
				boolean rejoin = withdrawn[i] && now - loop.beatingSince >= this.rejoinAfterNanos;
				verdicts.add(new Verdict(false, false, stalledSince, false, rejoin));
			}
		}
		return verdicts;
	}

	private boolean isStale(LoopRecord loop, Sample sample, long now) {
		long iterations = sample.iterations() - loop.lastIterations;
		loop.lastIterations = sample.iterations();
		if (now - sample.lastBeat() <= this.thresholdNanos) {
			loop.lastHealthyCpu = sample.cpuTime();
			return false;
		}
		if (loop.stalledSince != 0) {
			return true;
		}
		if (iterations > 0) {
			// Late but still cycling through its iterations: busy, not blocked. A loop
			// that is blocked now has been since before the last check: its heartbeat
			// is due every quarter of the threshold.
			loop.late(now);
			return false;
		}
		if (!isBlocked(loop, sample)) {
			// Late but not blocked: the thread waited for a CPU. No stall, and the
			// other loops may be next.
			this.starvedChecks++;
			doubtAll(now);
			loop.late(now);
			return false;
		}
		return true;
	}

	/**
	 * Whether a loop thread that missed its heartbeats is blocked by the code it runs
	 * rather than waiting for a CPU: it has used half the threshold in CPU time since it
	 * was last healthy (a long computation), or it waits or runs native code outside
	 * Netty, as the sample tells.
	 */
	private boolean isBlocked(LoopRecord loop, Sample sample) {
		long cpu = (sample.cpuTime() >= 0 && loop.lastHealthyCpu >= 0) ? sample.cpuTime() - loop.lastHealthyCpu : -1;
		return cpu < 0 || cpu >= this.thresholdNanos / 2 || sample.waitsOrRunsForeignCode().getAsBoolean();
	}

	/**
	 * Whether another listener would still accept: open, in the group and on a loop that
	 * has been healthy, without a doubt, for the threshold at least. A loop that has only
	 * just recovered does not count, so that loops waking one after the other from a
	 * pause of the whole process withdraw nothing.
	 */
	private boolean canWithdraw(int index, boolean[] stale, boolean[] withdrawn, List<Sample> samples, long now) {
		for (int j = 0; j < stale.length; j++) {
			LoopRecord other = this.loops[j];
			if (j != index && !stale[j] && other.stalledSince == 0 && now - other.trustedSince >= this.thresholdNanos
					&& samples.get(j).open() && !withdrawn[j]) {
				return true;
			}
		}
		return false;
	}

	private void doubtAll(long now) {
		for (LoopRecord loop : this.loops) {
			loop.trustedSince = now;
		}
	}

	/**
	 * Return how many checks were skipped because the watchdog woke late.
	 * @return the skipped checks
	 */
	long skippedChecks() {
		return this.skippedChecks;
	}

	/**
	 * Return how many times a late loop was found starved of a CPU rather than blocked.
	 * @return the starved checks
	 */
	long starvedChecks() {
		return this.starvedChecks;
	}

	/**
	 * What the watchdog sees of one loop at a check.
	 *
	 * @param lastBeat the {@link System#nanoTime()} of the loop's last heartbeat
	 * @param iterations the loop's iteration count ({@link LoopIterations})
	 * @param cpuTime the CPU time of the loop's thread, or -1 when unknown
	 * @param waitsOrRunsForeignCode whether the loop's thread is unknown, waits (sleeps,
	 * parks, waits for a lock) or runs a native call outside Netty, such as a JDBC
	 * driver's socket read; asked only of a late loop, since it reads the thread's stack
	 * @param open whether the loop's listener is bound and open
	 * @param withdrawn whether the loop's listener is withdrawn from the port
	 */
	record Sample(long lastBeat, long iterations, long cpuTime, BooleanSupplier waitsOrRunsForeignCode, boolean open,
			boolean withdrawn) {

	}

	/**
	 * The judgement of one loop.
	 *
	 * @param stalled whether the loop is stalled now
	 * @param newStall whether the stall began at this check
	 * @param stalledSince the {@link System#nanoTime()} of the last heartbeat before the
	 * stall in progress, or of the stall that ended at this check; 0 when neither
	 * @param withdraw whether to withdraw the loop's listener
	 * @param rejoin whether the loop's withdrawn listener may rejoin
	 */
	record Verdict(boolean stalled, boolean newStall, long stalledSince, boolean withdraw, boolean rejoin) {

		/**
		 * Whether a stall ended at this check.
		 * @return whether the loop recovered
		 */
		boolean recovered() {
			return !this.stalled && this.stalledSince != 0;
		}

	}

	/**
	 * What the detector remembers of one loop between checks.
	 */
	private static final class LoopRecord {

		// The stall in progress, as the last beat at its start; 0 when the loop is
		// healthy
		private long stalledSince;

		// The loop's iteration count at the last check
		private long lastIterations;

		// Since when the loop has been seen healthy, without a doubt in between: whether
		// the other loops' listeners may be withdrawn for it to take their share
		private long trustedSince;

		// Since when the loop has run its heartbeat in time, as that heartbeat alone
		// shows: whether its withdrawn listener may rejoin. Doubts cast on every loop at
		// once (the watchdog woke late, another loop was starved) leave it alone, so that
		// a withdrawn listener rejoins on a loaded machine too.
		private long beatingSince;

		// The CPU time of the loop's thread at the last check that found it healthy
		private long lastHealthyCpu = -1;

		void late(long now) {
			this.trustedSince = now;
			this.beatingSince = now;
		}

	}

}
