package dev.reuseport.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

import io.netty.channel.EventLoop;
import io.netty.channel.IoEventLoopGroup;
import io.netty.util.concurrent.FastThreadLocalThread;
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

	// Tasks of the running loop, registered and run on the loop's own thread
	private final List<Runnable> beforeShutdown = new ArrayList<>();

	ListenerLoop(String threadName) {
		this.threadName = threadName;
	}

	/**
	 * Create the event loop and its connection drain.
	 * @param transport the transport of the loop and its sockets
	 * @return the event loop
	 */
	EventLoop start(ListenerTransport transport) {
		this.beforeShutdown.clear();
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
	 * Shut the event loop down, closing any connections left on it.
	 * @param timeout how long to wait for the loop to terminate
	 */
	void shutdown(Duration timeout) {
		IoEventLoopGroup group = this.group;
		if (group != null) {
			closeConnections(timeout);
			group.shutdownGracefully(0, timeout.toMillis(), TimeUnit.MILLISECONDS)
				.awaitUninterruptibly(timeout.toMillis());
			this.group = null;
		}
		this.eventLoop = null;
		this.drain = null;
	}

	/**
	 * Close the connections left on the loop while it still runs, so that they close with
	 * their pipelines' events. A graceful drain that a stop cut short leaves them open,
	 * and the loop's own shutdown cannot be relied on to close them: Netty's loop closes
	 * its channels only if it sees the shutdown before it runs its last tasks.
	 */
	private void closeConnections(Duration timeout) {
		EventLoop eventLoop = this.eventLoop;
		ConnectionDrain drain = this.drain;
		if (eventLoop == null || drain == null) {
			return;
		}
		try {
			eventLoop.submit(() -> {
				drain.closeAll();
				runBeforeShutdown();
			}).awaitUninterruptibly(timeout.toMillis());
		}
		catch (RejectedExecutionException ex) {
			// Already shut down, and its connections with it
		}
	}

	/**
	 * Run a task on the loop before it shuts down, unless it has begun to. Called on the
	 * loop's own thread.
	 * @param loop the loop the caller runs, which must still be this one's
	 * @param task the task
	 */
	void beforeShutdown(EventLoop loop, Runnable task) {
		if (loop == this.eventLoop && !loop.isShuttingDown()) {
			this.beforeShutdown.add(task);
		}
	}

	private void runBeforeShutdown() {
		List<Runnable> tasks = new ArrayList<>(this.beforeShutdown);
		this.beforeShutdown.clear();
		for (Runnable task : tasks) {
			try {
				task.run();
			}
			catch (RuntimeException ex) {
				logger.warn("A task to run before event loop " + this.threadName + " shuts down failed", ex);
			}
		}
	}

	private Thread newThread(Runnable task) {
		Thread thread = new FastThreadLocalThread(task, this.threadName);
		thread.setDaemon(true);
		return thread;
	}

}
