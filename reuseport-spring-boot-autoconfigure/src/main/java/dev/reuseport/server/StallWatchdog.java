package dev.reuseport.server;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

import io.netty.channel.EventLoop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The one thread per {@link ReuseportWebServer} that watches its listeners' event loops.
 * Every quarter of the threshold it compares each loop's last heartbeat with the
 * threshold. A stalled loop is reported once per stall ({@link BlockedLoopLog}) and,
 * while relief is active, its listener is withdrawn from the port
 * ({@link ListenerWithdrawal}); once the loop has been healthy for the rejoin period, the
 * listener rejoins.
 * <p>
 * A late heartbeat alone does not make a stall: a loop that still cycles through its
 * iterations ({@link LoopIterations}) is busy, and a loop whose thread is runnable and
 * has used little CPU waited for one. Nothing is withdrawn when the watchdog itself woke
 * late, since then every thread of the process was held up (a GC pause, CPU starvation),
 * nor unless another listener is open, in the group and on a loop healthy for the
 * threshold: a withdrawal must leave the port to a loop that accepts.
 */
final class StallWatchdog {

	private static final Log logger = LogFactory.getLog(StallWatchdog.class);

	private final List<ReuseportListener> listeners;

	private final StallReliefSettings settings;

	private final StallReliefStatus status;

	private final BlockedLoopLog log;

	private final long thresholdNanos;

	private final long periodNanos;

	private volatile boolean running;

	private volatile long checks;

	private volatile long skippedChecks;

	private volatile long starvedChecks;

	private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private final boolean threadCpuTime = this.threads.isThreadCpuTimeSupported()
			&& this.threads.isThreadCpuTimeEnabled();

	private final Thread thread;

	/**
	 * Create the watchdog of a server's listeners.
	 * @param listeners the listeners, bound and with started loops
	 * @param settings the stall relief settings
	 * @param status whether stalled listeners are withdrawn
	 */
	StallWatchdog(List<ReuseportListener> listeners, StallReliefSettings settings, StallReliefStatus status) {
		this.listeners = listeners;
		this.settings = settings;
		this.status = status;
		this.log = new BlockedLoopLog(listeners.size());
		this.thresholdNanos = settings.threshold().toNanos();
		this.periodNanos = settings.period().toNanos();
		this.thread = new Thread(this::run, "reuseport-stall-watchdog");
		this.thread.setDaemon(true);
	}

	/**
	 * Start the heartbeats on the listeners' loops, then the watchdog thread.
	 */
	void start() {
		for (ReuseportListener listener : this.listeners) {
			EventLoop loop = listener.loop().eventLoop();
			if (loop != null) {
				listener.stalls().heartbeat().start(loop, this.settings.period());
			}
		}
		this.running = true;
		this.thread.start();
	}

	/**
	 * Stop the watchdog and wait for its thread, so that no listener is withdrawn or
	 * rejoins once this returns; a rejoin already queued on a loop checks
	 * {@link #isRunning()} first. A listener that is withdrawn stays withdrawn.
	 * <p>
	 * The wait has no timeout and outlasts an interrupt: the caller closes the listeners'
	 * sockets next, and a watchdog still running could then shut down a descriptor that
	 * is closed or already reused. The thread ends at its next step, since it is unparked
	 * here and blocks on nothing else.
	 */
	void stop() {
		this.running = false;
		LockSupport.unpark(this.thread);
		if (Thread.currentThread() != this.thread) {
			boolean interrupted = false;
			while (this.thread.isAlive()) {
				try {
					this.thread.join();
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
			}
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
		this.listeners.forEach((listener) -> listener.stalls().heartbeat().stop());
	}

	boolean isRunning() {
		return this.running;
	}

	/**
	 * Return how many checks the watchdog has completed.
	 * @return the completed checks
	 */
	long checks() {
		return this.checks;
	}

	/**
	 * Return how many checks were skipped because the watchdog itself woke late.
	 * @return the skipped checks
	 */
	long skippedChecks() {
		return this.skippedChecks;
	}

	private void run() {
		long next = System.nanoTime() + this.periodNanos;
		while (this.running) {
			LockSupport.parkNanos(this, next - System.nanoTime());
			long now = System.nanoTime();
			if (now < next) {
				continue;
			}
			long lag = now - next;
			next = now + this.periodNanos;
			if (lag > this.thresholdNanos / 2) {
				// Held up with every other thread: the loops' beats are late for the same
				// reason, so they say nothing about the loops, nor for a while after
				this.skippedChecks++;
				this.listeners.forEach((listener) -> listener.stalls().doubt(now));
				continue;
			}
			try {
				check(now);
				this.checks++;
			}
			catch (RuntimeException ex) {
				logger.warn("Stall check failed", ex);
			}
		}
	}

	private void check(long now) {
		int count = this.listeners.size();
		boolean[] stale = new boolean[count];
		for (int i = 0; i < count; i++) {
			ReuseportListener listener = this.listeners.get(i);
			ListenerStalls stalls = listener.stalls();
			Thread thread = stalls.heartbeat().thread();
			long cpu = cpuTime(thread);
			// A loop that is blocked now has been since before the last check: its
			// heartbeat is due every quarter of the threshold
			long iterations = stalls.iterationsSinceLastCheck(listener.loop().iterations().count());
			stale[i] = now - stalls.heartbeat().lastBeat() > this.thresholdNanos;
			if (!stale[i]) {
				stalls.healthy(cpu);
			}
			else if (!stalls.isStalled() && iterations > 0) {
				// Late but still cycling through its iterations: busy, not blocked
				stale[i] = false;
				stalls.late(now);
			}
			else if (!stalls.isStalled() && !isBlocked(thread, stalls.cpuSinceHealthy(cpu))) {
				// Late but not blocked: the thread waited for a CPU, as every thread
				// of an overloaded machine does in turn. No stall, and the other
				// loops may be next.
				stale[i] = false;
				this.starvedChecks++;
				this.listeners.forEach((other) -> other.stalls().doubt(now));
				stalls.late(now);
			}
		}
		for (int i = 0; i < count; i++) {
			ReuseportListener listener = this.listeners.get(i);
			ListenerStalls stalls = listener.stalls();
			ListenerWithdrawal withdrawal = stalls.withdrawal();
			LoopBalancer balancer = listener.socket().balancer();
			if (balancer != null) {
				// The other loops hand it nothing while it is stalled, relief or not
				if (stale[i]) {
					balancer.stalled(i);
				}
				else {
					balancer.recovered(i);
				}
			}
			if (stale[i]) {
				boolean newStall = !stalls.isStalled();
				StallReport report = newStall ? stalls.stalled(now) : null;
				if (!newStall) {
					stalls.update(now, true);
				}
				boolean withdrew = this.status.active() && !withdrawal.isWithdrawn() && canWithdraw(i, stale, now)
						&& withdrawal.withdraw();
				if (withdrew) {
					stalls.withdrew();
				}
				if (report != null) {
					this.log.stalled(i, report, relief(withdrew, withdrawal.isWithdrawn()), now);
				}
			}
			else {
				stalls.update(now, false);
				if (withdrawal.isWithdrawn() && stalls.beatingFor(now).compareTo(this.settings.rejoinAfter()) >= 0) {
					withdrawal.rejoin(this::isRunning);
				}
			}
		}
	}

	/**
	 * Whether a loop thread that missed its heartbeats is blocked by the code it runs,
	 * rather than waiting for a CPU: it waits (sleeps, parks, waits for a lock), it has
	 * used half the threshold in CPU time since it was last healthy (a long computation),
	 * or it is in a native call outside Netty (blocking I/O, such as a JDBC driver's
	 * socket read). A thread that is runnable in Java code or in Netty's own native
	 * calls, and has used little CPU, was starved of a CPU instead.
	 */
	private boolean isBlocked(@Nullable Thread thread, long cpuSinceHealthy) {
		if (thread == null) {
			return true;
		}
		if (thread.getState() != Thread.State.RUNNABLE) {
			return true;
		}
		if (cpuSinceHealthy < 0 || cpuSinceHealthy >= this.thresholdNanos / 2) {
			return true;
		}
		StackTraceElement[] stack = thread.getStackTrace();
		return stack.length > 0 && stack[0].isNativeMethod() && !stack[0].getClassName().startsWith("io.netty.");
	}

	private long cpuTime(@Nullable Thread thread) {
		if (thread == null || !this.threadCpuTime) {
			return -1;
		}
		return this.threads.getThreadCpuTime(thread.getId());
	}

	/**
	 * Return how many times a late loop was found starved of a CPU rather than blocked.
	 * @return the starved checks
	 */
	long starvedChecks() {
		return this.starvedChecks;
	}

	/**
	 * Whether another listener would still accept: open, in the group and on a loop that
	 * has been healthy, without a doubt, for the threshold at least. A loop that has only
	 * just recovered does not count, so that loops waking one after the other from a
	 * pause of the whole process withdraw nothing.
	 */
	private boolean canWithdraw(int index, boolean[] stale, long now) {
		for (int j = 0; j < stale.length; j++) {
			ReuseportListener other = this.listeners.get(j);
			ListenerStalls stalls = other.stalls();
			if (j != index && !stale[j] && !stalls.isStalled()
					&& stalls.trustedFor(now).toNanos() >= this.thresholdNanos && other.isOpen()
					&& !stalls.withdrawal().isWithdrawn()) {
				return true;
			}
		}
		return false;
	}

	private String relief(boolean withdrew, boolean withdrawn) {
		if (withdrew) {
			return "its listener is withdrawn from the port, and the connections in its accept queue move to the "
					+ "other listeners, until the loop has been healthy for " + this.settings.rejoinAfter().toMillis()
					+ " ms";
		}
		if (withdrawn) {
			return "its listener is still withdrawn from the port";
		}
		if (!this.status.active()) {
			return "stall relief is " + this.status.describe();
		}
		return "its listener stays in the port, since no other listener on a healthy loop would accept";
	}

}
