package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;

/**
 * A cheap task that a listener's event loop runs periodically, between its I/O batches,
 * to show the {@link StallWatchdog} that it still runs its tasks. A loop that is merely
 * busy still runs it; a loop blocked by a handler does not.
 */
final class LoopHeartbeat {

	private volatile long lastBeat;

	private volatile long periodNanos;

	// Written by the loop only: how much later than due its latest beat ran, at most
	private volatile long maxLag;

	private volatile @Nullable Thread thread;

	private volatile @Nullable ScheduledFuture<?> task;

	/**
	 * Start beating on a loop.
	 * @param loop the listener's event loop
	 * @param period the delay between two beats
	 */
	void start(EventLoop loop, Duration period) {
		this.periodNanos = period.toNanos();
		this.maxLag = 0;
		this.lastBeat = System.nanoTime();
		// A restarted server has a new loop thread: the old one is not reported until
		// the new one has beaten
		this.thread = null;
		// One beat at once, so that the loop's thread is known before its first stall
		loop.execute(this::beat);
		this.task = loop.scheduleWithFixedDelay(this::beat, period.toNanos(), period.toNanos(), TimeUnit.NANOSECONDS);
	}

	/**
	 * Stop beating. The loop may be shutting down already.
	 */
	void stop() {
		ScheduledFuture<?> task = this.task;
		if (task != null) {
			task.cancel(false);
			this.task = null;
		}
	}

	private void beat() {
		long now = System.nanoTime();
		long lag = now - this.lastBeat - this.periodNanos;
		if (lag > this.maxLag) {
			this.maxLag = lag;
		}
		this.thread = Thread.currentThread();
		this.lastBeat = now;
	}

	/**
	 * Return how much later than due the latest beat ran, at most, since the start: the
	 * time the loop spent on I/O and other tasks before it came to the beat. This is the
	 * margin the threshold keeps over a loop that is merely busy. Read by tests only.
	 * @return the largest lag
	 */
	Duration maxLag() {
		return Duration.ofNanos(this.maxLag);
	}

	/**
	 * Return the time of the last beat.
	 * @return the {@link System#nanoTime()} of the last beat
	 */
	long lastBeat() {
		return this.lastBeat;
	}

	/**
	 * Return the loop's thread, once it has beaten.
	 * @return the thread, or {@code null}
	 */
	@Nullable Thread thread() {
		return this.thread;
	}

}
