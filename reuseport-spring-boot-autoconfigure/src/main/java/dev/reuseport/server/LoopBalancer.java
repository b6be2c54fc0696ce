package dev.reuseport.server;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.function.IntUnaryOperator;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

/**
 * Chooses the event loop that serves each connection accepted by the listeners of one
 * server, and counts the open connections of each loop, the load it balances.
 * <p>
 * A listener serves a connection on its own loop, as it would without balancing, while
 * its loop holds no more open connections than the least-loaded loop plus the margin of
 * {@link ConnectionBalancing}. Beyond that it hands the connection to the least-loaded
 * loop, as HAProxy's {@code tune.listener.multi-queue} does, and goes on handing off
 * until its loop is back within half the margin, so that a loop at the edge does not flip
 * between the two on every connection. Short connections close before they add up to the
 * margin, so they stay on the loop that accepted them.
 * <p>
 * The load is the number of open TCP connections per loop, counted from the moment a loop
 * is chosen so that a burst of connections sees the ones chosen just before it. HTTP/2
 * streams and requests in flight are not counted: they come and go within a connection,
 * which cannot move between loops once registered, and counting them would cost every
 * request an update of shared state. A loop whose listener has a backlog in its accept
 * queue is not loaded less than it looks, so that backlog counts too when the loop is
 * considered as a target: a loop that is stalled keeps its queue and receives no
 * connection from the others. Once the stall watchdog finds a loop stalled, the loop is
 * not considered at all until it runs again, whether or not its listener can be withdrawn
 * from the kernel's group.
 * <p>
 * The balancer knows loops by index, and nothing of the listeners: what it reads of a
 * listener, the length of its accept queue, comes through a function, so that its owner,
 * the {@link ReuseportGroup} of one start, keeps the listeners to itself.
 */
final class LoopBalancer {

	private static final int CLOSED = 1;

	private static final int WITHDRAWN = 2;

	private static final int STALLED = 4;

	private final List<EventLoop> loops;

	private final IntUnaryOperator queuedConnections;

	private final ConnectionBalancing balancing;

	private final AtomicIntegerArray open;

	// Per loop: CLOSED while its listener drains, WITHDRAWN while its listener is out of
	// the kernel's group, STALLED while the watchdog finds its loop stalled; connections
	// are handed only to loops where none is set
	private final AtomicIntegerArray excluded;

	// Element i is read and written only by listener i, which accepts on loop i
	private final boolean[] handingOff;

	/**
	 * Create a balancer.
	 * @param loops the event loop of each listener, in listener index order
	 * @param queuedConnections the number of connections waiting in the accept queue of
	 * the listener of a loop, by loop index; read from the kernel, so only when a
	 * hand-off is due
	 * @param balancing the balancing settings
	 */
	LoopBalancer(List<EventLoop> loops, IntUnaryOperator queuedConnections, ConnectionBalancing balancing) {
		this.loops = List.copyOf(loops);
		this.queuedConnections = queuedConnections;
		this.balancing = balancing;
		this.open = new AtomicIntegerArray(loops.size());
		this.excluded = new AtomicIntegerArray(loops.size());
		this.handingOff = new boolean[loops.size()];
	}

	/**
	 * Return the group on which a listener registers the connections it accepts.
	 * @param listener the listener index
	 * @return the group
	 */
	EventLoopGroup childGroup(int listener) {
		return new ChildGroup(listener);
	}

	/**
	 * Return the number of open connections served on a loop.
	 * @param loop the loop index, which is the index of its listener
	 * @return the open connections
	 */
	int openConnections(int loop) {
		return this.open.get(loop);
	}

	/**
	 * Return the index of a loop.
	 * @param loop the loop
	 * @return its index, or -1 when it is not a loop of this balancer
	 */
	int indexOf(EventLoop loop) {
		return this.loops.indexOf(loop);
	}

	/**
	 * Hand no more connections to a loop whose listener has closed: it drains.
	 * @param loop the loop index
	 */
	void close(int loop) {
		this.excluded.getAndUpdate(loop, (state) -> state | CLOSED);
	}

	/**
	 * Hand no connections to a loop whose listener was withdrawn because the loop
	 * stalled, until {@link #rejoin(int)}.
	 * @param loop the loop index
	 */
	void withdraw(int loop) {
		this.excluded.getAndUpdate(loop, (state) -> state | WITHDRAWN);
	}

	/**
	 * Hand connections to a loop again once its listener has rejoined.
	 * @param loop the loop index
	 */
	void rejoin(int loop) {
		this.excluded.getAndUpdate(loop, (state) -> state & ~WITHDRAWN);
	}

	/**
	 * Hand no connections to a loop that the stall watchdog finds stalled, until
	 * {@link #recovered(int)}, whether or not its listener can be withdrawn: they would
	 * wait for the whole stall, and the loop's accept queue, which counts as its load,
	 * may still be short when the stall begins.
	 * @param loop the loop index
	 */
	void stalled(int loop) {
		this.excluded.getAndUpdate(loop, (state) -> state | STALLED);
	}

	/**
	 * Hand connections to a loop again once the stall watchdog finds it running.
	 * @param loop the loop index
	 */
	void recovered(int loop) {
		this.excluded.getAndUpdate(loop, (state) -> state & ~STALLED);
	}

	/**
	 * Return whether connections are handed to a loop now: its listener is open and in
	 * the kernel's group, and its loop is not stalled.
	 * @param loop the loop index
	 * @return whether the loop may be handed connections
	 */
	boolean isHandedConnections(int loop) {
		return this.excluded.get(loop) == 0;
	}

	/**
	 * Register a connection that a listener accepted on the loop chosen for it.
	 * @param listener the index of the listener that accepted the connection
	 * @param channel the connection
	 * @return the future of the registration
	 */
	ChannelFuture register(int listener, Channel channel) {
		int loop = choose(listener);
		return registerOn(loop, new DefaultChannelPromise(channel, this.loops.get(loop)));
	}

	/**
	 * Register a connection that a listener accepted on the loop chosen for it.
	 * @param listener the index of the listener that accepted the connection
	 * @param promise the promise of the registration
	 * @return the future of the registration
	 */
	ChannelFuture register(int listener, ChannelPromise promise) {
		return registerOn(choose(listener), promise);
	}

	private ChannelFuture registerOn(int loop, ChannelPromise promise) {
		Channel channel = promise.channel();
		promise.addListener((ChannelFutureListener) (registration) -> {
			if (registration.isSuccess()) {
				channel.closeFuture().addListener((closed) -> this.open.decrementAndGet(loop));
			}
			else {
				this.open.decrementAndGet(loop);
			}
		});
		return this.loops.get(loop).register(promise);
	}

	/**
	 * Choose the loop of a connection that listener {@code own} has accepted, and count
	 * the connection on it. Runs on the listener's loop.
	 */
	private int choose(int own) {
		if (!this.balancing.enabled()) {
			this.open.incrementAndGet(own);
			return own;
		}
		while (true) {
			int ownCount = this.open.get(own);
			int target = handOffTarget(own, ownCount);
			if (target != own) {
				this.open.incrementAndGet(target);
				this.handingOff[own] = true;
				return target;
			}
			// Count the connection only if no other listener has handed one to this loop
			// meanwhile, so that concurrent choices do not overshoot the margin
			if (this.open.compareAndSet(own, ownCount, ownCount + 1)) {
				this.handingOff[own] = false;
				return own;
			}
		}
	}

	/**
	 * Return the least-loaded loop if the own loop is beyond the margin, or the own loop.
	 * Only when the open connections say that a hand-off is due are the accept queues
	 * read, one system call per loop, and the connections waiting in a loop's queue count
	 * as its load too: they will be its own, and a loop that is stalled keeps them there,
	 * so that it receives none from the others.
	 */
	private int handOffTarget(int own, int ownCount) {
		long total = 0;
		int openLoops = 0;
		int min = ownCount;
		for (int i = 0; i < this.loops.size(); i++) {
			if (isHandedConnections(i)) {
				int count = this.open.get(i);
				total += count;
				openLoops++;
				min = Math.min(min, count);
			}
		}
		double margin = this.balancing.margin((total + 1.0) / Math.max(openLoops, 1));
		double threshold = this.handingOff[own] ? margin / 2 : margin;
		if (ownCount + 1 - min <= threshold) {
			return own;
		}
		int target = own;
		long minLoad = ownCount;
		for (int i = 0; i < this.loops.size(); i++) {
			if (i != own && isHandedConnections(i)) {
				long load = this.open.get(i) + this.queuedConnections.applyAsInt(i);
				if (load < minLoad) {
					minLoad = load;
					target = i;
				}
			}
		}
		return (ownCount + 1 - minLoad > threshold) ? target : own;
	}

	/**
	 * The child group of one listener: Reactor Netty's {@code ServerTransport.Acceptor}
	 * registers each accepted connection with {@link #register(Channel)}, and the
	 * balancer chooses the loop. Everything else is the listener's own loop, as when the
	 * listener runs on that loop alone. The group owns no loop, so shutting it down does
	 * nothing.
	 */
	private final class ChildGroup extends AbstractEventExecutorGroup implements EventLoopGroup {

		private final int listener;

		private final EventLoop loop;

		ChildGroup(int listener) {
			this.listener = listener;
			this.loop = LoopBalancer.this.loops.get(listener);
		}

		@Override
		public ChannelFuture register(Channel channel) {
			return LoopBalancer.this.register(this.listener, channel);
		}

		@Override
		public ChannelFuture register(ChannelPromise promise) {
			return LoopBalancer.this.register(this.listener, promise);
		}

		@Override
		@Deprecated
		public ChannelFuture register(Channel channel, ChannelPromise promise) {
			return LoopBalancer.this.register(this.listener, promise);
		}

		@Override
		public EventLoop next() {
			return this.loop;
		}

		@Override
		public Iterator<EventExecutor> iterator() {
			return List.<EventExecutor>of(this.loop).iterator();
		}

		@Override
		public boolean isShuttingDown() {
			return this.loop.isShuttingDown();
		}

		@Override
		public Future<?> shutdownGracefully(long quietPeriod, long timeout, TimeUnit unit) {
			return terminationFuture();
		}

		@Override
		public Future<?> terminationFuture() {
			return this.loop.terminationFuture();
		}

		@Override
		@Deprecated
		public void shutdown() {
		}

		@Override
		public boolean isShutdown() {
			return this.loop.isShutdown();
		}

		@Override
		public boolean isTerminated() {
			return this.loop.isTerminated();
		}

		@Override
		public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
			return this.loop.awaitTermination(timeout, unit);
		}

	}

}
