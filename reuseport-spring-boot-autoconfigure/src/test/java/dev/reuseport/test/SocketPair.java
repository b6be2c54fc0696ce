package dev.reuseport.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

import dev.reuseport.server.ListenerTransport;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;

/**
 * A TCP connection on 127.0.0.1 whose one end is a Netty channel registered on a chosen
 * listener event loop and whose other end is a plain socket, for tests of what a loop
 * does with the channels registered on it.
 */
public final class SocketPair implements AutoCloseable {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private final Channel channel;

	private final Socket peer;

	private SocketPair(Channel channel, Socket peer) {
		this.channel = channel;
		this.peer = peer;
	}

	/**
	 * Connect a channel registered on {@code eventLoop} to a socket of this thread.
	 * @param eventLoop an event loop of {@code transport}
	 * @param transport the transport of the loop, whose socket channel to use
	 * @param handler the handler of the channel
	 * @return the connected pair; the caller closes it
	 */
	public static SocketPair open(EventLoop eventLoop, ListenerTransport transport, ChannelHandler handler) {
		try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			server.setSoTimeout((int) TIMEOUT.toMillis());
			Channel channel = new Bootstrap().group(eventLoop)
				.channel((transport == ListenerTransport.IO_URING) ? IoUringSocketChannel.class
						: EpollSocketChannel.class)
				.handler(handler)
				.connect(server.getLocalSocketAddress())
				.syncUninterruptibly()
				.channel();
			Socket peer = server.accept();
			peer.setSoTimeout((int) TIMEOUT.toMillis());
			return new SocketPair(channel, peer);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Return the Netty end of the connection.
	 * @return the channel
	 */
	public Channel channel() {
		return this.channel;
	}

	/**
	 * Return the other end of the connection, which reads what the channel writes and the
	 * end of stream once it closes; reads time out after 10 seconds.
	 * @return the socket
	 */
	public Socket peer() {
		return this.peer;
	}

	@Override
	public void close() throws IOException {
		this.channel.close();
		this.peer.close();
	}

}
