package dev.reuseport.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;
import io.netty.channel.epoll.EpollIoHandler;

/**
 * What the two sides of a handover share: the event loop of their Unix domain socket, its
 * pipeline, which speaks {@link HandoverLine lines}, and the check that the other side
 * runs as the same user.
 */
final class HandoverChannels {

	private HandoverChannels() {
	}

	/**
	 * Create the one-thread epoll group of a handover socket, on a daemon thread: it
	 * never keeps the JVM alive.
	 * @param threadName the name of the thread
	 * @return the group
	 */
	static IoEventLoopGroup newLoop(String threadName) {
		ThreadFactory threads = new DefaultThreadFactory(threadName, true);
		return new MultiThreadIoEventLoopGroup(1, threads, EpollIoHandler.newFactory());
	}

	/**
	 * Return the initializer of handover connections: lines in and out, then the side's
	 * handler.
	 * @param handler supplies the handler of each connection
	 * @return the initializer
	 */
	static ChannelHandler initializer(Supplier<ChannelHandler> handler) {
		return new Initializer(handler);
	}

	/**
	 * Return why the process at the other end of a connection may not take part in a
	 * handover with this one, by the credentials that the kernel gives of it.
	 * @param channel the connection
	 * @return the reason, or {@code null} when it runs as this process's user
	 */
	static @Nullable String otherUser(EpollDomainSocketChannel channel) {
		try {
			PeerCredentials peer = channel.peerCredentials();
			long self = currentUser();
			return (peer.uid() == self) ? null : "process %d runs as user %d, not as this process's user %d"
				.formatted(peer.pid(), peer.uid(), self);
		}
		catch (IOException ex) {
			return "the credentials of the other process cannot be read (" + ex.getMessage() + ")";
		}
	}

	/**
	 * Return the id of the process at the other end of a connection.
	 * @param channel the connection
	 * @return the process id, or -1 when it cannot be read
	 */
	static long peerPid(EpollDomainSocketChannel channel) {
		try {
			return channel.peerCredentials().pid();
		}
		catch (IOException ex) {
			return -1;
		}
	}

	/**
	 * Return the real user id of this process.
	 * @return the user id
	 * @throws IOException if {@code /proc} cannot be read
	 */
	static long currentUser() throws IOException {
		return ((Number) Files.getAttribute(Path.of("/proc/self"), "unix:uid")).longValue();
	}

	/**
	 * Sets up the pipeline of a handover connection.
	 */
	static final class Initializer extends ChannelInitializer<Channel> {

		private final Supplier<ChannelHandler> handler;

		Initializer(Supplier<ChannelHandler> handler) {
			this.handler = handler;
		}

		@Override
		protected void initChannel(Channel channel) {
			channel.pipeline()
				.addLast(new LineBasedFrameDecoder(HandoverLine.MAX_LENGTH),
						new StringDecoder(StandardCharsets.US_ASCII), new StringEncoder(StandardCharsets.US_ASCII),
						this.handler.get());
		}

	}

}
