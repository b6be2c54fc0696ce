package dev.reuseport.server;

import java.util.concurrent.RejectedExecutionException;

import io.netty.channel.EventLoop;
import org.jspecify.annotations.Nullable;
import reactor.netty.resources.LoopResources;

/**
 * The event loop of one of a server's listeners, as the thread that runs it finds it: the
 * starter's HTTP clients ({@code dev.reuseport.client}) open the connections of a call
 * made on that thread on the same loop. Applications do not need it.
 * <p>
 * Only the loop's own thread gets one, and only while the server runs: the loops belong
 * to the server, which creates them on start and shuts them down on stop, so a listener
 * does not hand its loop to any other thread.
 * <p>
 * Internal API of the starter, public only for its {@code dev.reuseport.client} package:
 * applications should not rely on it, and it may change in any release.
 *
 * @since 0.1.0
 */
public final class CurrentListenerLoop {

	private final int listener;

	private final EventLoop eventLoop;

	private final ListenerTransport transport;

	private final ListenerLoop loop;

	private CurrentListenerLoop(int listener, EventLoop eventLoop, ListenerTransport transport, ListenerLoop loop) {
		this.listener = listener;
		this.eventLoop = eventLoop;
		this.transport = transport;
		this.loop = loop;
	}

	/**
	 * Return the listener loop that the current thread runs.
	 * @param server the server whose listeners to look at
	 * @return the loop, or {@code null} when the current thread runs none of the server's
	 * listener loops
	 */
	public static @Nullable CurrentListenerLoop of(ReuseportWebServer server) {
		for (ReuseportListener listener : server.getListeners()) {
			EventLoop loop = listener.eventLoop();
			if (loop != null && loop.inEventLoop()) {
				return new CurrentListenerLoop(listener.index(), loop, server.getTransport(), listener.loop());
			}
		}
		return null;
	}

	/**
	 * Return the index of the listener that owns the loop.
	 * @return the listener index
	 */
	public int listener() {
		return this.listener;
	}

	/**
	 * Return the loop, which the current thread runs.
	 * @return the event loop
	 */
	public EventLoop eventLoop() {
		return this.eventLoop;
	}

	/**
	 * Run a task on the loop when the server stops, before the loop shuts down, while the
	 * loop still runs the events of the channels the task closes: resources that live on
	 * the loop, such as the client connections opened on it, close then rather than with
	 * the loop. A task registered once the loop has begun to shut down does not run.
	 * @param task the task, run on the loop
	 */
	public void beforeShutdown(Runnable task) {
		if (this.eventLoop.inEventLoop()) {
			this.loop.beforeShutdown(this.eventLoop, task);
			return;
		}
		try {
			this.eventLoop.execute(() -> this.loop.beforeShutdown(this.eventLoop, task));
		}
		catch (RejectedExecutionException ex) {
			// The loop has shut down: nothing left to run before it
		}
	}

	/**
	 * Return loop resources that name the channel classes of the listener's transport for
	 * sockets on the loop. Reactor Netty 1.3 chooses the epoll classes for an epoll loop
	 * itself but knows no Netty 4.2 io_uring channel, so clients that open connections on
	 * the loop take the classes from here.
	 * @return the loop resources
	 */
	public LoopResources channels() {
		return this.transport.loopResources(this.eventLoop, this.eventLoop);
	}

}
