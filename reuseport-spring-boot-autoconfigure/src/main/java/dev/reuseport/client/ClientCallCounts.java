package dev.reuseport.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of the connections that HTTP clients acquired for their calls, by the listener
 * loop each call was made on: whether the connection lives on that same loop, so that the
 * call and its response stay there, or on another loop. Calls made on any other thread
 * are counted apart. A call is counted when it acquires its connection, so a call whose
 * acquire fails (a connect error, a pool acquire timeout) is not counted.
 *
 * @since 0.1.0
 */
public final class ClientCallCounts {

	private final Map<Integer, LongAdder> sameLoop = new ConcurrentHashMap<>();

	private final Map<Integer, LongAdder> otherLoop = new ConcurrentHashMap<>();

	private final LongAdder offListener = new LongAdder();

	ClientCallCounts() {
	}

	void called(int listener, boolean onSameLoop) {
		Map<Integer, LongAdder> counts = onSameLoop ? this.sameLoop : this.otherLoop;
		counts.computeIfAbsent(listener, (key) -> new LongAdder()).increment();
	}

	void calledOffListener() {
		this.offListener.increment();
	}

	/**
	 * Return the number of calls made on a listener's loop whose connection lives on that
	 * loop.
	 * @param listener the listener index
	 * @return the call count
	 */
	public long sameLoop(int listener) {
		return sum(this.sameLoop, listener);
	}

	/**
	 * Return the number of calls made on a listener's loop whose connection lives on
	 * another loop.
	 * @param listener the listener index
	 * @return the call count
	 */
	public long otherLoop(int listener) {
		return sum(this.otherLoop, listener);
	}

	/**
	 * Return the number of calls made on a thread that runs no listener's loop, such as a
	 * scheduler thread or {@code main}.
	 * @return the call count
	 */
	public long offListener() {
		return this.offListener.sum();
	}

	private static long sum(Map<Integer, LongAdder> counts, int listener) {
		LongAdder count = counts.get(listener);
		return (count != null) ? count.sum() : 0;
	}

}
