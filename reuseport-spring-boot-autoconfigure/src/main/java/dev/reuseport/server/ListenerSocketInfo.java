package dev.reuseport.server;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

import io.netty.channel.Channel;
import io.netty.channel.unix.RawUnixChannelOption;
import io.netty.channel.unix.UnixChannel;

/**
 * Reads facts about a listening socket from the socket itself, with {@code getsockopt},
 * rather than by parsing {@code ss} output. Netty's epoll and io_uring channels both pass
 * a {@link RawUnixChannelOption} to {@code getsockopt} on their socket.
 */
final class ListenerSocketInfo {

	/**
	 * {@code getsockopt(fd, IPPROTO_TCP, TCP_INFO)}; the first 104 bytes of
	 * {@code struct tcp_info} hold every field read here.
	 */
	private static final RawUnixChannelOption TCP_INFO = new RawUnixChannelOption("TCP_INFO", 6, 11, 104);

	/**
	 * For a listening socket, {@code tcpi_unacked} is the current accept-queue length.
	 */
	private static final int TCPI_UNACKED_OFFSET = 24;

	/**
	 * For a listening socket, {@code tcpi_sacked} is the accept-queue limit (backlog).
	 */
	private static final int TCPI_SACKED_OFFSET = 28;

	private ListenerSocketInfo() {
	}

	/**
	 * Read the accept queue of an open native listening channel.
	 * @param channel the listening channel, possibly {@code null} or closed
	 * @return the accept queue, or empty when it cannot be read
	 */
	static Optional<AcceptQueue> acceptQueue(Channel channel) {
		if (!(channel instanceof UnixChannel) || !channel.isOpen()) {
			return Optional.empty();
		}
		try {
			ByteBuffer tcpInfo = channel.config().getOption(TCP_INFO).order(ByteOrder.nativeOrder());
			return Optional
				.of(new AcceptQueue(tcpInfo.getInt(TCPI_UNACKED_OFFSET), tcpInfo.getInt(TCPI_SACKED_OFFSET)));
		}
		catch (RuntimeException ex) {
			// The socket closed between the check and the read
			return Optional.empty();
		}
	}

	/**
	 * Return the file descriptor of a native listening channel.
	 * @param channel the listening channel
	 * @return the file descriptor, or -1 when it is not an open native channel
	 */
	static int fileDescriptor(Channel channel) {
		if (channel instanceof UnixChannel unixChannel && channel.isOpen()) {
			return unixChannel.fd().intValue();
		}
		return -1;
	}

}
