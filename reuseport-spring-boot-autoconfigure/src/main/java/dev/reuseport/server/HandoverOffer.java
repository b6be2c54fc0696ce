package dev.reuseport.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.concurrent.ScheduledFuture;
import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

/**
 * The old side of a handover: offers a server's listening sockets on the handover socket
 * to the process that replaces this one (see {@link HandoverLine} for the protocol). One
 * handover at a time, to a process of the same user that asks for the same address and
 * port. From the offer on, the sockets are shared and never withdrawn. Once the new
 * process has adopted them, this one closes its descriptors, which leaves the sockets and
 * their queues open in the new process, drains its connections, and stops offering. If
 * the new process goes away, declines, or takes longer than the timeout, this one keeps
 * its sockets and serves on.
 */
final class HandoverOffer {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	private final Path path;

	private final Duration timeout;

	private final Listeners listeners;

	private final LongConsumer handedOver;

	private final IoEventLoopGroup loop;

	private volatile @Nullable Channel channel;

	// The handover under way, if any
	private final AtomicReference<@Nullable Session> session = new AtomicReference<>();

	private HandoverOffer(Path path, Duration timeout, Listeners listeners, LongConsumer handedOver) {
		this.path = path;
		this.timeout = timeout;
		this.listeners = listeners;
		this.handedOver = handedOver;
		this.loop = HandoverChannels.newLoop("reuseport-handover-offer");
	}

	/**
	 * Listen on the handover socket, readable and writable by this process's user only.
	 * @param path the path of the handover socket
	 * @param timeout how long a handover may take, from the request to the adoption
	 * @param listeners the listeners to offer
	 * @param handedOver told the new process's id once it has adopted the listeners and
	 * this process has closed its descriptors
	 * @return the offer, or {@code null} when the handover socket cannot be bound
	 */
	static @Nullable HandoverOffer open(Path path, Duration timeout, Listeners listeners, LongConsumer handedOver) {
		HandoverOffer offer = new HandoverOffer(path, timeout, listeners, handedOver);
		try {
			offer.bind();
			return offer;
		}
		catch (IOException | RuntimeException ex) {
			offer.close();
			logger.warn("Could not offer this server's listeners on the handover socket " + path + ": " + ex
					+ ". The process that replaces this one will bind listeners of its own");
			return null;
		}
	}

	private void bind() throws IOException {
		Channel channel = new ServerBootstrap().group(this.loop)
			.channelFactory(EpollServerDomainSocketChannel::new)
			.childHandler(HandoverChannels.initializer(Session::new))
			.bind(new DomainSocketAddress(this.path.toFile()))
			.syncUninterruptibly()
			.channel();
		this.channel = channel;
		// Before this, the kernel's check of each peer's user is what keeps others out
		Files.setPosixFilePermissions(this.path, PosixFilePermissions.fromString("rw-------"));
	}

	/**
	 * Return the path of the handover socket.
	 * @return the path
	 */
	Path path() {
		return this.path;
	}

	/**
	 * Stop offering: close the handover socket, which removes its file, and any handover
	 * under way.
	 */
	void close() {
		closeChannel();
		this.loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
	}

	private void closeChannel() {
		Channel channel = this.channel;
		if (channel != null) {
			channel.close();
		}
	}

	/**
	 * The listeners of a server, as a handover sees them.
	 */
	interface Listeners {

		/**
		 * Return the address and port that every listener is bound to.
		 * @return the address
		 */
		InetSocketAddress address();

		/**
		 * Return the transport of the listeners.
		 * @return the transport
		 */
		ListenerTransport transport();

		/**
		 * Mark the open listeners as shared, and return their listening channels.
		 * @return the channels of the listeners offered; none is withdrawn
		 */
		List<Channel> share();

		/**
		 * Mark every listener as this process's alone again.
		 */
		void unshare();

		/**
		 * Close this process's descriptors of the listening sockets, and drain the
		 * connections as a graceful shutdown does.
		 * @return a future that completes once every descriptor is closed
		 */
		CompletableFuture<Void> release();

	}

	/**
	 * One handover, on one connection; confined to the offer's loop.
	 */
	final class Session extends SimpleChannelInboundHandler<String> {

		private long peer = -1;

		private List<Channel> offered = List.of();

		private boolean ended;

		private @Nullable ScheduledFuture<?> deadline;

		@Override
		public void channelActive(ChannelHandlerContext context) {
			EpollDomainSocketChannel connection = (EpollDomainSocketChannel) context.channel();
			this.peer = HandoverChannels.peerPid(connection);
			String otherUser = HandoverChannels.otherUser(connection);
			if (otherUser != null) {
				refuse(context, otherUser);
				return;
			}
			Session current = HandoverOffer.this.session.compareAndExchange(null, this);
			if (current != null) {
				refuse(context, "a handover to process " + current.peer + " is under way");
				return;
			}
			this.deadline = context.executor()
				.schedule(
						() -> abandon(context,
								"it did not adopt them within " + HandoverOffer.this.timeout.toMillis() + " ms"),
						HandoverOffer.this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		}

		@Override
		protected void channelRead0(ChannelHandlerContext context, String text) {
			if (this.ended) {
				return;
			}
			HandoverLine line = HandoverLine.parse(text);
			try {
				if (line.is(HandoverLine.REQUEST)) {
					offer(context, line);
				}
				else if (line.is(HandoverLine.READY) && !this.offered.isEmpty()) {
					this.offered.forEach(
							(listener) -> context.write(new FileDescriptor(((UnixChannel) listener).fd().intValue())));
					context.flush();
				}
				else if (line.is(HandoverLine.ADOPTED) && !this.offered.isEmpty()) {
					release(context, line.number(0));
				}
				else if (line.is(HandoverLine.DECLINED)) {
					abandon(context, "it declined them: " + line.text(0));
				}
				else {
					abandon(context, "it sent " + line + " out of turn");
				}
			}
			catch (IllegalArgumentException ex) {
				abandon(context, ex.getMessage());
			}
		}

		private void offer(ChannelHandlerContext context, HandoverLine request) {
			InetSocketAddress asked = request.address();
			InetSocketAddress address = HandoverOffer.this.listeners.address();
			if (!AdoptedSocket.sameAddress(address, asked)) {
				refuse(context, "this process listens on " + address + ", not on " + asked);
				return;
			}
			List<Channel> offered = HandoverOffer.this.listeners.share();
			if (offered.isEmpty()) {
				HandoverOffer.this.listeners.unshare();
				refuse(context, "no listener of this process is open");
				return;
			}
			this.offered = offered;
			context.writeAndFlush(HandoverLine.of(HandoverLine.OFFER, ProcessHandle.current().pid(),
					HandoverOffer.this.listeners.transport().id(), offered.size()));
		}

		private void release(ChannelHandlerContext context, long adopted) {
			end(context);
			logger.info("Handed %d SO_REUSEPORT listeners on %s over to process %d (it adopted %d); this process "
				.formatted(this.offered.size(), HandoverOffer.this.listeners.address(), this.peer, adopted)
					+ "stops accepting and drains its connections");
			// The new process binds its own handover socket on the same path once told
			closeChannel();
			HandoverOffer.this.listeners.release().whenComplete((result, ex) -> released(context));
		}

		private void released(ChannelHandlerContext context) {
			try {
				context.executor()
					.execute(() -> context.writeAndFlush(HandoverLine.of(HandoverLine.RELEASED))
						.addListener(ChannelFutureListener.CLOSE)
						.addListener((future) -> HandoverOffer.this.handedOver.accept(this.peer)));
			}
			catch (RejectedExecutionException ex) {
				// The server stopped meanwhile, and closed the connection with its loop:
				// the new process sees the connection close, which says as much
			}
		}

		private void refuse(ChannelHandlerContext context, String why) {
			logger.warn("Refused to hand this server's listeners over to process " + this.peer + ": " + why);
			end(context);
			context.writeAndFlush(HandoverLine.of(HandoverLine.REFUSED, why)).addListener(ChannelFutureListener.CLOSE);
		}

		private void abandon(ChannelHandlerContext context, String why) {
			if (this.ended) {
				return;
			}
			end(context);
			if (!this.offered.isEmpty()) {
				HandoverOffer.this.listeners.unshare();
				logger.warn("Process " + this.peer + " did not take this server's listeners over, as " + why
						+ "; this process keeps serving them");
			}
			context.close();
		}

		private void end(ChannelHandlerContext context) {
			this.ended = true;
			ScheduledFuture<?> deadline = this.deadline;
			if (deadline != null) {
				deadline.cancel(false);
			}
			HandoverOffer.this.session.compareAndSet(this, null);
		}

		@Override
		public void channelInactive(ChannelHandlerContext context) {
			abandon(context, "it went away");
		}

		@Override
		public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
			abandon(context, "the connection failed: " + cause);
		}

	}

}
