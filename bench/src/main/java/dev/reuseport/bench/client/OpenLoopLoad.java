package dev.reuseport.bench.client;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * A steady open-loop load of new connections: one exchange on a new connection every
 * {@code 1/rate} seconds, on schedule whether or not earlier ones have finished, so that
 * a stalled server delays the exchanges without slowing the load down. It runs on its own
 * thread until {@link #stop()}, then waits a bounded time for the exchanges under way,
 * and records for each exchange when it started and how long its connect and its whole
 * exchange took.
 */
final class OpenLoopLoad implements Runnable, Exchanges.Outcome {

	private static final long NOT_DONE = -1;

	private final InetSocketAddress address;

	private final long periodNanos;

	private final long drainNanos;

	private final long[] start;

	private final long[] connect;

	private final long[] done;

	private final boolean[] failed;

	private volatile boolean stopped;

	private long origin;

	private int issued;

	/**
	 * Create a load.
	 * @param address the server
	 * @param rate new connections per second
	 * @param maxSeconds the longest the load may run, which bounds its connections
	 * @param drainSeconds how long to wait for exchanges under way after it stops
	 */
	OpenLoopLoad(InetSocketAddress address, int rate, int maxSeconds, int drainSeconds) {
		this.address = address;
		this.periodNanos = TimeUnit.SECONDS.toNanos(1) / rate;
		this.drainNanos = TimeUnit.SECONDS.toNanos(drainSeconds);
		int capacity = rate * maxSeconds;
		this.start = new long[capacity];
		this.connect = new long[capacity];
		this.done = new long[capacity];
		this.failed = new boolean[capacity];
		Arrays.fill(this.connect, NOT_DONE);
		Arrays.fill(this.done, NOT_DONE);
	}

	/**
	 * Set the time that the load's offsets count from; call before starting it.
	 * @param origin a {@link System#nanoTime()} reading
	 */
	void origin(long origin) {
		this.origin = origin;
	}

	@Override
	public void run() {
		try (Exchanges exchanges = new Exchanges(this.address, this)) {
			long next = System.nanoTime();
			while (!this.stopped && this.issued < this.start.length) {
				long now = System.nanoTime();
				while (next <= now && this.issued < this.start.length) {
					this.start[this.issued] = now - this.origin;
					exchanges.open(this.issued++);
					next += this.periodNanos;
				}
				exchanges.poll(Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - System.nanoTime())));
			}
			long drainUntil = System.nanoTime() + this.drainNanos;
			while (exchanges.open() > 0 && System.nanoTime() < drainUntil) {
				exchanges.poll(10);
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("The load's selector failed", ex);
		}
	}

	/**
	 * Stop opening connections; the thread ends once the exchanges under way are done or
	 * the drain time is up.
	 */
	void stop() {
		this.stopped = true;
	}

	@Override
	public void connected(int id, long nanos) {
		this.connect[id] = nanos;
	}

	@Override
	public void completed(int id, long nanos) {
		this.done[id] = nanos;
	}

	@Override
	public void failed(int id, long nanos, IOException ex) {
		this.done[id] = nanos;
		this.failed[id] = true;
	}

	/**
	 * Write one line per exchange, {@code conn <start ms> <connect ms> <total ms>
	 * <ok|failed|unfinished>}, times in milliseconds and the start counted from the
	 * origin. Call after the load's thread has ended.
	 * @param out where to write
	 */
	void write(PrintStream out) {
		for (int i = 0; i < this.issued; i++) {
			String state = this.failed[i] ? "failed" : (this.done[i] == NOT_DONE) ? "unfinished" : "ok";
			out.printf("conn %.3f %s %s %s%n", this.start[i] / 1e6, millis(this.connect[i]), millis(this.done[i]),
					state);
		}
	}

	int issued() {
		return this.issued;
	}

	private static String millis(long nanos) {
		return (nanos == NOT_DONE) ? "NaN" : "%.3f".formatted(nanos / 1e6);
	}

}
