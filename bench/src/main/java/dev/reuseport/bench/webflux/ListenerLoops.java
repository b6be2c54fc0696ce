package dev.reuseport.bench.webflux;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import reactor.netty.DisposableServer;

/**
 * The names of the event loop threads that hold the server's listening sockets, filled in
 * as each socket is bound.
 */
class ListenerLoops {

	private final List<String> names = new CopyOnWriteArrayList<>();

	/**
	 * Record the loop of a bound server. The name is read on the loop itself, because a
	 * Netty event loop does not expose its thread.
	 * @param server the bound server
	 */
	void bound(DisposableServer server) {
		server.channel().eventLoop().execute(() -> this.names.add(Thread.currentThread().getName()));
	}

	List<String> names() {
		return List.copyOf(this.names);
	}

}
