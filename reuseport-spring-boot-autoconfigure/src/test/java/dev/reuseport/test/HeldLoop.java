package dev.reuseport.test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;

/**
 * An event loop held in one task until released, for tests of what happens when something
 * reaches the loop while it runs a task. It lets go by itself after 10 seconds.
 */
public final class HeldLoop implements AutoCloseable {

	private static final Duration MAX_HOLD = Duration.ofSeconds(10);

	private final CountDownLatch released = new CountDownLatch(1);

	private HeldLoop() {
	}

	/**
	 * Hold a loop in a task, and return once the loop runs it.
	 * @param loop the loop
	 * @return the hold; close it to release the loop
	 * @throws InterruptedException if interrupted while waiting for the task to run
	 */
	public static HeldLoop hold(EventLoop loop) throws InterruptedException {
		HeldLoop hold = new HeldLoop();
		CountDownLatch running = new CountDownLatch(1);
		loop.execute(() -> {
			running.countDown();
			try {
				hold.released.await(MAX_HOLD.toMillis(), TimeUnit.MILLISECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		if (!running.await(MAX_HOLD.toMillis(), TimeUnit.MILLISECONDS)) {
			throw new IllegalStateException("The loop did not run the task that holds it");
		}
		return hold;
	}

	/**
	 * Let the loop go on.
	 */
	@Override
	public void close() {
		this.released.countDown();
	}

}
