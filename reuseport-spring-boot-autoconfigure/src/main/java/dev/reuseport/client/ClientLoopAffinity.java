package dev.reuseport.client;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import dev.reuseport.server.ReuseportWebServer;
import org.jspecify.annotations.Nullable;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * Keeps the HTTP calls that request handlers make through Reactor Netty's
 * {@link HttpClient} on the event loop of the listener that serves the request: the
 * connection is opened on that loop, or reused from a pool of that loop's connections, so
 * the call and its response run where the request runs. Calls made on any other thread
 * keep the application's loops and pool.
 * <p>
 * An {@link HttpClient} gets this behaviour from {@link #connectionProvider} and
 * {@link #loopResources}, which wrap the resources it would otherwise use:
 * {@code HttpClient.create(affinity.connectionProvider(provider)).runOn(affinity.loopResources(loops))}.
 * Only HTTP/1.1 connections are kept per loop; HTTP/2 and HTTP/3 clients pool as Reactor
 * Netty does.
 *
 * @since 0.1.0
 */
public final class ClientLoopAffinity implements AutoCloseable {

	private final ListenerLoopLookup lookup;

	private final ClientCallCounts counts = new ClientCallCounts();

	private final Map<ConnectionProvider, LoopAffineConnectionProvider> providers = new ConcurrentHashMap<>();

	private final Map<LoopResources, LoopAffineLoopResources> loopResources = new ConcurrentHashMap<>();

	/**
	 * Create a new instance.
	 * @param server supplies the running reuseport server, or {@code null} while none
	 * runs; it is asked on each call
	 */
	public ClientLoopAffinity(Supplier<@Nullable ReuseportWebServer> server) {
		this.lookup = new ListenerLoopLookup(server);
	}

	/**
	 * Return a connection provider that pools connections per listener loop, and uses
	 * {@code fallback} for calls made on other threads. The same fallback always gives
	 * the same provider.
	 * @param fallback the provider the client would otherwise use
	 * @return the loop-affine provider
	 */
	public ConnectionProvider connectionProvider(ConnectionProvider fallback) {
		if (fallback instanceof LoopAffineConnectionProvider) {
			return fallback;
		}
		return this.providers.computeIfAbsent(fallback,
				(key) -> new LoopAffineConnectionProvider(key, this.lookup, this.counts));
	}

	/**
	 * Return loop resources that open a connection on the caller's listener loop, and use
	 * {@code fallback} for calls made on other threads.
	 * @param fallback the loop resources the client would otherwise use
	 * @return the loop-affine loop resources
	 */
	public LoopResources loopResources(LoopResources fallback) {
		if (fallback instanceof LoopAffineLoopResources) {
			return fallback;
		}
		return this.loopResources.computeIfAbsent(fallback, (key) -> new LoopAffineLoopResources(key, this.lookup));
	}

	/**
	 * Return the counts of the calls made through the providers of this instance.
	 * @return the call counts
	 */
	public ClientCallCounts getCounts() {
		return this.counts;
	}

	/**
	 * Dispose the per-loop pools of every provider; the fallback providers and loops stay
	 * with their owners.
	 */
	@Override
	public void close() {
		Mono.when(this.providers.values().stream().map(ConnectionProvider::disposeLater).toList()).block();
		this.providers.clear();
		this.loopResources.clear();
	}

}
