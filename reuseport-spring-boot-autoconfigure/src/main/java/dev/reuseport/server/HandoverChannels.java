package dev.reuseport.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.concurrent.ThreadFactory;
import java.util.function.Supplier;
import java.util.stream.Stream;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.PeerCredentials;
import io.netty.handler.codec.LineBasedFrameDecoder;
import io.netty.handler.codec.string.StringDecoder;
import io.netty.handler.codec.string.StringEncoder;
import io.netty.util.concurrent.DefaultThreadFactory;
import org.jspecify.annotations.Nullable;

/**
 * What the two sides of a handover share: the event loop of their Unix domain socket, its
 * pipeline, which speaks {@link HandoverLine lines}, and the check that the other side
 * runs as the same user.
 */
final class HandoverChannels {

	// The file type bits of st_mode, and the type of a socket
	private static final int S_IFMT = 0170000;

	private static final int S_IFSOCK = 0140000;

	// __SO_ACCEPTCON in the Flags column of /proc/net/unix
	private static final String LISTENING = "00010000";

	private HandoverChannels() {
	}

	/**
	 * Return why a handover socket may not be bound at a path, where Netty's bind would
	 * first remove whatever is there.
	 * @param path the path
	 * @return the reason, or {@code null} when nothing is there or only a socket that no
	 * process listens on any more
	 */
	static @Nullable String occupied(Path path) {
		try {
			if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
				return null;
			}
			int mode = (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
			if ((mode & S_IFMT) != S_IFSOCK) {
				return "it is not a socket; choose a path that nothing else uses";
			}
			return listenedOn(path) ? "another process offers its listeners on it" : null;
		}
		catch (IOException | UncheckedIOException ex) {
			return "it cannot be read (" + ex.getMessage() + ")";
		}
	}

	private static boolean listenedOn(Path path) throws IOException {
		String name = path.toAbsolutePath().toString();
		try (Stream<String> lines = Files.lines(Path.of("/proc/net/unix"))) {
			return lines.skip(1)
				.map((line) -> line.trim().split("\\s+"))
				.anyMatch((fields) -> fields.length > 7 && LISTENING.equals(fields[3]) && name.equals(fields[7]));
		}
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
	 * The process at the other end of a handover connection, by the credentials that the
	 * kernel gives of it ({@code SO_PEERCRED}).
	 *
	 * @param pid its process id, or -1 when they cannot be read
	 * @param refusal why it may not take part in a handover with this process, or
	 * {@code null} when it runs as this process's user
	 */
	record Peer(long pid, @Nullable String refusal) {

		/**
		 * Read the credentials of the other end of a connection.
		 * @param channel the connection
		 * @return the other process
		 */
		static Peer of(EpollDomainSocketChannel channel) {
			try {
				PeerCredentials peer = channel.peerCredentials();
				long self = AdoptedSocket.currentUser();
				return new Peer(peer.pid(),
						(peer.uid() == self) ? null : "process %d runs as user %d, not as this process's user %d"
							.formatted(peer.pid(), peer.uid(), self));
			}
			catch (IOException ex) {
				return new Peer(-1, "the credentials of the other process cannot be read (" + ex.getMessage() + ")");
			}
		}

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
