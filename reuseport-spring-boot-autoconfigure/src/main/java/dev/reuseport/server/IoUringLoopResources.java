package dev.reuseport.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.socket.ServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * {@link LoopResources} that runs a listener on one Netty 4.2 io_uring event loop, with
 * the io_uring channel classes.
 * <p>
 * Reactor Netty 1.3 picks a channel class from the type of the loop
 * ({@code reactor.netty.resources.DefaultLoopNativeDetector#forGroup} in
 * reactor-netty-core 1.3.7). Its io_uring choice, {@code DefaultLoopIOUring}, knows only
 * the incubator transport ({@code io.netty.incubator.channel.uring}); epoll and NIO
 * accept a loop only when it is compatible with their own handles. An
 * {@link IoUringIoHandler} loop therefore fails there with "Unsupported event loop
 * group", and {@link LoopResources#onChannel} and {@link LoopResources#onChannelClass}
 * are overridden here instead. The loop is owned by its listener, so disposing these
 * resources does nothing.
 */
final class IoUringLoopResources implements LoopResources {

	private final EventLoopGroup loop;

	IoUringLoopResources(EventLoopGroup loop) {
		this.loop = loop;
	}

	static IoHandlerFactory ioHandlerFactory() {
		return IoUringIoHandler.newFactory();
	}

	static HttpServer runOn(HttpServer httpServer, EventLoopGroup loop) {
		return httpServer.runOn(new IoUringLoopResources(loop));
	}

	@Override
	public EventLoopGroup onServer(boolean useNative) {
		return this.loop;
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
