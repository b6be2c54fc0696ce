package dev.reuseport.server;

import java.util.concurrent.atomic.AtomicLong;

import io.netty.channel.IoHandle;
import io.netty.channel.IoHandler;
import io.netty.channel.IoHandlerContext;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.IoRegistration;

/**
 * Counts the iterations of a listener's event loop: each iteration runs the transport's
 * {@link IoHandler} once, then the loop's tasks. A loop whose heartbeat is late while the
 * count goes on is busy, running many short iterations; a loop whose count stands still
 * is held in one iteration, by a task or a handler that does not return. The count is
 * written by the loop's thread only.
 * <p>
 * The counting handler also closes the loop's connections when the loop ends, should
 * Netty's loop have skipped that.
 */
final class LoopIterations {

	// One writer, the loop, and a reader, the watchdog, that only needs to see the count
	// move eventually: opaque access, without the fence that a volatile write costs on
	// every iteration
	private final AtomicLong count = new AtomicLong();

	/**
	 * Return the number of iterations the loop has started.
	 * @return the count
	 */
	long count() {
		return this.count.getOpaque();
	}

	/**
	 * Wrap a transport's handler factory so that the handlers it creates count the
	 * iterations here.
	 * @param factory the transport's factory
	 * @return the counting factory
	 */
	IoHandlerFactory counting(IoHandlerFactory factory) {
		return (executor) -> new CountingIoHandler(factory.newHandler(executor));
	}

	private final class CountingIoHandler implements IoHandler {

		private final IoHandler delegate;

		// Written and read by the loop's thread only
		private boolean preparedToDestroy;

		CountingIoHandler(IoHandler delegate) {
			this.delegate = delegate;
		}

		@Override
		public void initialize() {
			this.delegate.initialize();
		}

		@Override
		public int run(IoHandlerContext context) {
			// Only the loop's thread writes the count
			AtomicLong count = LoopIterations.this.count;
			count.setOpaque(count.getPlain() + 1);
			return this.delegate.run(context);
		}

		@Override
		public void prepareToDestroy() {
			this.preparedToDestroy = true;
			this.delegate.prepareToDestroy();
		}

		@Override
		public void destroy() {
			// Netty's loop prepares its handler, which closes the registered channels,
			// only if it sees the shutdown before running its tasks; a shutdown that
			// begins while a task runs ends the loop without it, and the connections
			// would stay open with their descriptors. Closed this late, they close
			// without their close events reaching their handlers.
			try {
				if (!this.preparedToDestroy) {
					prepareToDestroy();
				}
			}
			finally {
				this.delegate.destroy();
			}
		}

		@Override
		public IoRegistration register(IoHandle handle) throws Exception {
			return this.delegate.register(handle);
		}

		@Override
		public void wakeup() {
			this.delegate.wakeup();
		}

		@Override
		public boolean isCompatible(Class<? extends IoHandle> handleType) {
			return this.delegate.isCompatible(handleType);
		}

	}

}
