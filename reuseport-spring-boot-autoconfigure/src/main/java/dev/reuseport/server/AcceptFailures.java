package dev.reuseport.server;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.BooleanSupplier;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.unix.Errors.NativeIoException;

/**
 * What one listener does when {@code accept} fails, most often because the process has
 * run out of descriptors ({@code EMFILE}): it counts the failure by {@link AcceptError},
 * warns through the server's {@link AcceptFailureLog}, and stops accepting for
 * {@link #PAUSE}, then tries again. The connections keep waiting in the listener's accept
 * queue meanwhile and are accepted once descriptors are free, so no client has to
 * reconnect, and the loop does not spin on a failure that the next attempt would repeat.
 * <p>
 * Reactor Netty's own acceptor pauses for a second too, silently; this handler sits
 * before it in the listening channel's pipeline and takes the failure over. A withdrawn
 * listener's accept fails by design ({@link ListenerWithdrawal}): that failure is passed
 * on unchanged.
 */
final class AcceptFailures {

	/**
	 * How long a listener stops accepting after a failure: as nginx does with
	 * {@code accept_mutex_delay}'s default, short enough that waiting clients barely
	 * notice once descriptors are free again.
	 */
	static final Duration PAUSE = Duration.ofMillis(500);

	private final int index;

	private final AcceptFailureLog log;

	private final BooleanSupplier withdrawn;

	private final AtomicLongArray counts = new AtomicLongArray(AcceptError.values().length);

	/**
	 * Create the accept failures of a listener.
	 * @param index the listener index
	 * @param log the server's log of accept failures
	 * @param withdrawn whether the listener is withdrawn from its port now
	 */
	AcceptFailures(int index, AcceptFailureLog log, BooleanSupplier withdrawn) {
		this.index = index;
		this.log = log;
		this.withdrawn = withdrawn;
	}

	/**
	 * Return how many accepts of the listener failed with an error.
	 * @param error the error
	 * @return the count
	 */
	long count(AcceptError error) {
		return this.counts.get(error.ordinal());
	}

	/**
	 * Return a handler for the listening channel of one bind, to be first in its
	 * pipeline.
	 * @return the handler
	 */
	ChannelHandler handler() {
		return new Handler();
	}

	private void failed(Channel channel, NativeIoException failure) {
		AcceptError error = AcceptError.of(failure);
		this.counts.incrementAndGet(error.ordinal());
		this.log.failed(this.index, channel.localAddress(), error, failure, PAUSE);
		channel.config().setAutoRead(false);
		channel.eventLoop().schedule(() -> resume(channel), PAUSE.toNanos(), TimeUnit.NANOSECONDS);
	}

	private void resume(Channel channel) {
		// A withdrawn listener's rejoin turns auto-read on itself
		if (channel.isOpen() && !this.withdrawn.getAsBoolean()) {
			channel.config().setAutoRead(true);
		}
	}

	// Not private: the native image hints name it (ReuseportServerRuntimeHints)
	final class Handler extends ChannelInboundHandlerAdapter {

		@Override
		public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
			if (cause instanceof NativeIoException failure && !AcceptFailures.this.withdrawn.getAsBoolean()) {
				failed(ctx.channel(), failure);
			}
			else {
				ctx.fireExceptionCaught(cause);
			}
		}

	}

}
