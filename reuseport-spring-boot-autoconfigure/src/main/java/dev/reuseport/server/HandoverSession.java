package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.SortedMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.FileDescriptor;
import io.netty.channel.unix.UnixChannel;
import io.netty.util.concurrent.ScheduledFuture;
import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

/**
 * One handover that a {@code HandoverOffer} makes, on one connection of its handover
 * socket (see {@link HandoverLine} for the protocol); confined to the offer's loop. From
 * the offer on, the listeners are shared; once the other process has adopted them, they
 * are released; if it goes away, declines, or takes longer than the offer's timeout, they
 * are this process's alone again.
 */
final class HandoverSession extends SimpleChannelInboundHandler<String> {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	private final Offer offer;

	private long peer = -1;

	private List<Channel> offered = List.of();

	private boolean ended;

	private @Nullable ScheduledFuture<?> deadline;

	HandoverSession(Offer offer) {
		this.offer = offer;
	}

	/**
	 * Return the process at the other end.
	 * @return its id, or -1 before the connection is active
	 */
	long peer() {
		return this.peer;
	}

	@Override
	public void channelActive(ChannelHandlerContext context) {
		EpollDomainSocketChannel connection = (EpollDomainSocketChannel) context.channel();
		HandoverChannels.Peer peer = HandoverChannels.Peer.of(connection);
		this.peer = peer.pid();
		if (peer.refusal() != null) {
			refuse(context, peer.refusal());
			return;
		}
		HandoverSession current = this.offer.begin(this);
		if (current != null) {
			refuse(context, "a handover to process " + current.peer() + " is under way");
			return;
		}
		this.deadline = context.executor()
			.schedule(() -> abandon(context, "it did not adopt them within " + this.offer.timeout().toMillis() + " ms"),
					this.offer.timeout().toMillis(), TimeUnit.MILLISECONDS);
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
				this.offered
					.forEach((listener) -> context.write(new FileDescriptor(((UnixChannel) listener).fd().intValue())));
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
		InetSocketAddress address = this.offer.listeners().address();
		if (!AdoptedSocket.sameAddress(address, asked)) {
			refuse(context, "this process listens on " + address + ", not on " + asked);
			return;
		}
		SortedMap<Integer, Channel> offered = this.offer.listeners().share();
		if (offered.isEmpty()) {
			this.offer.listeners().unshare();
			refuse(context, "no listener of this process is open");
			return;
		}
		this.offered = List.copyOf(offered.values());
		context.writeAndFlush(HandoverLine.of(HandoverLine.OFFER, ProcessHandle.current().pid(),
				this.offer.listeners().transport().id(), offered.size(),
				offered.keySet().stream().map(String::valueOf).collect(Collectors.joining(","))));
	}

	private void release(ChannelHandlerContext context, long adopted) {
		end(context);
		logger.info("Handed %d SO_REUSEPORT listeners on %s over to process %d (it adopted %d); this process "
			.formatted(this.offered.size(), this.offer.listeners().address(), this.peer, adopted)
				+ "stops accepting and drains its connections");
		// The new process binds its own handover socket on the same path once told
		this.offer.stopListening();
		this.offer.listeners().release().whenComplete((result, ex) -> released(context));
	}

	private void released(ChannelHandlerContext context) {
		try {
			context.executor()
				.execute(() -> context.writeAndFlush(HandoverLine.of(HandoverLine.RELEASED))
					.addListener(ChannelFutureListener.CLOSE)
					.addListener((future) -> this.offer.handedOver(this.peer)));
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
			this.offer.listeners().unshare();
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
		this.offer.end(this);
	}

	@Override
	public void channelInactive(ChannelHandlerContext context) {
		abandon(context, "it went away");
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
		abandon(context, "the connection failed: " + cause);
	}

	/**
	 * The offer that a session belongs to, as the session sees it.
	 */
	interface Offer {

		/**
		 * Begin a handover, unless one is under way.
		 * @param session the handover
		 * @return the handover under way, or {@code null} when this one begins
		 */
		@Nullable HandoverSession begin(HandoverSession session);

		/**
		 * End a handover, so that another may begin.
		 * @param session the handover
		 */
		void end(HandoverSession session);

		/**
		 * Return how long a handover may take.
		 * @return the timeout
		 */
		Duration timeout();

		/**
		 * Return the listeners offered.
		 * @return the listeners
		 */
		Listeners listeners();

		/**
		 * Stop listening on the handover socket, whose file the next offer binds again.
		 */
		void stopListening();

		/**
		 * Tell the server that its listeners are handed over.
		 * @param process the process that adopted them
		 */
		void handedOver(long process);

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
		 * @return the channels of the listeners offered, by listener index; none is
		 * withdrawn
		 */
		SortedMap<Integer, Channel> share();

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

}
