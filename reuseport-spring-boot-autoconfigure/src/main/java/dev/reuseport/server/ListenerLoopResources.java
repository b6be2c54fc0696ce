package dev.reuseport.server;

import java.net.SocketAddress;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import org.jspecify.annotations.Nullable;
import reactor.netty.resources.LoopResources;

/**
 * Loop resources that put a listening socket on its listener's loop and let the balancer
 * choose the loop of each connection. Reactor Netty 1.3 takes the two apart
 * (reactor-netty-core {@code ServerTransportConfig.eventLoopGroup()} returns
 * {@code LoopResources.onServerSelect} and {@code childEventLoopGroup()} returns
 * {@code onServer}); {@code ServerTransport.bind} hands the latter to its
 * {@code Acceptor}, whose {@code channelRead} sets the child options and attributes and
 * then calls {@code childGroup.register(child)}, and nothing else. The channel class
 * comes from the select group ({@code TransportConfig.connectionFactory} calls
 * {@code LoopResources.onChannel}, which asks {@code DefaultLoopNativeDetector} about
 * that group): an epoll loop gives an {@code EpollServerSocketChannel}, and its children
 * are {@code EpollSocketChannel}s whatever the child group is. The loops are owned by
 * their listeners, so disposing these resources does nothing.
 * <p>
 * For a listener that adopts a socket that is already listening, the channel wraps that
 * socket instead ({@code new EpollServerSocketChannel(fd)}, which Netty counts as active
 * since the socket has no error), and the bind that Reactor Netty's
 * {@code TransportConnector.bind} always sends through the new channel's pipeline is
 * completed there without reaching {@code bind(2)}. Registering the active channel starts
 * its accepts.
 */
class ListenerLoopResources implements LoopResources {

	private final EventLoop select;

	private final EventLoopGroup children;

	private final @Nullable AdoptedSocket adopted;

	ListenerLoopResources(EventLoop select, EventLoopGroup children) {
		this(select, children, null);
	}

	ListenerLoopResources(EventLoop select, EventLoopGroup children, @Nullable AdoptedSocket adopted) {
		this.select = select;
		this.children = children;
		this.adopted = adopted;
	}

	@Override
	public <C extends Channel> C onChannel(Class<C> channelType, EventLoopGroup group) {
		if (this.adopted != null && ServerChannel.class.isAssignableFrom(channelType)) {
			EpollServerSocketChannel channel = new EpollServerSocketChannel(this.adopted.take());
			channel.pipeline().addLast(new AlreadyBound());
			return channelType.cast(channel);
		}
		return LoopResources.super.onChannel(channelType, group);
	}

	@Override
	public EventLoopGroup onServer(boolean useNative) {
		return this.children;
	}

	@Override
	public EventLoopGroup onServerSelect(boolean useNative) {
		return this.select;
	}

	/**
	 * Completes the bind of a channel whose socket is already bound and listening, then
	 * leaves its pipeline.
	 */
	static final class AlreadyBound extends ChannelOutboundHandlerAdapter {

		@Override
		public void bind(ChannelHandlerContext context, SocketAddress localAddress, ChannelPromise promise) {
			context.pipeline().remove(this);
			promise.setSuccess();
		}

	}

}
