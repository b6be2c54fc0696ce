package dev.reuseport.client;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.reuseport.server.CurrentListenerLoop;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.resources.LoopResources;

/**
 * Client {@link LoopResources} that open a connection on the listener loop of the thread
 * that makes the call, and defer to the application's loop resources on any other thread.
 * <p>
 * Reactor Netty already colocates: {@code PooledConnectionProvider.acquire}
 * (reactor-netty core 1.3.7) asks {@code onClient} for the group, and when that is a
 * {@link LoopResources#colocate colocated} group it connects on the caller's own loop of
 * that group. The application's group does not contain the listener loops, so on a
 * listener loop {@code onClient} answers with that loop alone, colocated. The channel
 * class follows the group, and the listener's transport names it
 * ({@link CurrentListenerLoop#channels()}), because Reactor Netty 1.3 has no channel
 * class for Netty 4.2's io_uring loops.
 * <p>
 * The loops belong to the server and the fallback to the application, so disposing these
 * resources disposes neither.
 */
final class LoopAffineLoopResources implements LoopResources {

	private final LoopResources fallback;

	private final ListenerLoopLookup lookup;

	private final Map<EventLoop, ListenerGroup> groups = new ConcurrentHashMap<>();

	LoopAffineLoopResources(LoopResources fallback, ListenerLoopLookup lookup) {
		this.fallback = fallback;
		this.lookup = lookup;
	}

	@Override
	public EventLoopGroup onClient(boolean useNative) {
		CurrentListenerLoop caller = this.lookup.current();
		if (caller == null) {
			return this.fallback.onClient(useNative);
		}
		ListenerGroup group = this.groups.get(caller.eventLoop());
		return (group != null) ? group.colocated() : newGroup(caller).colocated();
	}

	private ListenerGroup newGroup(CurrentListenerLoop caller) {
		EventLoop loop = caller.eventLoop();
		// Created on the loop itself, so the colocated group knows its loop at once
		ListenerGroup group = new ListenerGroup(LoopResources.colocate(loop), caller.channels());
		this.groups.put(loop, group);
		loop.terminationFuture().addListener((future) -> this.groups.remove(loop));
		return group;
	}

	@Override
	public <C extends Channel> C onChannel(Class<C> channelType, EventLoopGroup group) {
		LoopResources channels = channelsFor(group);
		return (channels != null) ? channels.onChannel(channelType, group)
				: this.fallback.onChannel(channelType, group);
	}

	@Override
	public <C extends Channel> Class<? extends C> onChannelClass(Class<C> channelType, EventLoopGroup group) {
		LoopResources channels = channelsFor(group);
		return (channels != null) ? channels.onChannelClass(channelType, group)
				: this.fallback.onChannelClass(channelType, group);
	}

	private @Nullable LoopResources channelsFor(EventLoopGroup group) {
		for (ListenerGroup listenerGroup : this.groups.values()) {
			if (listenerGroup.colocated() == group) {
				return listenerGroup.channels();
			}
		}
		return null;
	}

	@Override
	public EventLoopGroup onServer(boolean useNative) {
		return this.fallback.onServer(useNative);
	}

	@Override
	public EventLoopGroup onServerSelect(boolean useNative) {
		return this.fallback.onServerSelect(useNative);
	}

	@Override
	public boolean daemon() {
		return this.fallback.daemon();
	}

	@Override
	public boolean isDisposed() {
		return this.fallback.isDisposed();
	}

	@Override
	public void dispose() {
	}

	@Override
	public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
		return Mono.empty();
	}

	/**
	 * A listener loop as a colocated client group, and the loop resources that name the
	 * channel classes of its transport.
	 */
	private record ListenerGroup(EventLoopGroup colocated, LoopResources channels) {

	}

}
