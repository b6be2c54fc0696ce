package dev.reuseport.server;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketReadMode;
import io.netty.channel.unix.FileDescriptor;

/**
 * The handler of a {@link HandoverRequest}'s connection (see {@link HandoverLine} for the
 * protocol): asks for the listeners on an address, then reads the descriptors, in
 * {@code FILE_DESCRIPTORS} read mode from {@code READY} until the last one. Confined to
 * the connection's loop but for its futures and the fields that the request reads.
 */
final class HandoverReceiver extends ChannelInboundHandlerAdapter {

	private final InetSocketAddress address;

	private final CompletableFuture<List<FileDescriptor>> descriptors = new CompletableFuture<>();

	private final CompletableFuture<Void> released = new CompletableFuture<>();

	private final List<FileDescriptor> received = new ArrayList<>();

	private volatile long process = -1;

	private int offered;

	private volatile List<String> indexes = List.of();

	HandoverReceiver(InetSocketAddress address) {
		this.address = address;
	}

	/**
	 * Return the descriptors, once all have arrived.
	 * @return a future of the descriptors, failed with the reason when none come
	 */
	CompletableFuture<List<FileDescriptor>> descriptors() {
		return this.descriptors;
	}

	/**
	 * Return when the other process has closed its descriptors, or is gone.
	 * @return a future that completes then
	 */
	CompletableFuture<Void> released() {
		return this.released;
	}

	/**
	 * Return the process at the other end.
	 * @return its id, or -1 before the connection is active
	 */
	long process() {
		return this.process;
	}

	/**
	 * Return the indexes of the other process's listeners that it offered.
	 * @return the indexes, as that process numbers its listeners
	 */
	List<String> indexes() {
		return this.indexes;
	}

	@Override
	public void channelActive(ChannelHandlerContext context) {
		EpollDomainSocketChannel connection = (EpollDomainSocketChannel) context.channel();
		HandoverChannels.Peer peer = HandoverChannels.Peer.of(connection);
		this.process = peer.pid();
		if (peer.refusal() != null) {
			fail(context, peer.refusal());
			return;
		}
		context.writeAndFlush(HandoverLine.request(this.address));
	}

	@Override
	public void channelRead(ChannelHandlerContext context, Object message) {
		if (message instanceof FileDescriptor descriptor) {
			descriptorReceived(context, descriptor);
			return;
		}
		HandoverLine line = HandoverLine.parse((String) message);
		try {
			if (line.is(HandoverLine.OFFER) && this.offered == 0) {
				offered(context, line);
			}
			else if (line.is(HandoverLine.REFUSED)) {
				fail(context, "it refused: " + line.text(0));
			}
			else if (line.is(HandoverLine.RELEASED)) {
				this.released.complete(null);
				context.close();
			}
			else {
				fail(context, "it sent " + line + " out of turn");
			}
		}
		catch (IllegalArgumentException ex) {
			fail(context, ex.getMessage());
		}
	}

	private void offered(ChannelHandlerContext context, HandoverLine offer) {
		String transport = offer.word(1);
		int count = (int) offer.number(2);
		List<String> indexes = List.of(offer.word(3).split(","));
		if (indexes.size() != count) {
			throw new IllegalArgumentException("Malformed handover line: " + offer);
		}
		if (!ListenerTransport.EPOLL.id().equals(transport) || count < 1) {
			fail(context, "it offered " + count + " " + transport + " listeners, and only epoll listeners can "
					+ "be adopted");
			return;
		}
		this.offered = count;
		this.indexes = indexes;
		// From here to the last descriptor, no read may take the text and drop them
		((EpollDomainSocketChannel) context.channel()).config().setReadMode(DomainSocketReadMode.FILE_DESCRIPTORS);
		context.writeAndFlush(HandoverLine.of(HandoverLine.READY));
	}

	private synchronized void descriptorReceived(ChannelHandlerContext context, FileDescriptor descriptor) {
		if (this.descriptors.isDone()) {
			AdoptedSocket.close(descriptor.intValue());
			return;
		}
		this.received.add(descriptor);
		if (this.received.size() == this.offered) {
			((EpollDomainSocketChannel) context.channel()).config().setReadMode(DomainSocketReadMode.BYTES);
			this.descriptors.complete(List.copyOf(this.received));
		}
	}

	private void fail(ChannelHandlerContext context, String why) {
		if (this.descriptors.completeExceptionally(new IllegalStateException(why))) {
			closeReceived();
		}
		context.close();
	}

	/**
	 * Give up waiting: close the descriptors received so far, and the connection.
	 */
	void abandon() {
		if (this.descriptors.completeExceptionally(new IllegalStateException("abandoned"))) {
			closeReceived();
		}
	}

	private synchronized void closeReceived() {
		this.received.forEach((descriptor) -> AdoptedSocket.close(descriptor.intValue()));
	}

	@Override
	public void channelInactive(ChannelHandlerContext context) {
		fail(context, "it closed the connection");
		// Gone: its descriptors are closed
		this.released.complete(null);
	}

	@Override
	public void exceptionCaught(ChannelHandlerContext context, Throwable cause) {
		fail(context, "the connection failed: " + cause);
	}

}
