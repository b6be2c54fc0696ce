package dev.reuseport.client;

import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import dev.reuseport.server.CurrentListenerLoop;
import io.netty.channel.EventLoop;
import io.netty.resolver.AddressResolverGroup;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.Connection;
import reactor.netty.ConnectionObserver;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.transport.TransportConfig;

/**
 * {@link ConnectionProvider} with one connection pool per listener event loop: a call
 * made on a listener's loop takes a connection from that loop's pool, and calls made on
 * any other thread use the application's provider, as before.
 * <p>
 * Reactor Netty keys a pool by remote address and pipeline
 * ({@code PooledConnectionProvider.PoolKey} in reactor-netty-core 1.3.7), not by loop: a
 * pooled connection opened on one loop is handed to a caller on any other, which is why
 * plain Reactor Netty keeps only about one call in N on the caller's loop. Each loop's
 * provider here is built from the application provider's own settings
 * ({@link ConnectionProvider#mutate()}), so its limits (maximum connections, pending
 * acquires and their timeout, idle and life times) hold per loop. A provider that does
 * not pool ({@code mutate()} returns {@code null}) is used as it is: each call opens a
 * new connection, which the loop resources already put on the caller's loop.
 * <p>
 * A loop's pool is disposed on the loop when the server stops, before the loop shuts
 * down.
 */
final class LoopAffineConnectionProvider implements ConnectionProvider {

	private final ConnectionProvider fallback;

	private final ListenerLoopLookup lookup;

	private final ClientCallCounts counts;

	private final Map<EventLoop, ConnectionProvider> pools = new ConcurrentHashMap<>();

	LoopAffineConnectionProvider(ConnectionProvider fallback, ListenerLoopLookup lookup, ClientCallCounts counts) {
		this.fallback = fallback;
		this.lookup = lookup;
		this.counts = counts;
	}

	@Override
	public Mono<? extends Connection> acquire(TransportConfig config, ConnectionObserver connectionObserver,
			@Nullable Supplier<? extends SocketAddress> remoteAddress,
			@Nullable AddressResolverGroup<?> resolverGroup) {
		// Both kinds of call are counted at the same point, when the connection is
		// acquired, so a failed acquire (connect error, pool acquire timeout) counts in
		// neither
		CurrentListenerLoop caller = this.lookup.current();
		if (caller == null) {
			return this.fallback.acquire(config, connectionObserver, remoteAddress, resolverGroup)
				.doOnNext((connection) -> this.counts.calledOffListener());
		}
		ConnectionProvider pool = this.pools.get(caller.eventLoop());
		if (pool == null) {
			pool = newPool(caller);
		}
		return pool.acquire(config, connectionObserver, remoteAddress, resolverGroup)
			.doOnNext((connection) -> this.counts.called(caller.listener(),
					connection.channel().eventLoop() == caller.eventLoop()));
	}

	private ConnectionProvider newPool(CurrentListenerLoop caller) {
		Builder builder = this.fallback.mutate();
		if (builder == null) {
			return this.fallback;
		}
		EventLoop loop = caller.eventLoop();
		ConnectionProvider pool = builder.name(this.fallback.name() + ".listener-" + caller.listener()).build();
		// Only the loop's own thread creates its pool, so no other pool can race this one
		this.pools.put(loop, pool);
		// Disposed on the loop before it shuts down, so that the pool's connections
		// close while the loop runs their events, or else once it has terminated
		caller.beforeShutdown(() -> dispose(loop, pool));
		loop.terminationFuture().addListener((future) -> dispose(loop, pool));
		return pool;
	}

	private void dispose(EventLoop loop, ConnectionProvider pool) {
		if (this.pools.remove(loop, pool)) {
			pool.disposeLater().subscribe();
		}
	}

	@Override
	public Mono<Void> disposeLater() {
		return Mono.defer(() -> {
			List<Mono<Void>> disposals = new ArrayList<>();
			this.pools.forEach((loop, pool) -> {
				if (this.pools.remove(loop, pool) && pool != this.fallback) {
					disposals.add(pool.disposeLater());
				}
			});
			return Mono.when(disposals);
		});
	}

	@Override
	public void disposeWhen(SocketAddress address) {
		this.pools.values().forEach((pool) -> pool.disposeWhen(address));
		this.fallback.disposeWhen(address);
	}

	@Override
	public boolean isDisposed() {
		return this.fallback.isDisposed();
	}

	@Override
	public int maxConnections() {
		return this.fallback.maxConnections();
	}

	@Override
	public @Nullable Map<SocketAddress, Integer> maxConnectionsPerHost() {
		return this.fallback.maxConnectionsPerHost();
	}

	@Override
	public @Nullable Builder mutate() {
		return this.fallback.mutate();
	}

	@Override
	public String name() {
		return this.fallback.name();
	}

}
