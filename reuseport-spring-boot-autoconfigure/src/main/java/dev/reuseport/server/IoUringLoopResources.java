package dev.reuseport.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import reactor.netty.resources.LoopResources;

/**
 * {@link ListenerLoopResources} for listeners on Netty 4.2 io_uring event loops, with the
 * io_uring channel classes.
 * <p>
 * Reactor Netty 1.3 picks a channel class from the type of the loop
 * ({@code reactor.netty.resources.DefaultLoopNativeDetector#forGroup} in
 * reactor-netty-core 1.3.7). Its io_uring choice, {@code DefaultLoopIOUring}, knows only
 * the incubator transport ({@code io.netty.incubator.channel.uring}); epoll and NIO
 * accept a loop only when it is compatible with their own handles. An
 * {@link IoUringIoHandler} loop therefore fails there with "Unsupported event loop
 * group", and {@link LoopResources#onChannel} and {@link LoopResources#onChannelClass}
 * are overridden here instead.
 */
final class IoUringLoopResources extends ListenerLoopResources {

	static {
		// Before Netty's io_uring classes read it, for servers built without
		// SpringApplication
		IoUringAcceptMode.preferSingleShot();
	}

	private IoUringLoopResources(EventLoop select, EventLoopGroup children) {
		super(select, children);
	}

	/**
	 * Return loop resources with the io_uring channel classes.
	 * @param select the listener's loop, where the listening socket runs
	 * @param children the group that chooses the loop of each connection
	 * @return the loop resources
	 */
	static LoopResources of(EventLoop select, EventLoopGroup children) {
		return new IoUringLoopResources(select, children);
	}

	static IoHandlerFactory ioHandlerFactory() {
		return IoUringIoHandler.newFactory();
	}

	/**
	 * Return whether Netty's io_uring accepts are multishot (see
	 * {@link IoUringAcceptMode}), because the application asked for them or because
	 * Netty's io_uring classes initialized before the starter could ask for single-shot
	 * ones.
	 * @return whether the accepts are multishot
	 */
	static boolean isAcceptMultishot() {
		return IoUring.isAcceptMultishotEnabled();
	}

	@Override
	@SuppressWarnings("unchecked")
	public <CHANNEL extends Channel> CHANNEL onChannel(Class<CHANNEL> channelType, EventLoopGroup group) {
		if (channelType.equals(ServerSocketChannel.class)) {
			return (CHANNEL) new IoUringServerSocketChannel();
		}
		if (channelType.equals(SocketChannel.class)) {
			return (CHANNEL) new IoUringSocketChannel();
		}
		throw new IllegalArgumentException("Unsupported channel type for io_uring listeners: " + channelType.getName());
	}

	@Override
	@SuppressWarnings("unchecked")
	public <CHANNEL extends Channel> Class<? extends CHANNEL> onChannelClass(Class<CHANNEL> channelType,
			EventLoopGroup group) {
		if (channelType.equals(ServerSocketChannel.class)) {
			return (Class<? extends CHANNEL>) IoUringServerSocketChannel.class;
		}
		if (channelType.equals(SocketChannel.class)) {
			return (Class<? extends CHANNEL>) IoUringSocketChannel.class;
		}
		throw new IllegalArgumentException("Unsupported channel type for io_uring listeners: " + channelType.getName());
	}

}
