package dev.reuseport.server;

import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.AbstractEventExecutorGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.Future;

/**
 * The child group of one listener: Reactor Netty's {@code ServerTransport.Acceptor}
 * registers each accepted connection with {@link #register(Channel)}, and the
 * {@link LoopBalancer} chooses the loop. Everything else is the listener's own loop, as
 * when the listener runs on that loop alone.
 * <p>
 * The group owns no loop: the listeners do, so shutting the group down does nothing.
 */
final class BalancingChildGroup extends AbstractEventExecutorGroup implements EventLoopGroup {

	private final LoopBalancer balancer;

	private final int listener;

	private final EventLoop loop;

	BalancingChildGroup(LoopBalancer balancer, int listener, EventLoop loop) {
		this.balancer = balancer;
		this.listener = listener;
		this.loop = loop;
	}

	@Override
	public ChannelFuture register(Channel channel) {
		return this.balancer.register(this.listener, channel);
	}

	@Override
	public ChannelFuture register(ChannelPromise promise) {
		return this.balancer.register(this.listener, promise);
	}

	@Override
	@Deprecated
	public ChannelFuture register(Channel channel, ChannelPromise promise) {
		return this.balancer.register(this.listener, promise);
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
