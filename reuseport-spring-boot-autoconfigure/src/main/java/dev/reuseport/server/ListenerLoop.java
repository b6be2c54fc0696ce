package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
import io.netty.util.concurrent.Future;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * The event loop of one {@link ReuseportListener}, on which it accepts and serves
 * connections, and the {@link ConnectionDrain} of the connections served there. Both are
 * created on each start of the server and released on each stop.
 */
final class ListenerLoop {

	private static final Log logger = LogFactory.getLog(ListenerLoop.class);

	private final String threadName;

	private final LoopIterations iterations = new LoopIterations();

	private volatile @Nullable IoEventLoopGroup group;

	private volatile @Nullable EventLoop eventLoop;

	private volatile @Nullable ConnectionDrain drain;

	// A set of its own for each start, so that a loop that ends late runs only its own
	private volatile ShutdownTasks beforeShutdown = new ShutdownTasks();

	ListenerLoop(String threadName) {
		this.threadName = threadName;
	}

	/**
	 * Create the event loop and its connection drain.
	 * @param transport the transport of the loop and its sockets
	 * @return the event loop
	 */
	EventLoop start(ListenerTransport transport) {
		this.beforeShutdown = new ShutdownTasks();
		IoEventLoopGroup group = transport.newLoop(this::newThread, this.iterations);
		this.group = group;
		EventLoop eventLoop = group.next();
		this.eventLoop = eventLoop;
		this.drain = new ConnectionDrain();
		return eventLoop;
	}

	/**
	 * Return the count of the loop's iterations, which the stall watchdog reads.
	 * @return the iterations
	 */
	LoopIterations iterations() {
		return this.iterations;
	}

	/**
	 * Return the event loop, or {@code null} when it is not started.
	 * @return the event loop
	 */
	@Nullable EventLoop eventLoop() {
		return this.eventLoop;
	}

	/**
	 * Return the drain of the connections served on the loop, or {@code null} when the
	 * loop is not started.
	 * @return the connection drain
	 */
	@Nullable ConnectionDrain drain() {
		return this.drain;
	}

	/**
	 * Shut the event loop down, closing any connections left on it. Used by tests only.
	 * @param timeout how long to wait for the loop to terminate
	 */
	void shutdown(Duration timeout) {
		shutdownAll(List.of(this), timeout);
	}

	/**
	 * Shut event loops down together, within one timeout for all. First each loop closes
	 * the connections left on it and runs the tasks registered to run before it shuts
	 * down, while it still runs the events of the channels they close; then every loop
	 * shuts down. The loops' own shutdown cannot be relied on to close the connections:
	 * Netty's loop closes its channels only if it sees the shutdown before it runs its
	 * last tasks, and a graceful drain that a stop cut short has just given it some. A
	 * loop still held by a task when the timeout ends is left to end once it is free.
	 * @param loops the loops
	 * @param timeout how long to wait for all of them
	 */
	static void shutdownAll(List<ListenerLoop> loops, Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		loops.stream().map(ListenerLoop::closeConnections).toList().forEach((closed) -> awaitUntil(closed, deadline));
		loops.stream()
			.map((loop) -> loop.beginShutdown(timeout))
			.toList()
			.forEach((terminated) -> awaitUntil(terminated, deadline));
		loops.forEach(ListenerLoop::forget);
	}

	private static void awaitUntil(@Nullable Future<?> future, long deadline) {
		if (future != null) {
			future.awaitUninterruptibly(Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
		}
	}

	private @Nullable Future<?> closeConnections() {
		EventLoop eventLoop = this.eventLoop;
		ConnectionDrain drain = this.drain;
		if (eventLoop == null || drain == null) {
			return null;
		}
		ShutdownTasks beforeShutdown = this.beforeShutdown;
		Runnable close = () -> {
			drain.closeAll();
			beforeShutdown.runAll();
		};
		if (eventLoop.inEventLoop()) {
			// A stop called on the loop itself, which cannot wait for its own task
			close.run();
			return null;
		}
		try {
			return eventLoop.submit(close);
		}
		catch (RejectedExecutionException ex) {
			// Already shut down, and its connections with it
			return null;
		}
	}

	private @Nullable Future<?> beginShutdown(Duration timeout) {
		IoEventLoopGroup group = this.group;
		return (group != null) ? group.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS) : null;
	}

	private void forget() {
		this.group = null;
		this.eventLoop = null;
		this.drain = null;
	}

	/**
	 * Run a task on the loop before it shuts down, unless it has begun to, or at once
	 * when the tasks to run before it shuts down have run already. Called on the loop's
	 * own thread.
	 * @param loop the loop the caller runs, which must still be this one's
	 * @param task the task
	 */
	void beforeShutdown(EventLoop loop, Runnable task) {
		if (loop == this.eventLoop && !loop.isShuttingDown()) {
			this.beforeShutdown.add(task);
		}
	}

	private Thread newThread(Runnable task) {
		Thread thread = new FastThreadLocalThread(task, this.threadName);
		thread.setDaemon(true);
		return thread;
	}

	/**
	 * The tasks to run on one start of the loop before it shuts down, used on the loop's
	 * own thread only.
	 */
	private final class ShutdownTasks {

		private final List<Runnable> tasks = new ArrayList<>();

		private boolean ran;

		void add(Runnable task) {
			if (this.ran) {
				run(task);
			}
			else {
				this.tasks.add(task);
			}
		}

		void runAll() {
			this.ran = true;
			this.tasks.forEach(this::run);
			this.tasks.clear();
		}

		private void run(Runnable task) {
			try {
				task.run();
			}
			catch (RuntimeException ex) {
				logger.warn("A task to run before event loop " + ListenerLoop.this.threadName + " shuts down failed",
						ex);
			}
		}

	}

}
