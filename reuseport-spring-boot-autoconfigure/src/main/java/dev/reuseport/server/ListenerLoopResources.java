package dev.reuseport.server;

import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
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
 */
class ListenerLoopResources implements LoopResources {

	private final EventLoop select;

	private final EventLoopGroup children;

	ListenerLoopResources(EventLoop select, EventLoopGroup children) {
		this.select = select;
		this.children = children;
	}

	@Override
	public EventLoopGroup onServer(boolean useNative) {
		return this.children;
	}

	@Override
	public EventLoopGroup onServerSelect(boolean useNative) {
		return this.select;
	}

}
