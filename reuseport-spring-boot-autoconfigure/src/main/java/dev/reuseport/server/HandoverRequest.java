package dev.reuseport.server;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.FileDescriptor;
import org.apache.commons.logging.Log;
import org.jspecify.annotations.Nullable;

/**
 * The new side of a handover: asks the process that listens on the handover socket for
 * its listening sockets on the server's address (see {@link HandoverLine} for the
 * protocol), and checks each descriptor it receives. Whatever goes wrong, the answer is
 * that this process binds listeners of its own, with a warning that says why, and the old
 * process keeps its sockets.
 */
final class HandoverRequest {

	// The server's own category, which users already filter on
	private static final Log logger = ServerLog.get();

	private HandoverRequest() {
	}

	/**
	 * Ask for the listening sockets of the process that offers them on a handover socket.
	 * @param path the path of the handover socket
	 * @param address the server's address and port
	 * @param timeout how long to wait for the sockets
	 * @return the sockets received, or {@code null} when none is offered: no process
	 * listens on the path, it refused, or no socket passed the checks
	 */
	static @Nullable Received ask(Path path, InetSocketAddress address, Duration timeout) {
		if (!Files.exists(path)) {
			logger.debug("No handover socket at " + path + ": binding new listeners");
			return null;
		}
		IoEventLoopGroup loop = HandoverChannels.newLoop("reuseport-handover-request");
		HandoverReceiver receiver = new HandoverReceiver(address);
		Channel channel = null;
		try {
			channel = connect(loop, path, receiver);
			List<FileDescriptor> descriptors = receiver.descriptors().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
			Received received = check(descriptors, address, receiver, channel, loop);
			if (received == null) {
				loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
			}
			return received;
		}
		catch (ExecutionException ex) {
			logger.warn("Process " + receiver.process() + " gave no listeners over the handover socket " + path
					+ ", as " + ex.getCause().getMessage() + ". Binding new listeners");
		}
		catch (TimeoutException ex) {
			logger.warn("Process " + receiver.process() + " gave no listeners over the handover socket " + path
					+ " within " + timeout.toMillis() + " ms. Binding new listeners");
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (Exception ex) {
			// Netty throws the connect's native exception, checked or not
			if (!(ex instanceof ConnectException)) {
				throw new IllegalStateException("Could not ask for listeners on the handover socket " + path, ex);
			}
			logger.warn("No process offers listeners on the handover socket " + path + " (" + ex.getMessage()
					+ "): the process that offered them is gone. Binding new listeners");
		}
		receiver.abandon();
		if (channel != null) {
			channel.close();
		}
		loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
		return null;
	}

	private static Channel connect(IoEventLoopGroup loop, Path path, HandoverReceiver receiver) {
		return new Bootstrap().group(loop)
			.channelFactory(EpollDomainSocketChannel::new)
			.handler(HandoverChannels.initializer(() -> receiver))
			.connect(new DomainSocketAddress(path.toFile()))
			.syncUninterruptibly()
			.channel();
	}

	private static @Nullable Received check(List<FileDescriptor> descriptors, InetSocketAddress address,
			HandoverReceiver receiver, Channel channel, IoEventLoopGroup loop) {
		List<AdoptedSocket> sockets = new ArrayList<>();
		List<String> refusals = new ArrayList<>();
		for (FileDescriptor descriptor : descriptors) {
			try {
				sockets.add(AdoptedSocket.check(descriptor.intValue(), address,
						SocketOrigin.adoptedFrom(receiver.process()), true));
			}
			catch (AdoptedSocket.RefusedException ex) {
				refusals.add(ex.getMessage());
				AdoptedSocket.close(descriptor.intValue());
			}
		}
		if (!refusals.isEmpty()) {
			logger.warn("Refused %d of the %d descriptors that process %d handed over: %s".formatted(refusals.size(),
					descriptors.size(), receiver.process(), String.join("; ", refusals)));
		}
		Received received = new Received(receiver, sockets, channel, loop);
		if (sockets.isEmpty()) {
			received.decline("no descriptor passed the checks: " + String.join("; ", refusals));
			return null;
		}
		return received;
	}

	/**
	 * The sockets received from the old process, until this process says whether it
	 * adopted them.
	 */
	static final class Received {

		private final HandoverReceiver receiver;

		private final List<AdoptedSocket> sockets;

		private final Channel channel;

		private final IoEventLoopGroup loop;

		private Received(HandoverReceiver receiver, List<AdoptedSocket> sockets, Channel channel,
				IoEventLoopGroup loop) {
			this.receiver = receiver;
			this.sockets = List.copyOf(sockets);
			this.channel = channel;
			this.loop = loop;
		}

		/**
		 * Return the process that handed the sockets over.
		 * @return the process id
		 */
		long process() {
			return this.receiver.process();
		}

		/**
		 * Return the indexes of the old process's listeners whose sockets were handed
		 * over.
		 * @return the indexes, as the old process numbers its listeners
		 */
		List<String> indexes() {
			return this.receiver.indexes();
		}

		/**
		 * Return the sockets that passed the checks, in the old process's listener order.
		 * @return the sockets
		 */
		List<AdoptedSocket> sockets() {
			return this.sockets;
		}

		/**
		 * Tell the old process that the sockets are adopted, so that it closes its
		 * descriptors and drains.
		 * @param released run once the old process has closed its descriptors, or is gone
		 */
		void adopted(Runnable released) {
			this.receiver.released().whenComplete((result, ex) -> {
				released.run();
				this.loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
			});
			this.channel.writeAndFlush(HandoverLine.of(HandoverLine.ADOPTED, this.sockets.size()));
		}

		/**
		 * Tell the old process that the sockets are not adopted, so that it serves on,
		 * and close those that no listener took.
		 * @param why the reason, for the old process's log
		 */
		void decline(String why) {
			this.sockets.forEach(AdoptedSocket::closeUnlessTaken);
			this.channel.writeAndFlush(HandoverLine.of(HandoverLine.DECLINED, why))
				.addListener(ChannelFutureListener.CLOSE);
			this.loop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
		}

	}

}
