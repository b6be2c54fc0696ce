package dev.reuseport.client;

import java.net.SocketAddress;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

import reactor.netty.resources.ConnectionPoolMetrics;
import reactor.netty.resources.ConnectionProvider;

/**
 * Reactor Netty's own record of the connection pools a provider creates and disposes: a
 * provider built with {@code metrics(true, () -> recordedPools)} calls it for each pool
 * of a remote address, and so does every provider built from its
 * {@link ConnectionProvider#mutate() settings}, as the per-loop pools are.
 */
class RecordedPools implements ConnectionProvider.MeterRegistrar {

	private final Map<String, String> live = new ConcurrentHashMap<>();

	private final Set<String> created = ConcurrentHashMap.newKeySet();

	@Override
	public void registerMetrics(String poolName, String id, SocketAddress remoteAddress,
			ConnectionPoolMetrics metrics) {
		this.live.put(poolName + "#" + id, poolName);
		this.created.add(poolName);
	}

	@Override
	public void deRegisterMetrics(String poolName, String id, SocketAddress remoteAddress) {
		this.live.remove(poolName + "#" + id);
	}

	/**
	 * Return the names of the providers that have created a pool.
	 * @return the provider names
	 */
	Set<String> created() {
		return Set.copyOf(this.created);
	}

	/**
	 * Return the names of the providers whose pools are not yet disposed.
	 * @return the provider names
	 */
	Set<String> live() {
		return this.live.values().stream().collect(Collectors.toUnmodifiableSet());
	}

}
