package dev.reuseport.client;

import java.util.function.Supplier;

import dev.reuseport.server.CurrentListenerLoop;
import dev.reuseport.server.ReuseportWebServer;
import org.jspecify.annotations.Nullable;

/**
 * Tells whether the current thread runs the event loop of one of the running server's
 * listeners. The server is looked up on each call, because it is created after the
 * clients and its loops are created again on each start.
 */
final class ListenerLoopLookup {

	private final Supplier<@Nullable ReuseportWebServer> server;

	ListenerLoopLookup(Supplier<@Nullable ReuseportWebServer> server) {
		this.server = server;
	}

	/**
	 * Return the listener loop the current thread runs.
	 * @return the loop, or {@code null} when the current thread runs no listener's loop
	 */
	@Nullable CurrentListenerLoop current() {
		ReuseportWebServer server = this.server.get();
		return (server != null) ? CurrentListenerLoop.of(server) : null;
	}

}
