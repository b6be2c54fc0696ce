package dev.reuseport.metrics;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.ToLongFunction;

/**
 * The spread of the connections accepted over a recent window across a server's
 * listeners, as {@code (max - min) / mean}: 0 when every listener accepted the same
 * number (or none accepted any), 1 when the spread equals the mean.
 * <p>
 * Samples of the accepted counters are taken when the value is read (each scrape), so no
 * thread is needed. The window runs from the newest sample that is at least
 * {@code window} old, or from the oldest sample while none is that old yet, to now. With
 * a scrape interval shorter than the window it therefore covers between one window and
 * one window plus one scrape interval.
 */
final class AcceptImbalance<L> {

	private final List<L> listeners;

	private final ToLongFunction<L> accepted;

	private final Duration window;

	private final Clock clock;

	private final Deque<Sample> samples = new ArrayDeque<>();

	AcceptImbalance(List<L> listeners, ToLongFunction<L> accepted, Duration window, Clock clock) {
		this.listeners = listeners;
		this.accepted = accepted;
		this.window = window;
		this.clock = clock;
		this.samples.add(sample());
	}

	synchronized double value() {
		Sample now = sample();
		Instant windowStart = now.time().minus(this.window);
		// Drop samples once a younger one is also older than the window start
		while (this.samples.size() > 1 && !getSecond().time().isAfter(windowStart)) {
			this.samples.removeFirst();
		}
		Sample baseline = this.samples.getFirst();
		this.samples.addLast(now);
		return spread(now.counts(), baseline.counts());
	}

	private Sample getSecond() {
		return this.samples.stream().skip(1).findFirst().orElseThrow();
	}

	private Sample sample() {
		return new Sample(this.clock.instant(), this.listeners.stream().mapToLong(this.accepted).toArray());
	}

	private static double spread(long[] now, long[] baseline) {
		long max = Long.MIN_VALUE;
		long min = Long.MAX_VALUE;
		long total = 0;
		for (int i = 0; i < now.length; i++) {
			long delta = now[i] - baseline[i];
			max = Math.max(max, delta);
			min = Math.min(min, delta);
			total += delta;
		}
		if (total <= 0) {
			return 0;
		}
		double mean = (double) total / now.length;
		return (max - min) / mean;
	}

	private record Sample(Instant time, long[] counts) {
	}

}
