package dev.reuseport.server;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;

import io.netty.channel.EventLoop;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The one thread per {@link ReuseportWebServer} that watches its listeners' event loops.
 * Every quarter of the threshold it samples each loop (its heartbeat, its iterations, its
 * thread's CPU time), asks the {@link StallDetector} for a verdict, and applies it: the
 * balancer hands a stalled loop nothing, a new stall is reported once
 * ({@link BlockedLoopLog}) and recorded ({@link ListenerStalls}), and, while relief is
 * active, the {@link ReuseportGroup} withdraws the listener from the port and lets it
 * rejoin once its loop has been healthy for the rejoin period.
 */
final class StallWatchdog {

	private static final Log logger = LogFactory.getLog(StallWatchdog.class);

	private final ReuseportGroup group;

	private final StallReliefSettings settings;

	private final StallReliefStatus status;

	private final StallDetector detector;

	private final BlockedLoopLog log;

	private final long periodNanos;

	private volatile boolean running;

	private volatile long checks;

	private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();

	private final boolean threadCpuTime = this.threads.isThreadCpuTimeSupported()
			&& this.threads.isThreadCpuTimeEnabled();

	private final Thread thread;

	/**
	 * Create the watchdog of a server's listeners.
	 * @param group the listeners, bound and with started loops
	 * @param settings the stall relief settings
	 * @param status whether stalled listeners are withdrawn
	 */
	StallWatchdog(ReuseportGroup group, StallReliefSettings settings, StallReliefStatus status) {
		this.group = group;
		this.settings = settings;
		this.status = status;
		int listeners = group.listeners().size();
		this.detector = new StallDetector(listeners, settings, status.active());
		this.log = new BlockedLoopLog(listeners);
		this.periodNanos = settings.period().toNanos();
		this.thread = new Thread(this::run, "reuseport-stall-watchdog");
		this.thread.setDaemon(true);
	}

	/**
	 * Start the watchdog of a server's listeners when stall relief is enabled.
	 * @param group the listeners, bound and with started loops
	 * @param settings the stall relief settings
	 * @param status whether stalled listeners are withdrawn
	 * @return the started watchdog, or {@code null} when stall relief is disabled
	 */
	static @Nullable StallWatchdog startIfEnabled(ReuseportGroup group, StallReliefSettings settings,
			StallReliefStatus status) {
		if (!settings.enabled()) {
			return null;
		}
		StallWatchdog watchdog = new StallWatchdog(group, settings, status);
		watchdog.start();
		return watchdog;
	}

	/**
	 * Start the heartbeats on the listeners' loops, then the watchdog thread.
	 */
	void start() {
		for (ReuseportListener listener : this.group.listeners()) {
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
		this.group.listeners().forEach((listener) -> listener.stalls().heartbeat().stop());
	}

	boolean isRunning() {
		return this.running;
	}

	/**
	 * Return how many checks the watchdog has completed. Read by tests only.
	 * @return the completed checks
	 */
	long checks() {
		return this.checks;
	}

	/**
	 * Return how many checks were skipped because the watchdog itself woke late. Read by
	 * tests only.
	 * @return the skipped checks
	 */
	long skippedChecks() {
		return this.detector.skippedChecks();
	}

	/**
	 * Return how many times a late loop was found starved of a CPU rather than blocked.
	 * Read by tests only.
	 * @return the starved checks
	 */
	long starvedChecks() {
		return this.detector.starvedChecks();
	}

	private void run() {
		long next = System.nanoTime() + this.periodNanos;
		while (this.running) {
			LockSupport.parkNanos(this, next - System.nanoTime());
			long now = System.nanoTime();
			if (now < next) {
				continue;
			}
			long due = next;
			next = now + this.periodNanos;
			try {
				List<StallDetector.Verdict> verdicts = this.detector.check(due, now, sample());
				for (int i = 0; i < verdicts.size(); i++) {
					apply(i, verdicts.get(i), now);
				}
				if (!verdicts.isEmpty()) {
					this.checks++;
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Stall check failed", ex);
			}
		}
	}

	private List<StallDetector.Sample> sample() {
		return this.group.listeners().stream().map((listener) -> {
			LoopHeartbeat heartbeat = listener.stalls().heartbeat();
			Thread thread = heartbeat.thread();
			return new StallDetector.Sample(heartbeat.lastBeat(), listener.loop().iterations().count(), cpuTime(thread),
					waitsOrRunsForeignCode(thread), listener.isOpen(), listener.isWithdrawn());
		}).toList();
	}

	private void apply(int index, StallDetector.Verdict verdict, long now) {
		ListenerStalls stalls = this.group.listeners().get(index).stalls();
		// The other loops hand it nothing while it is stalled, relief or not
		this.group.loopStalled(index, verdict.stalled());
		if (verdict.stalled()) {
			StallReport report = verdict.newStall() ? stalls.stalled(now, verdict.stalledSince()) : null;
			if (report == null) {
				stalls.ongoing(now, verdict.stalledSince());
			}
			boolean withdrew = verdict.withdraw() && this.group.withdraw(index);
			if (withdrew) {
				stalls.withdrew();
			}
			if (report != null) {
				this.log.stalled(index, report, relief(withdrew, this.group.listeners().get(index).isWithdrawn()), now);
			}
			return;
		}
		if (verdict.recovered()) {
			stalls.recovered(verdict.stalledSince());
		}
		if (verdict.rejoin()) {
			this.group.rejoin(index, this::isRunning);
		}
	}

	/**
	 * Whether a loop's thread is unknown, waits (sleeps, parks, waits for a lock) or is
	 * in a native call outside Netty (blocking I/O, such as a JDBC driver's socket read),
	 * asked lazily: reading a stack is not free.
	 */
	private static BooleanSupplier waitsOrRunsForeignCode(@Nullable Thread thread) {
		return () -> {
			if (thread == null || thread.getState() != Thread.State.RUNNABLE) {
				return true;
			}
			StackTraceElement[] stack = thread.getStackTrace();
			return stack.length > 0 && stack[0].isNativeMethod() && !stack[0].getClassName().startsWith("io.netty.");
		};
	}

	private long cpuTime(@Nullable Thread thread) {
		if (thread == null || !this.threadCpuTime) {
			return -1;
		}
		return this.threads.getThreadCpuTime(thread.getId());
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
