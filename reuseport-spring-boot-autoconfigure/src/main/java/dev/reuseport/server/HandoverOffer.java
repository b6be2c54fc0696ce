package dev.reuseport.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
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
final class HandoverOffer implements HandoverSession.Offer {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	private final Path path;

	private final Duration timeout;

	private final HandoverSession.Listeners listeners;

	private final LongConsumer handedOver;

	private final IoEventLoopGroup loop;

	private volatile @Nullable Channel channel;

	// The handover under way, if any
	private final AtomicReference<@Nullable HandoverSession> session = new AtomicReference<>();

	private HandoverOffer(Path path, Duration timeout, HandoverSession.Listeners listeners, LongConsumer handedOver) {
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
	static @Nullable HandoverOffer open(Path path, Duration timeout, HandoverSession.Listeners listeners,
			LongConsumer handedOver) {
		String occupied = HandoverChannels.occupied(path);
		if (occupied != null) {
			logger.warn("This server does not offer its listeners on the handover socket " + path + ": " + occupied
					+ ". The process that replaces this one will bind listeners of its own");
			return null;
		}
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
			.childHandler(HandoverChannels.initializer(() -> new HandoverSession(this)))
			.bind(new DomainSocketAddress(this.path.toFile()))
			.syncUninterruptibly()
			.channel();
		this.channel = channel;
		// Before this, the kernel's check of each peer's user is what keeps others out
		Files.setPosixFilePermissions(this.path, PosixFilePermissions.fromString("rw-------"));
	}

	@Override
	public @Nullable HandoverSession begin(HandoverSession session) {
		return this.session.compareAndExchange(null, session);
	}

	@Override
	public void end(HandoverSession session) {
		this.session.compareAndSet(session, null);
	}

	@Override
	public Duration timeout() {
		return this.timeout;
	}

	@Override
	public HandoverSession.Listeners listeners() {
		return this.listeners;
	}

	@Override
	public void stopListening() {
		closeChannel();
	}

	@Override
	public void handedOver(long process) {
		this.handedOver.accept(process);
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

}
